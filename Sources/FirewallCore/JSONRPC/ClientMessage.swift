/// A message from the MCP client, decoded as far as the firewall needs and validated strictly.
///
/// Decoding never changes the bytes that are forwarded: `ClientMessage` only describes them.
package struct ClientMessage: Sendable {
    package enum Kind: Sendable, Equatable {
        case request(id: RequestID, method: String)
        case notification(method: String)
        /// The client answering a request that the server (or the proxy) sent.
        case response(id: RequestID, isError: Bool)
    }

    package var kind: Kind
    /// `params` parsed (key rules applied at every depth), when present; for `tools/call` without
    /// `arguments`, which stay in the frame as `arguments`.
    package var params: JSONValue?
    /// The bytes to forward and to record: the frame as received, or the rewrite `WireFrame` made of it.
    package var frame: [UInt8]
    /// What `WireFrame` rewrote in the frame; empty when `frame` is the frame as received.
    package var rewrites: JSONParser.Hazards = .init()
    /// For `tools/call`: `params.arguments`, left in the frame (it is not part of `params`).
    package var arguments: JSONSlice?

    package var method: String? {
        switch kind {
        case .request(_, let method), .notification(let method): method
        case .response: nil
        }
    }

    package var id: RequestID? {
        switch kind {
        case .request(let id, _), .response(let id, _): id
        case .notification: nil
        }
    }

    /// The era of this request: modern when `params._meta` names a protocol version.
    package var era: ProtocolEra {
        params?["_meta"]?[ProtocolEra.protocolVersionKey]?.stringValue == nil ? .legacy : .modern
    }

    /// A validation failure with the JSON-RPC error the client is owed.
    package struct Rejection: Error, Sendable, Equatable {
        package var code: Int
        package var message: String
        /// The id of the offending request, when it could be read.
        package var id: RequestID?

        package init(code: Int, message: String, id: RequestID?) {
            self.code = code
            self.message = message
            self.id = id
        }
    }

    /// Decodes and validates one frame from the client; `frame` of the result holds the bytes to forward.
    package static func decode(_ frame: [UInt8]) throws(Rejection) -> ClientMessage {
        let wire: WireFrame
        do {
            wire = try WireFrame(frame)
        } catch {
            // Keys refused by the key rules are well-formed JSON but an ambiguous request.
            if error.isKeyRule {
                throw Rejection(
                    code: JSONRPCErrorCode.invalidRequest, message: "Invalid request: \(error.reason)",
                    id: WireFrame.lenientID(frame))
            }
            throw Rejection(code: JSONRPCErrorCode.parseError, message: "Parse error: \(error)", id: nil)
        }
        guard let members = wire.members else {
            throw Rejection(
                code: JSONRPCErrorCode.invalidRequest,
                message: wire.isArray
                    ? "Invalid request: JSON-RPC batches are not supported" : "Invalid request: not a JSON object",
                id: nil)
        }
        var id: RequestID?
        func value(_ key: String) throws(Rejection) -> JSONValue? {
            do {
                return try wire.value(of: key)
            } catch {
                throw Rejection(
                    code: JSONRPCErrorCode.invalidRequest, message: "Invalid request: \(key): \(error)", id: id)
            }
        }
        if let idValue = try value("id") {
            guard let parsed = RequestID(idValue) else {
                throw Rejection(
                    code: JSONRPCErrorCode.invalidRequest, message: "Invalid request: id must be \(RequestID.rule)",
                    id: nil)
            }
            id = parsed
        }
        func reject(_ reason: String) -> Rejection {
            Rejection(code: JSONRPCErrorCode.invalidRequest, message: "Invalid request: \(reason)", id: id)
        }
        do {
            try ProtocolKeys.check(members.map(\.key), in: "the message")
        } catch {
            throw reject(error.description)
        }
        guard try value("jsonrpc") == .string("2.0") else { throw reject("jsonrpc must be \"2.0\"") }
        let methodValue = try value("method")
        // A call's arguments are not built as a tree: they stay in the frame, read where they lie.
        var arguments: JSONSlice?
        var params: JSONValue?
        if methodValue == .string("tools/call"), let children = wire.children["params"] {
            var fields: [JSONValue.Member] = []
            for child in children {
                if child.key == "arguments" {
                    arguments = JSONSlice(wire.bytes, range: child.value)
                    continue
                }
                do {
                    fields.append(.init(child.key, try wire.value(in: child.value)))
                } catch {
                    throw reject("params: \(error)")
                }
            }
            params = .object(fields)
        } else {
            params = try value("params")
        }
        if let params, case .object = params {
            try checkVariants(
                wire.children["params"]?.map(\.key), in: "params", id: id, code: JSONRPCErrorCode.invalidParams)
            if case .object(let meta)? = params["_meta"] {
                try checkVariants(meta.map(\.key), in: "params._meta", id: id, code: JSONRPCErrorCode.invalidParams)
            }
        } else if params != nil {
            throw reject("params must be an object")
        }
        let hasResult = members.contains { $0.key == "result" }
        let hasError = members.contains { $0.key == "error" }
        if let methodValue {
            guard case .string(let method) = methodValue else { throw reject("method must be a string") }
            guard !hasResult && !hasError else { throw reject("a request cannot carry result or error") }
            var message = ClientMessage(
                kind: id.map { .request(id: $0, method: method) } ?? .notification(method: method), params: params,
                frame: wire.bytes)
            message.rewrites = wire.rewrites
            message.arguments = arguments
            if method != "tools/call", Self.disguises(method, as: "tools/call") {
                // MCP methods are case-sensitive, but a lenient server could still run `Tools/Call` or
                // `tools/call\u0000`: a near-miss of the policed method is refused, never relayed.
                throw Rejection(
                    code: JSONRPCErrorCode.methodNotFound, message: "Method not found: \(method.debugDescription)",
                    id: id)
            }
            if method == "tools/call" {
                // A notification is never policed: a server that ran it anyway would bypass the policy.
                guard id != nil else { throw reject("tools/call must be a request with an id") }
                try message.validateToolCall()
            }
            return message
        }
        guard let id else { throw reject("a message needs a method or an id") }
        guard hasResult != hasError else { throw reject("a response carries exactly one of result or error") }
        // The client's answer is not interpreted beyond its envelope, but its members are named exactly
        // (read from the members the gate collected: the answer is not built for this).
        let answer = hasResult ? "result" : "error"
        try checkVariants(wire.children[answer]?.map(\.key), in: answer, id: id, code: JSONRPCErrorCode.invalidRequest)
        var message = ClientMessage(kind: .response(id: id, isError: hasError), params: nil, frame: wire.bytes)
        message.rewrites = wire.rewrites
        return message
    }

    private static func checkVariants(
        _ keys: [String]?, in place: String, id: RequestID?, code: Int
    ) throws(Rejection) {
        do {
            try ProtocolKeys.check(keys ?? [], in: place)
        } catch {
            let prefix = code == JSONRPCErrorCode.invalidParams ? "Invalid params" : "Invalid request"
            throw Rejection(code: code, message: "\(prefix): \(error.description)", id: id)
        }
    }

    /// Whether `method` differs from `policed` only by case or invisible characters (cheap when it cannot).
    static func disguises(_ method: String, as policed: String) -> Bool {
        guard method.utf8.count >= policed.utf8.count, method.utf8.count <= policed.utf8.count * 4 else { return false }
        let visible = method.lowercased().unicodeScalars.filter {
            ![.control, .format, .spaceSeparator].contains($0.properties.generalCategory)
        }
        return String(String.UnicodeScalarView(visible)) == policed
    }

    private func validateToolCall() throws(Rejection) {
        guard case .object = params else {
            throw Rejection(
                code: JSONRPCErrorCode.invalidParams,
                message: "Invalid params: tools/call needs params with a tool name", id: id)
        }
        guard let name = params?["name"]?.stringValue else {
            throw Rejection(
                code: JSONRPCErrorCode.invalidParams, message: "Invalid params: tools/call needs a string \"name\"",
                id: id)
        }
        // A name with control characters (NUL, newline…) is never a real tool, and a server that cuts it
        // short would run a tool other than the one the policy judged.
        // General category Cc is exactly U+0000–U+001F and U+007F–U+009F, and stays so (Unicode's stability
        // policy): compared as numbers, without a property lookup per character.
        guard !name.isEmpty, !name.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F) ~= $0.value })
        else {
            throw Rejection(
                code: JSONRPCErrorCode.invalidParams,
                message: "Invalid params: tool name \(name.debugDescription) is empty or has control characters", id: id
            )
        }
        if let arguments {
            guard arguments.bytes.first == UInt8(ascii: "{") else {
                throw Rejection(
                    code: JSONRPCErrorCode.invalidParams,
                    message: "Invalid params: tools/call \"arguments\" must be an object", id: id)
            }
        }
    }

    /// For `tools/call`: the tool name.
    package var toolName: String? { params?["name"]?.stringValue }

    /// For `tools/call`: the arguments object (empty when absent), in the frame's own bytes.
    package var toolArgumentsSlice: JSONSlice { arguments ?? JSONSlice(.object([])) }

    /// For `tools/call`: the arguments object (empty when absent), built. Only for paths that need all of
    /// it (an approval, a grant); the policy and the audit read `toolArgumentsSlice`.
    package var toolArguments: JSONValue { arguments?.value ?? .object([]) }
}

/// The JSON-RPC error codes the proxy emits.
package enum JSONRPCErrorCode {
    package static let parseError = -32700
    package static let invalidRequest = -32600
    package static let methodNotFound = -32601
    package static let invalidParams = -32602
    package static let internalError = -32603
    /// Implementation-defined: the upstream server is gone.
    package static let serverUnavailable = -32000
    /// Implementation-defined: a message exceeded the configured size cap.
    package static let messageTooLarge = -32001
}
