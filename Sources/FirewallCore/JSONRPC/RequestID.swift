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
        var digits = Substring(literal)
        if digits.first == "-" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.utf8.count <= 16, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            digits == "0" || digits.first != "0", let magnitude = Int64(digits)
        else { return false }
        if literal.hasPrefix("-") && magnitude == 0 { return false }
        return magnitude <= 9_007_199_254_740_991
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
