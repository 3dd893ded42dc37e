import FirewallCore
import Logging

/// Confirmation for 2026-07-28 clients: servers cannot send them requests, so the proxy answers the
/// `tools/call` with an `InputRequiredResult` carrying its question and a signed `requestState`, and
/// decides when the client retries the call with the answer.
extension RelaySession {
    /// Answers the call with the question; nothing is held, nothing reaches the server.
    func askModernClient(_ call: PendingCall, now: Double) {
        let request = approvalRequest(call, now: now)
        let binding = request.binding
        let token = RequestStateToken(
            approvalID: call.approvalID, tool: call.decision.tool, binding: binding,
            nonce: RequestStateToken.randomNonce(), issuedAt: now, expiresAt: request.deadline,
            inputKey: ElicitationForm.inputKey)
        let reply = ProxyReply.approvalInputRequired(
            id: call.id, request: request, requestState: token.encoded(key: stateKey), now: now)
        let recorded = record(
            call.incoming,
            .approvalRequested(
                .init(
                    call: call.number, id: call.id, approvalID: call.approvalID, tool: call.decision.tool,
                    channel: ApprovalSettings.Channel.elicitation.rawValue,
                    timeoutMilliseconds: Int(DurationText.milliseconds(call.settings.timeout)),
                    binding: binding)),
            .message(proxyMessageRecord(reply, kind: "response", id: call.id, call: call.number)))
        guard recorded else {
            denyUnaudited(id: call.id, call: call.number, era: call.era, tool: call.decision.tool)
            return
        }
        logger.info(
            "asked the client to confirm", metadata: ["mcp.tool": "\(call.decision.tool)", "rpc.id": "\(call.id)"])
        toClient.write(reply)
    }

    /// The retry: verify the state (MAC, expiry, same call, first use), then read the answer.
    func redeem(_ call: PendingCall, state presented: String, now: Double) {
        let binding = approvalRequest(call, now: now).binding
        let approver = Approver(
            kind: .client, channel: ApprovalSettings.Channel.elicitation.rawValue,
            identity: state.withLock { $0.clientName })
        let token: RequestStateToken
        switch RequestStateToken.verify(presented, key: stateKey, binding: binding, now: now) {
        case .failure(let failure):
            refuseRetry(call, failure: failure, approvalID: nil, requestedAt: now, now: now)
            return
        case .success(let verified):
            token = verified
        }
        guard state.withLock({ $0.redeem(nonce: token.nonce, expiresAt: token.expiresAt, now: now) }) else {
            refuseRetry(call, failure: .replayed, approvalID: token.approvalID, requestedAt: token.issuedAt, now: now)
            return
        }
        guard let answer = call.message.params?["inputResponses"]?[token.inputKey] else {
            // The client retried without answering: ask again, under a new state.
            askModernClient(call, now: now)
            return
        }
        let (outcome, remember, detail) = ElicitationForm.outcome(of: answer, clientName: approver.identity)
        let approved = outcome.allowsCall
        let settled = state.withLock { state -> (ended: String?, grant: ApprovalGrant?) in
            guard approved else { return (nil, nil) }
            return state.admitApproved(
                call.id, call: call.number, decision: call.decision, arguments: call.arguments, settings: call.settings,
                approvalID: token.approvalID, approver: approver, remember: remember, now: now, at: Posix.monotonic())
        }
        let approval = AuditEvent.ApprovalTrace(
            approvalID: token.approvalID, outcome: outcome, detail: detail, requestedAt: token.issuedAt, decidedAt: now,
            grantCreated: settled.grant)
        let decided = decisionRecord(call, final: approved ? .allow : .deny, by: approver, approval: approval)
        logger.info(
            "approval finished",
            metadata: [
                "approval.id": "\(token.approvalID)", "approval.outcome": "\(outcome.rawValue)",
                "mcp.tool": "\(call.decision.tool)",
            ])
        guard approved else {
            deny(
                id: call.id, call: call.number, era: call.era,
                text: ProxyReply.denialText(call.decision, detail: "Confirmation \(outcome.rawValue): \(detail)"),
                events: [call.incoming, decided])
            return
        }
        if let ended = settled.ended {
            record(call.incoming, decided)
            replyError(
                id: call.id, code: JSONRPCErrorCode.serverUnavailable, message: "MCP server is not running (\(ended))")
            return
        }
        forwardAudited(
            outgoingFrame(call), id: call.id, call: call.number, era: call.era, tool: call.decision.tool,
            events: [call.incoming, decided])
    }

    /// A retry whose state cannot be trusted: denied, with the reason in the reply and the audit.
    private func refuseRetry(
        _ call: PendingCall, failure: RequestStateToken.Failure, approvalID: String?, requestedAt: Double, now: Double
    ) {
        if case .expired = failure, call.settings.onTimeout == .fail {
            state.withLock { $0.unattendedFailure = true }
        }
        let outcome: ApprovalOutcome
        if case .expired = failure { outcome = .timeout } else { outcome = .invalid }
        let approval = AuditEvent.ApprovalTrace(
            approvalID: approvalID ?? call.approvalID, outcome: outcome, detail: failure.description,
            requestedAt: requestedAt, decidedAt: now)
        logger.warning(
            "refused a retry's requestState",
            metadata: ["mcp.tool": "\(call.decision.tool)", "rpc.id": "\(call.id)", "reason": "\(failure)"])
        deny(
            id: call.id, call: call.number, era: call.era,
            text: ProxyReply.denialText(call.decision, detail: "Confirmation refused: \(failure.description)"),
            events: [
                call.incoming,
                decisionRecord(
                    call, final: .deny,
                    by: Approver(kind: .policy, channel: ApprovalSettings.Channel.elicitation.rawValue),
                    approval: approval),
            ])
    }
}
