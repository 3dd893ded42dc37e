/// Confirmation for 2026-07-28 clients: servers cannot send them requests, so the proxy answers the
/// `tools/call` with an `InputRequiredResult` carrying its question and a signed `requestState`, and
/// decides when the client retries the call with the answer.
extension RelayStateMachine {
    /// A server's own `input_required` answer to an approved call: the client's retry carrying the
    /// server's `requestState` (same tool, same arguments) continues that approval, once.
    struct Continuation: Sendable {
        struct Origin: Sendable {
            var approvalID: String
            var approver: Approver
            var argumentsDigest: String
        }

        var origin: Origin
        var tool: String
        var expiresAt: Double
    }

    /// Answers the call with the question; nothing is held, nothing reaches the server.
    mutating func askModernClient(_ call: PendingCall, now: RelayTime, into actions: inout [RelayAction]) {
        let request = approvalRequest(call, now: now)
        let binding = request.binding
        let token = RequestStateToken(
            approvalID: call.approvalID, tool: call.tool, binding: binding, nonce: configuration.makeNonce(),
            issuedAt: now.wall, expiresAt: request.deadline, inputKey: ElicitationForm.inputKey)
        let reply = ProxyReply.approvalInputRequired(
            id: call.id, request: request, requestState: token.encoded(key: configuration.stateKey), now: now.wall)
        actions.append(
            .log(RelayLog(.info, "asked the client to confirm", ["mcp.tool": call.tool, "rpc.id": "\(call.id)"])))
        actions.append(
            .audit([
                call.incoming,
                .approvalRequested(
                    .init(
                        toolClass: call.decision.toolClass,
                        call: call.number, id: call.id, approvalID: call.approvalID, tool: call.tool,
                        channel: Self.elicitationChannel,
                        timeoutMilliseconds: Int(DurationText.milliseconds(call.settings.timeout)), binding: binding)),
                .message(proxyMessageRecord(reply, kind: "response", id: call.id, call: call.number)),
            ]))
        actions.append(.sendToClient(reply, .reply(to: call.id)))
    }

    /// The retry: verify the state (MAC, expiry, same call, first use), then read the answer.
    mutating func redeem(
        _ call: PendingCall, state presented: String, now: RelayTime, into actions: inout [RelayAction]
    ) {
        let binding = approvalRequest(call, now: now).binding
        let approver = Approver(kind: .client, channel: Self.elicitationChannel, identity: clientName)
        let token: RequestStateToken
        switch RequestStateToken.verify(presented, key: configuration.stateKey, binding: binding, now: now.wall) {
        case .failure(let failure):
            refuseRetry(call, failure: failure, approvalID: nil, requestedAt: now.wall, now: now, into: &actions)
            return
        case .success(let verified):
            token = verified
        }
        guard redeem(nonce: token.nonce, expiresAt: token.expiresAt, now: now.wall) else {
            refuseRetry(
                call, failure: .replayed, approvalID: token.approvalID, requestedAt: token.issuedAt, now: now,
                into: &actions)
            return
        }
        guard let answer = call.message.params?["inputResponses"]?[token.inputKey] else {
            // The client retried without answering: ask again, under a new state.
            askModernClient(call, now: now, into: &actions)
            return
        }
        let (outcome, remember, detail) = ElicitationForm.outcome(of: answer, clientName: approver.identity)
        let approved = outcome.allowsCall
        var grant: ApprovalGrant?
        if approved, serverEnded == nil {
            grant = admitApproved(
                call, approvalID: token.approvalID, approver: approver, remember: remember, now: now)
        }
        let approval = AuditEvent.ApprovalTrace(
            approvalID: token.approvalID, outcome: outcome, detail: detail, requestedAt: token.issuedAt,
            decidedAt: now.wall, grantCreated: grant)
        let decided = decisionRecord(call, final: approved ? .allow : .deny, by: approver, approval: approval)
        actions.append(
            .log(
                RelayLog(
                    .info, "approval finished",
                    [
                        "approval.id": token.approvalID, "approval.outcome": outcome.rawValue,
                        "mcp.tool": call.tool,
                    ])))
        guard approved else {
            deny(
                id: call.id, call: call.number, era: call.era,
                text: ProxyReply.denialText(call.decision, detail: "Confirmation \(outcome.rawValue): \(detail)"),
                events: [call.incoming, decided], into: &actions)
            return
        }
        if let serverEnded {
            actions.append(.audit([call.incoming, decided]))
            replyError(
                id: call.id, code: JSONRPCErrorCode.serverUnavailable,
                message: "MCP server is not running (\(serverEnded))", into: &actions)
            return
        }
        forwardAudited(
            Self.outgoingFrame(call.message), id: call.id, call: call.number, era: call.era, tool: call.tool,
            approval: origin(of: call, approvalID: token.approvalID, approver: approver),
            events: [call.incoming, decided], now: now, into: &actions)
    }

    /// A retry whose state cannot be trusted: denied, with the reason in the reply and the audit.
    private mutating func refuseRetry(
        _ call: PendingCall, failure: RequestStateToken.Failure, approvalID: String?, requestedAt: Double,
        now: RelayTime, into actions: inout [RelayAction]
    ) {
        if case .expired = failure, call.settings.onTimeout == .fail { unattendedFailure = true }
        let outcome: ApprovalOutcome
        if case .expired = failure { outcome = .timeout } else { outcome = .invalid }
        let approval = AuditEvent.ApprovalTrace(
            approvalID: approvalID ?? call.approvalID, outcome: outcome, detail: failure.description,
            requestedAt: requestedAt, decidedAt: now.wall)
        actions.append(
            .log(
                RelayLog(
                    .warning, "refused a retry's requestState",
                    ["mcp.tool": call.tool, "rpc.id": "\(call.id)", "reason": "\(failure)"])))
        deny(
            id: call.id, call: call.number, era: call.era,
            text: ProxyReply.denialText(call.decision, detail: "Confirmation refused: \(failure.description)"),
            events: [
                call.incoming,
                decisionRecord(
                    call, final: .deny, by: Approver(kind: .policy, channel: Self.elicitationChannel),
                    approval: approval),
            ], into: &actions)
    }

    /// Marks a `requestState` nonce as used; false if it already was, or if the table of live nonces
    /// is full (then the retry is refused rather than the table growing without bound).
    mutating func redeem(nonce: String, expiresAt: Double, now: Double, capacity: Int = 4096) -> Bool {
        if redeemedStates.count >= capacity { redeemedStates = redeemedStates.filter { $0.value > now } }
        guard redeemedStates[nonce] == nil, redeemedStates.count < capacity else { return false }
        redeemedStates[nonce] = expiresAt
        return true
    }

    /// Remembers a server's `input_required` state for an approved call; bounded, expired entries go first.
    mutating func addContinuation(_ state: String, _ continuation: Continuation, now: Double) {
        if continuations.count >= 256 { continuations = continuations.filter { $0.value.expiresAt > now } }
        guard continuations.count < 256 else { return }
        continuations[state] = continuation
    }

    /// Takes the continuation a retry presents, if it matches the call and has not expired (single use).
    mutating func takeContinuation(_ state: String, tool: String, argumentsDigest: String, now: Double) -> Continuation?
    {
        guard let continuation = continuations[state], continuation.tool == tool,
            continuation.origin.argumentsDigest == argumentsDigest, continuation.expiresAt > now
        else { return nil }
        continuations[state] = nil
        return continuation
    }
}
