/// A JSON-RPC request id as the peer wrote it: a string, or a number kept as its literal text.
package enum RequestID: Hashable, Sendable, CustomStringConvertible {
    case number(String)
    case string(String)

    /// The id in `value`: a string, or an integer written plainly within ±(2^53 − 1).
    ///
    /// Peers compare numeric ids by value, and JavaScript holds them as doubles: `1.0`, `1e0` and `1`
    /// are one id to a Node server, and so are 9007199254740993 and 9007199254740992. Only the one
    /// spelling of each value that every peer keeps is accepted, so two ids the proxy tells apart are
    /// never one id to the server.
    package init?(_ value: JSONValue) {
        switch value {
        case .number(let literal):
            guard Self.isPlainSafeInteger(literal) else { return nil }
            self = .number(literal)
        case .string(let text): self = .string(text)
        default: return nil
        }
    }

    /// The same id text of the other JSON type (`1` for `"1"`), which a peer that keys requests by
    /// their printed id would confuse with this one.
    package var otherTypeTwin: RequestID? {
        switch self {
        case .number(let literal): .string(literal)
        case .string(let text): Self.isPlainSafeInteger(text) ? .number(text) : nil
        }
    }

    /// Why `value` is not an id the proxy accepts, for error messages.
    package static let rule = "a string or an integer within ±9007199254740991 written without fraction or exponent"

    /// `-?(0|[1-9][0-9]*)` within ±(2^53 − 1), and not `-0`.
    static func isPlainSafeInteger(_ literal: String) -> Bool {
        var literal = literal
        return literal.withUTF8 { bytes in
            let negative = bytes.first == UInt8(ascii: "-")
            let first = negative ? 1 : 0
            let digits = bytes.count - first
            guard digits >= 1, digits <= 16 else { return false }
            // A leading zero only as `0` itself, and never `-0`.
            if bytes[first] == UInt8(ascii: "0") { return digits == 1 && !negative }
            var magnitude: Int64 = 0
            for index in first..<bytes.count {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit <= 9 else { return false }
                magnitude = magnitude * 10 + Int64(digit)
            }
            return magnitude <= 9_007_199_254_740_991
        }
    }

    package var description: String {
        switch self {
        case .number(let literal): literal
        case .string(let text): "\"\(text)\""
        }
    }

    /// Writes the id back as JSON.
    package func write(to writer: inout JSONWriter) {
        switch self {
        case .number(let literal): writer.raw(literal.utf8)
        case .string(let text): writer.string(text)
        }
    }
}
