import Crypto

/// The `requestState` the proxy hands a 2026-07-28 client with its approval question, and checks
/// when the client retries the call with the answer.
///
/// The state passes through the client, so it is treated as attacker-controlled: it is MAC'd with a
/// key that exists only in this proxy run, bound to the exact call (tool, canonical arguments,
/// server, policy digest), expires with the approval timeout, and carries a nonce the relay lets be
/// redeemed once. Format: `mcpfw1.<base64url payload>.<base64url HMAC-SHA256>`.
package struct RequestStateToken: Sendable, Equatable {
    package static let prefix = "mcpfw1."

    /// The approval this question belongs to (the audit's `approval_id`).
    package var approvalID: String
    package var tool: String
    /// `ApprovalBinding.digest` of the call asked about.
    package var binding: String
    /// Random, single-use.
    package var nonce: String
    /// When the question was asked and when the answer stops counting (Unix seconds, millisecond precision).
    package var issuedAt: Double
    package var expiresAt: Double
    /// The `inputRequests` key the answer must come under.
    package var inputKey: String

    package init(
        approvalID: String, tool: String, binding: String, nonce: String, issuedAt: Double, expiresAt: Double,
        inputKey: String
    ) {
        self.approvalID = approvalID
        self.tool = tool
        self.binding = binding
        self.nonce = nonce
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.inputKey = inputKey
    }

    /// Why a presented state was refused.
    package enum Failure: Error, Equatable, CustomStringConvertible {
        case malformed
        case forged
        case expired(millisecondsAgo: Int)
        case callChanged
        case replayed

        package var description: String {
            switch self {
            case .malformed: "the requestState is not one this proxy issued (malformed)"
            case .forged: "the requestState failed its integrity check (forged or from another proxy run)"
            case .expired(let millis):
                "the approval question expired \(millis < 1000 ? "\(millis) ms" : "\(millis / 1000) s") before the retry"
            case .callChanged:
                "the retried call differs from the one the approval was asked for (tool or arguments changed)"
            case .replayed: "the requestState was already used: an approval covers one call"
            }
        }
    }

    /// Whether `state` claims to be one of ours (the server may issue its own states).
    package static func isOurs(_ state: String) -> Bool { state.hasPrefix(prefix) }

    /// The signed token.
    package func encoded(key: RequestStateKey) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("a", approvalID)
        writer.field("t", tool)
        writer.field("b", binding)
        writer.field("n", nonce)
        writer.field("i", Int((issuedAt * 1000).rounded()))
        writer.field("e", Int((expiresAt * 1000).rounded()))
        writer.field("k", inputKey)
        writer.endObject()
        let body = Self.prefix + Base64URL.encode(writer.bytes)
        let mac = HMAC<SHA256>.authenticationCode(for: Array(body.utf8), using: key.key)
        return body + "." + Base64URL.encode(Array(mac))
    }

    /// Verifies the MAC and the expiry, then that the retried call is the one asked about. The
    /// caller enforces single use with `nonce`.
    package static func verify(
        _ state: String, key: RequestStateKey, binding: String, now: Double
    ) -> Result<RequestStateToken, Failure> {
        guard isOurs(state), let dot = state.lastIndex(of: "."), dot > state.index(state.startIndex, offsetBy: 6),
            let mac = Base64URL.decode(state[state.index(after: dot)...])
        else { return .failure(.malformed) }
        let body = state[..<dot]
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Array(body.utf8), using: key.key) else {
            return .failure(.forged)
        }
        guard let payload = Base64URL.decode(body.dropFirst(prefix.count)),
            let json = try? JSONParser.parse(payload), case .object = json,
            let approvalID = json["a"]?.stringValue, let tool = json["t"]?.stringValue,
            let signedBinding = json["b"]?.stringValue, let nonce = json["n"]?.stringValue,
            let issued = json["i"]?.doubleValue, let expires = json["e"]?.doubleValue,
            let inputKey = json["k"]?.stringValue
        else { return .failure(.malformed) }
        let token = RequestStateToken(
            approvalID: approvalID, tool: tool, binding: signedBinding, nonce: nonce, issuedAt: issued / 1000,
            expiresAt: expires / 1000, inputKey: inputKey)
        guard now < token.expiresAt else {
            return .failure(.expired(millisecondsAgo: Int(((now - token.expiresAt) * 1000).rounded())))
        }
        guard signedBinding == binding else { return .failure(.callChanged) }
        return .success(token)
    }

    /// 128 random bits, hex.
    package static func randomNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }.hexString
    }
}

/// The MAC key for `requestState`s: random per proxy run, never written anywhere.
package struct RequestStateKey: Sendable {
    let key: SymmetricKey

    package init() {
        key = SymmetricKey(size: .bits256)
    }
}

/// Base64 with the URL-safe alphabet and no padding (RFC 4648 §5).
package enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    package static func encode(_ bytes: [UInt8]) -> String {
        Base64.encode(bytes, alphabet: alphabet, padded: false)
    }

    /// Nil for any character outside the alphabet or an impossible length.
    package static func decode<Text: StringProtocol>(_ text: Text) -> [UInt8]? {
        var value: UInt32 = 0
        var bits = 0
        var out: [UInt8] = []
        for scalar in text.utf8 {
            guard let digit = alphabet.firstIndex(of: scalar) else { return nil }
            value = (value << 6) | UInt32(digit)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((value >> UInt32(bits)) & 0xFF))
            }
        }
        return bits >= 6 ? nil : out
    }
}
