/// A JSON-RPC request id as the peer wrote it: a string, or a number kept as its literal text.
package enum RequestID: Hashable, Sendable, CustomStringConvertible {
    case number(String)
    case string(String)

    package init?(_ value: JSONValue) {
        switch value {
        case .number(let literal): self = .number(literal)
        case .string(let text): self = .string(text)
        default: return nil
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
