/// Asking the MCP client's user through `elicitation/create` (2025-11-25 clients that declared form
/// elicitation) is one of the held call's channels, run by the machine itself: the question is an
/// action, the answer an event. The answer comes from the client, which may fill it in
/// automatically, so it is attributed to the client, never to a proven human.
extension RelayStateMachine {
    static let elicitationChannel = ApprovalSettings.Channel.elicitation.rawValue

    /// Sends the question under a proxy-owned id (a random per-run prefix no server or client uses).
    mutating func ask(
        _ request: ApprovalRequest, about id: RequestID, now: RelayTime, into actions: inout [RelayAction]
    ) -> String {
        questionsSent += 1
        let question = "\(configuration.elicitationPrefix)-\(questionsSent)"
        questions[question] = id
        let frame = ProxyReply.approvalElicitation(id: question, request: request, now: now.wall)
        actions.append(
            .audit([
                .message(
                    AuditEvent.MessageRecord(
                        direction: .proxyToClient, kind: "request", method: "elicitation/create",
                        id: .string(question), call: nil,
                        payload: AuditPayload(frame, isValidJSON: true, limit: configuration.auditPayloadLimit)))
            ]))
        actions.append(.sendToClient(frame, .during(id)))
        return question
    }

    /// A response from the client to one of the proxy's own questions: audited, never forwarded (the
    /// server did not ask), and the held call's elicitation channel answers with it. False for
    /// responses that belong to the server.
    mutating func answeredQuestion(
        _ message: ClientMessage, id: RequestID, now: RelayTime, into actions: inout [RelayAction]
    ) -> Bool {
        guard case .string(let text) = id, text.hasPrefix(configuration.elicitationPrefix) else { return false }
        actions.append(.audit([.message(clientToProxyRecord(message))]))
        guard let target = questions.removeValue(forKey: text), let entry = held[target] else {
            actions.append(.log(RelayLog(.info, "late answer to a withdrawn question dropped", ["rpc.id": text])))
            return true
        }
        let parsed = try? JSONParser.parse(message.frame)
        let response: ApprovalResponse
        if let error = parsed?["error"] {
            response = Self.refusal(
                code: error["code"]?.doubleValue.flatMap { Int(exactly: $0) } ?? 0,
                message: error["message"]?.stringValue ?? "no message")
        } else {
            let (outcome, remember, detail) = ElicitationForm.outcome(
                of: parsed?["result"] ?? .null, clientName: entry.questionClient)
            response = ApprovalResponse(
                outcome: outcome,
                approver: Approver(kind: .client, channel: Self.elicitationChannel, identity: entry.questionClient),
                detail: detail, remember: remember && entry.request.remember != .never)
        }
        channelAnswered(
            approvalID: entry.call.approvalID, channel: Self.elicitationChannel, response: response, now: now,
            into: &actions)
        return true
    }

    /// A `notifications/cancelled` from the client for one of the proxy's own questions: the client
    /// will not answer it, so its channel fails now rather than at the timeout. Kept from the server.
    mutating func withdrawnQuestion(
        _ message: ClientMessage, target: RequestID, now: RelayTime, into actions: inout [RelayAction]
    ) -> Bool {
        guard case .string(let text) = target, text.hasPrefix(configuration.elicitationPrefix) else { return false }
        actions.append(.audit([.message(clientToProxyRecord(message))]))
        if let call = questions.removeValue(forKey: text), let entry = held[call] {
            channelAnswered(
                approvalID: entry.call.approvalID, channel: Self.elicitationChannel,
                response: Self.refusal(code: 0, message: "the client cancelled the proxy's question"), now: now,
                into: &actions)
        }
        return true
    }

    /// The client refused the question: its channel could not reach anyone.
    private static func refusal(code: Int, message: String) -> ApprovalResponse {
        ApprovalResponse(
            outcome: .unattended, approver: Approver(kind: .policy, channel: elicitationChannel),
            detail: "the client refused the question (\(code): \(ApprovalSummary.sanitize(message)))")
    }

    /// The record of a client message meant for the proxy itself (never forwarded).
    private func clientToProxyRecord(_ message: ClientMessage) -> AuditEvent.MessageRecord {
        var record = clientMessageRecord(message)
        record.direction = .clientToProxy
        return record
    }
}
