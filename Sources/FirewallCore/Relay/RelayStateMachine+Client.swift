extension RelayStateMachine {
    /// A request forwarded to the server, awaiting its answer.
    struct InFlight: Sendable {
        var method: String
        /// Set for `tools/call`: the proxy's call number, the tool and the call's era.
        var call: Int? = nil
        var tool: String? = nil
        var era: ProtocolEra? = nil
        /// Monotonic seconds.
        var startedAt: Double
        /// For a call a person (or the client) approved: the approval, so that a server asking for
        /// more input (`input_required`) does not make the person approve the same call twice.
        var approval: Continuation.Origin? = nil
        /// The class the policy gave the tool (the result record's sensitivity).
        var toolClass: ToolClass? = nil
    }

    /// Whether `id` is already used by a request the proxy has not finished with.
    func isOutstanding(_ id: RequestID) -> Bool {
        inFlight[id] != nil || held[id] != nil
    }

    mutating func receiveClient(_ input: ClientInput, now: RelayTime, into actions: inout [RelayAction]) {
        let message: ClientMessage
        switch input {
        case .oversized(let size):
            rejectOversized(size, into: &actions)
            return
        case .rejected(let frame, let rejection):
            counts.messagesFromClient += 1
            reject(frame, rejection, into: &actions)
            return
        case .message(let decoded):
            counts.messagesFromClient += 1
            message = decoded
        }
        // From here on only the bytes every peer reads the same way exist (docs/message-reading.md).
        if !message.rewrites.isEmpty { noteRewrite(message.rewrites, from: "client", id: message.id, into: &actions) }
        if message.era == .modern { noteModernRequest(message, into: &actions) }
        switch message.kind {
        case .request(let id, let method):
            // `1` and `"1"` are one id to a server that keys requests by their printed form: its answer to
            // one could be taken for the other's (a filtered tools/list relayed as a ping's answer).
            var conflict: String?
            if isOutstanding(id) {
                conflict = "id \(id) is already in use by a pending request"
            } else if let twin = id.otherTypeTwin, isOutstanding(twin) {
                conflict = "id \(id) is the same text as pending request \(twin)"
            }
            if let conflict {
                reject(
                    message.frame,
                    ClientMessage.Rejection(
                        code: JSONRPCErrorCode.invalidRequest, message: "Invalid request: \(conflict)", id: id),
                    into: &actions)
                return
            }
            if method == "tools/call" {
                receiveToolCall(message, id: id, now: now, into: &actions)
                return
            }
            if method == "initialize" {
                initializeParams = message.params
                noteClientCapabilities(message.params, into: &actions)
            }
            forward(message, id: id, method: method, now: now, into: &actions)
        case .notification(let method):
            if method == "notifications/cancelled", let target = message.params?["requestId"].flatMap(RequestID.init) {
                // A call held for approval never reached the server: withdraw it here and keep the
                // cancellation to ourselves.
                if held[target] != nil {
                    actions.append(.audit([.message(clientMessageRecord(message))]))
                    withdraw(
                        target, reason: "the client cancelled the request", byClient: true, now: now, into: &actions)
                    return
                }
                // The client dismissing one of the proxy's own questions: the server never saw the
                // question, and must not learn the proxy's id prefix from it.
                if withdrawnQuestion(message, target: target, now: now, into: &actions) { return }
            }
            forward(message, id: nil, method: method, now: now, into: &actions)
        case .response(let id, _):
            if answeredQuestion(message, id: id, now: now, into: &actions) { return }
            forward(message, id: nil, method: nil, now: now, into: &actions)
        }
    }

    private mutating func forward(
        _ message: ClientMessage, id: RequestID?, method: String?, now: RelayTime, into actions: inout [RelayAction]
    ) {
        if let id, let method {
            if let serverEnded {
                actions.append(.audit([.message(clientMessageRecord(message))]))
                replyError(
                    id: id, code: JSONRPCErrorCode.serverUnavailable,
                    message: "MCP server is not running (\(serverEnded))", into: &actions)
                return
            }
            inFlight[id] = InFlight(method: method, startedAt: now.monotonic)
        }
        actions.append(.audit([.message(clientMessageRecord(message))]))
        actions.append(.sendToServer(message.frame, decided: nil))
    }

    private mutating func reject(
        _ frame: [UInt8], _ rejection: ClientMessage.Rejection, into actions: inout [RelayAction]
    ) {
        counts.rejected += 1
        actions.append(
            .log(
                RelayLog(
                    .warning, "rejected client message",
                    ["rpc.error": "\(rejection.code)", "reason": rejection.message])))
        let payload = AuditPayload(frame, isValidJSON: false, limit: configuration.auditPayloadLimit)
        actions.append(
            .audit([
                .rejection(.init(id: rejection.id, code: rejection.code, message: rejection.message, payload: payload))
            ]))
        replyError(id: rejection.id, code: rejection.code, message: rejection.message, into: &actions)
    }

    /// A client frame exceeded the size cap: refuse it (its id is unknown) and audit the refusal.
    private mutating func rejectOversized(_ size: Int, into actions: inout [RelayAction]) {
        counts.rejected += 1
        let message = "Message too large: \(size) bytes exceeds the proxy's limit"
        actions.append(.log(RelayLog(.warning, "rejected oversized client message", ["size": "\(size)"])))
        actions.append(
            .audit([
                .rejection(
                    .init(
                        id: nil, code: JSONRPCErrorCode.messageTooLarge, message: message,
                        payload: AuditPayload(droppedSize: size)))
            ]))
        replyError(id: nil, code: JSONRPCErrorCode.messageTooLarge, message: message, into: &actions)
    }

    private mutating func noteModernRequest(_ message: ClientMessage, into actions: inout [RelayAction]) {
        guard !negotiated else { return }
        negotiated = true
        let meta = message.params?["_meta"]
        clientName = Self.describeClient(meta?[ProtocolEra.clientInfoKey])
        actions.append(
            .audit([
                .sessionNegotiated(
                    .init(
                        era: .modern, protocolVersion: meta?[ProtocolEra.protocolVersionKey]?.stringValue,
                        clientInfo: meta?[ProtocolEra.clientInfoKey],
                        clientCapabilities: meta?[ProtocolEra.clientCapabilitiesKey],
                        serverInfo: nil
                    )
                )
            ]))
    }

    /// Notes what the client can do, from `initialize` (2025-11-25) params.
    /// What a user can do when nobody can answer a `confirm`.
    package static let howToAnswerConfirmations =
        "To answer them, run `mcp-firewall approver` before the client starts, add --approve-web 127.0.0.1:0 and open the URL it prints, configure approval.command, or start the proxy where /dev/tty can be opened"

    /// Says, once the client has, whether confirmations can be asked in it, and warns when nobody at
    /// all can answer them.
    private mutating func noteClientCapabilities(_ params: JSONValue?, into actions: inout [RelayAction]) {
        clientElicitsForms = Self.supportsForms(params?["capabilities"]?["elicitation"])
        clientName = Self.describeClient(params?["clientInfo"])
        let channels = policy.approvalChannelsInUse
        guard policy.mayConfirm, channels.contains(.elicitation) else { return }
        let client = clientName ?? "unnamed"
        if clientElicitsForms {
            actions.append(
                .log(
                    RelayLog(
                        .info, "the client answers elicitation: confirmations can be asked in it", ["client": client])))
        } else if !channels.contains(where: { configuration.externalChannels.contains($0.rawValue) }) {
            actions.append(
                .log(
                    RelayLog(
                        .warning,
                        "the client does not answer elicitation and no other approval channel reaches a person: every `confirm` will be denied. \(Self.howToAnswerConfirmations)",
                        ["client": client])))
        }
    }

    /// Whether an `elicitation` capability includes form mode: `{}` (form, by the spec's backwards
    /// compatibility rule) or an object naming `form`.
    static func supportsForms(_ capability: JSONValue?) -> Bool {
        guard case .object(let members)? = capability else { return false }
        return members.isEmpty || capability?["form"] != nil
    }

    static func describeClient(_ info: JSONValue?) -> String? {
        guard let name = info?["name"]?.stringValue else { return nil }
        let version = info?["version"]?.stringValue.map { " \($0)" } ?? ""
        return ApprovalSummary.middleCut(name + version, limit: 120)
    }
}
