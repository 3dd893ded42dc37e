import FirewallCore
import Logging

/// Asks the MCP client's user through `elicitation/create` (2025-11-25 clients that declared form
/// elicitation). The answer comes from the client, which may fill it in automatically, so it is
/// attributed to the client, never to a proven human.
struct ClientElicitationChannel: ApprovalChannel {
    let session: RelaySession

    var name: String { ApprovalSettings.Channel.elicitation.rawValue }
    var isAvailable: Bool { session.state.withLock { $0.clientElicitsForms && $0.serverEnded == nil } }

    func requestApproval(_ request: ApprovalRequest) async -> ApprovalResponse {
        await session.elicit(request)
    }
}

extension RelaySession {
    /// Sends the question under a proxy-owned id (a random per-run prefix no server or client uses),
    /// waits for the client's answer, and withdraws the question with `notifications/cancelled` when
    /// the wait is cancelled (timeout, the call withdrawn, another channel answered first).
    func elicit(_ request: ApprovalRequest) async -> ApprovalResponse {
        let answer = OneShot<RelayState.ElicitationAnswer>()
        let (number, clientName) = state.withLock { state in (state.nextElicitation(), state.clientName) }
        let elicitationID = "\(elicitationPrefix)-\(number)"
        state.withLock { $0.elicitations[elicitationID] = answer }
        let frame = ProxyReply.approvalElicitation(id: elicitationID, request: request, now: Posix.now())
        record(
            .message(
                AuditEvent.MessageRecord(
                    direction: .proxyToClient, kind: "request", method: "elicitation/create",
                    id: .string(elicitationID),
                    call: nil, payload: AuditPayload(frame, isValidJSON: true, limit: configuration.auditPayloadLimit)))
        )
        toClient.write(frame)
        let approver = Approver(
            kind: .client, channel: ApprovalSettings.Channel.elicitation.rawValue, identity: clientName)
        guard let reply = await answer.value() else {
            let pending = state.withLock { $0.elicitations.removeValue(forKey: elicitationID) } != nil
            if pending {
                let withdrawal = ProxyReply.cancelled(
                    requestID: elicitationID, reason: "the approval request was withdrawn")
                record(.message(proxyMessageRecord(withdrawal, kind: "notification", id: nil)))
                toClient.write(withdrawal)
            }
            return ApprovalResponse(
                outcome: .cancelled, approver: approver, detail: "the question to the client was withdrawn")
        }
        switch reply {
        case .error(let code, let message):
            return ApprovalResponse(
                outcome: .unattended, approver: Approver(kind: .policy, channel: approver.channel),
                detail: "the client refused the question (\(code): \(ApprovalSummary.sanitize(message)))")
        case .result(let result):
            let (outcome, remember, detail) = ElicitationForm.outcome(of: result, clientName: clientName)
            return ApprovalResponse(
                outcome: outcome, approver: approver, detail: detail, remember: remember && request.remember != .never)
        }
    }

    /// A response from the client to one of the proxy's own questions: handed to the waiting
    /// channel and audited, never forwarded (the server did not ask). Returns false for responses
    /// that belong to the server.
    func deliverElicitationAnswer(_ frame: [UInt8], _ message: ClientMessage, id: RequestID) -> Bool {
        guard case .string(let text) = id, text.hasPrefix(elicitationPrefix) else { return false }
        let waiter = state.withLock { $0.elicitations.removeValue(forKey: text) }
        record(.message(clientToProxyRecord(frame, message)))
        guard let waiter else {
            logger.info("late answer to a withdrawn question dropped", metadata: ["rpc.id": "\(text)"])
            return true
        }
        let parsed = try? JSONParser.parse(frame)
        if let error = parsed?["error"] {
            waiter.fulfil(
                .error(
                    code: error["code"]?.doubleValue.flatMap { Int(exactly: $0) } ?? 0,
                    message: error["message"]?.stringValue ?? "no message"))
        } else {
            waiter.fulfil(.result(parsed?["result"] ?? .null))
        }
        return true
    }

    /// A `notifications/cancelled` from the client for one of the proxy's own questions: the client
    /// will not answer it, so the call is denied now rather than at the timeout. Kept from the server.
    func withdrawElicitation(_ frame: [UInt8], _ message: ClientMessage, target: RequestID) -> Bool {
        guard case .string(let text) = target, text.hasPrefix(elicitationPrefix) else { return false }
        record(.message(clientToProxyRecord(frame, message)))
        let waiter = state.withLock { $0.elicitations.removeValue(forKey: text) }
        waiter?.fulfil(.error(code: 0, message: "the client cancelled the proxy's question"))
        return true
    }

    /// The record of a client message meant for the proxy itself (never forwarded).
    private func clientToProxyRecord(_ frame: [UInt8], _ message: ClientMessage) -> AuditEvent.MessageRecord {
        var record = clientMessageRecord(frame, message)
        record.direction = .clientToProxy
        return record
    }

    /// Notes what the client can do, from `initialize` (2025-11-25) params.
    func noteClientCapabilities(_ params: JSONValue?) {
        let elicitation = params?["capabilities"]?["elicitation"]
        let info = params?["clientInfo"]
        state.withLock { state in
            state.clientElicitsForms = Self.supportsForms(elicitation)
            state.clientName = Self.describeClient(info)
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
