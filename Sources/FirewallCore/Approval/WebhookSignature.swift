import Crypto

/// The HMAC-SHA256 signature carried by webhook requests and callbacks.
///
/// Both directions sign `"<timestamp>." + body` with the shared secret and send
/// `X-MCP-Firewall-Timestamp: <unix seconds>` and `X-MCP-Firewall-Signature: sha256=<hex>`. The clock
/// is the caller's: this type only computes and compares.
package enum WebhookSignature {
    /// The header name of the signature.
    package static let signatureHeader = "X-MCP-Firewall-Signature"
    /// The header name of the timestamp, in whole seconds since the Unix epoch.
    package static let timestampHeader = "X-MCP-Firewall-Timestamp"
    /// How far a timestamp may lie from the receiver's clock, either way, in seconds.
    package static let tolerance: Double = 300

    /// The header value `sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>`.
    package static func sign(body: [UInt8], timestamp: String, secret: [UInt8]) -> String {
        let code = HMAC<SHA256>.authenticationCode(
            for: signedBytes(body: body, timestamp: timestamp), using: SymmetricKey(data: secret))
        return "sha256=" + Array(code).hexString
    }

    /// Whether `signature` is the header value `sign` would produce; the comparison takes the same
    /// time wherever the first differing byte is.
    package static func verify(_ signature: String, body: [UInt8], timestamp: String, secret: [UInt8]) -> Bool {
        guard signature.hasPrefix("sha256="), let code = bytes(hex: signature.dropFirst(7)),
            code.count == SHA256.byteCount
        else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(
            code, authenticating: signedBytes(body: body, timestamp: timestamp), using: SymmetricKey(data: secret))
    }

    /// Whether `timestamp` is whole Unix seconds within `tolerance` of `now` (in either direction).
    package static func isFresh(_ timestamp: String, now: Double, tolerance: Double = tolerance) -> Bool {
        guard !timestamp.isEmpty, timestamp.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), timestamp.utf8.count <= 12,
            let seconds = Double(timestamp)
        else { return false }
        return abs(now - seconds) <= tolerance
    }

    private static func signedBytes(body: [UInt8], timestamp: String) -> [UInt8] {
        Array(timestamp.utf8) + [UInt8(ascii: ".")] + body
    }

    private static func bytes(hex: Substring) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}
