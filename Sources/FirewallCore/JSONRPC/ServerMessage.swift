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
    /// Byte range of the `result` value in `frame`, for results.
    package var resultRange: Range<Int>?
    /// The members of `result` (key and value range in `frame`) when it is an object, read in the one pass.
    package var resultMembers: [WireFrame.Member]?

    /// The value of member `key` of `result`.
    package func resultValue(_ key: String) -> JSONValue? {
        guard let range = resultMembers?.first(where: { $0.key == key })?.value else { return nil }
        return frame.withUnsafeBufferPointer {
            try? JSONParser.parse(UnsafeBufferPointer(rebasing: $0[range]), rules: .structureOnly)
        }
    }
    /// The bytes to forward and to record: the frame as received, or the rewrite `WireFrame` made of it.
    package var frame: [UInt8]
    /// What `WireFrame` rewrote in the frame; empty when `frame` is the frame as received.
    package var rewrites: JSONParser.Hazards = .init()
    /// For an unparseable frame: its id read leniently, so the request it answers can be answered with
    /// an error instead of waiting for an answer that will never be relayed.
    package var salvagedID: RequestID?

    /// Reads the envelope of `frame` under the wire rules (`WireFrame`).
    package static func decode(_ frame: [UInt8]) -> ServerMessage {
        let wire: WireFrame
        do {
            wire = try WireFrame(frame)
        } catch {
            return ServerMessage(
                kind: .unparseable(reason: error.description), frame: frame, salvagedID: WireFrame.lenientID(frame))
        }
        func unparseable(_ reason: String) -> ServerMessage {
            ServerMessage(kind: .unparseable(reason: reason), frame: frame, salvagedID: WireFrame.lenientID(frame))
        }
        guard let members = wire.members else { return unparseable("not a JSON object") }
        func value(_ key: String) -> JSONValue? { try? wire.value(of: key) }
        do {
            try ProtocolKeys.check(members.map(\.key), in: "the message")
            for key in ["result", "error"] {
                if let members = wire.children[key] { try ProtocolKeys.check(members.lazy.map(\.key), in: key) }
            }
        } catch {
            return unparseable(error.description)
        }
        let idValue = value("id")
        let id = idValue.flatMap(RequestID.init)
        if idValue != nil && idValue != .null && id == nil { return unparseable("id must be \(RequestID.rule)") }
        var message = ServerMessage(kind: .unparseable(reason: ""), frame: wire.bytes)
        message.rewrites = wire.rewrites
        if case .string(let method)? = value("method") {
            message.kind = id.map { .request(id: $0, method: method) } ?? .notification(method: method)
        } else if let resultRange = wire.range(of: "result"), let id {
            message.kind = .result(id: id)
            message.resultRange = resultRange
            message.resultMembers = wire.children["result"]
        } else if members.contains(where: { $0.key == "error" }) {
            let code = value("error")?["code"]?.doubleValue.flatMap { Int(exactly: $0) }
            message.kind = .error(id: id, code: code)
        } else {
            return unparseable("neither a request, a notification nor a response")
        }
        return message
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
