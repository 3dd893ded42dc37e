/// A message from the MCP server, described by its envelope only.
///
/// Server messages can be very large (10 MB+ results); only the top level is read, values are
/// skipped over after a structural check, and nothing is copied.
package struct ServerMessage: Sendable {
    package enum Kind: Sendable, Equatable {
        case request(id: RequestID, method: String)
        case notification(method: String)
        case result(id: RequestID)
        case error(id: RequestID?, code: Int?)
        /// Not a JSON-RPC message the proxy understands; it is still forwarded.
        case unparseable(reason: String)
    }

    package var kind: Kind
    /// Byte range of the `result` value, for results.
    package var resultRange: Range<Int>?

    /// Reads the envelope of `frame`.
    package static func decode(_ buffer: UnsafeBufferPointer<UInt8>) -> ServerMessage {
        let members: [(key: String, value: Range<Int>)]
        do {
            guard case .object(let found) = try JSONParser.topLevelMembers(buffer) else {
                return ServerMessage(kind: .unparseable(reason: "not a JSON object"))
            }
            members = found
        } catch {
            return ServerMessage(kind: .unparseable(reason: error.description))
        }
        func value(_ key: String) -> JSONValue? {
            guard let range = members.first(where: { $0.key == key })?.value else { return nil }
            return try? JSONParser.parse(UnsafeBufferPointer(rebasing: buffer[range]))
        }
        let id = value("id").flatMap(RequestID.init)
        if case .string(let method)? = value("method") {
            return ServerMessage(kind: id.map { .request(id: $0, method: method) } ?? .notification(method: method))
        }
        if let resultRange = members.first(where: { $0.key == "result" })?.value, let id {
            return ServerMessage(kind: .result(id: id), resultRange: resultRange)
        }
        if members.contains(where: { $0.key == "error" }) {
            let code = value("error")?["code"]?.doubleValue.flatMap { Int(exactly: $0) }
            return ServerMessage(kind: .error(id: id, code: code))
        }
        return ServerMessage(kind: .unparseable(reason: "neither a request, a notification nor a response"))
    }

    package var id: RequestID? {
        switch kind {
        case .request(let id, _), .result(let id): id
        case .error(let id, _): id
        case .notification, .unparseable: nil
        }
    }

    package var method: String? {
        switch kind {
        case .request(_, let method), .notification(let method): method
        default: nil
        }
    }
}
