import FirewallCore
import Logging

extension RelaySession {
    /// Classifies, decides, audits (write-ahead) and then forwards, refuses or holds a `tools/call`.
    func handleToolCall(_ frame: [UInt8], _ message: ClientMessage, id: RequestID) {
        let tool = message.toolName ?? ""
        // Read where they lie in the frame: the policy builds only what its rules name (no tree of the
        // whole arguments on the allow and deny paths), and the audit writes the server's very bytes.
        let arguments = message.toolArgumentsSlice
        let (call, annotations, ended) = state.withLock { state in
            (state.nextCall(), state.annotations[tool], state.serverEnded)
        }
        let era = message.era
        let decision = policy.evaluate(tool: tool, lookingUp: arguments, annotations: annotations)
        let incoming = AuditEvent.message(clientMessageRecord(frame, message, call: call))
        let byPolicy = Approver(kind: .policy, channel: "policy")

        if audit.failure != nil {
            denyUnaudited(id: id, call: call, era: era, tool: tool)
            return
        }
        if let ended {
            record(incoming)
            replyError(
                id: id, code: JSONRPCErrorCode.serverUnavailable, message: "MCP server is not running (\(ended))")
            return
        }
        switch decision.decision {
        case .allow:
            state.withLock {
                $0.counts.allowed += 1
                $0.forwarded(id, method: "tools/call", call: call, tool: tool, at: Posix.monotonic())
            }
            let decided = AuditEvent.decision(
                .init(
                    call: call, id: id, era: era, arguments: arguments, policy: decision, final: .allow,
                    decidedBy: byPolicy))
            logger.debug("allowed", metadata: ["mcp.tool": "\(tool)", "rpc.id": "\(id)"])
            forwardAudited(
                outgoingFrame(frame, message), id: id, call: call, era: era, tool: tool, events: [incoming, decided])
        case .deny:
            let decided = AuditEvent.decision(
                .init(
                    call: call, id: id, era: era, arguments: arguments, policy: decision, final: .deny,
                    decidedBy: byPolicy))
            logger.info(
                "denied",
                metadata: [
                    "mcp.tool": "\(tool)", "rpc.id": "\(id)",
                    "policy.rule": "\(decision.rule?.location.description ?? "default")",
                ])
            deny(id: id, call: call, era: era, text: ProxyReply.denialText(decision), events: [incoming, decided])
        case .confirm:
            confirm(
                frame, message, id: id, call: call, era: era, arguments: arguments.value, decision: decision,
                incoming: incoming)
        }
    }

    /// Forwards a call already registered as in flight once `events` (its decision first of all) are
    /// written; if they cannot be, takes the registration back and refuses the call.
    func forwardAudited(
        _ frame: [UInt8], id: RequestID, call: Int, era: ProtocolEra, tool: String, events: [AuditEvent]
    ) {
        guard record(events) else {
            _ = state.withLock { $0.answered(id) }
            denyUnaudited(id: id, call: call, era: era, tool: tool)
            return
        }
        toServer.write(frame)
    }

    /// Refuses a call because the audit log cannot be written: no call runs unaudited.
    func denyUnaudited(id: RequestID, call: Int, era: ProtocolEra, tool: String) {
        deny(
            id: id, call: call, era: era,
            text: "mcp-firewall denied the call to `\(tool)`: \(audit.failure ?? "audit log unavailable"). "
                + "No call runs unaudited.", events: [])
    }

    /// Writes a denial result to the client after auditing `events` and the reply itself.
    func deny(id: RequestID, call: Int, era: ProtocolEra, text: String, events: [AuditEvent]) {
        state.withLock { $0.counts.denied += 1 }
        let reply = ProxyReply.toolError(id: id, era: era, text: text)
        audit.append(events + [.message(proxyMessageRecord(reply, kind: "response", id: id, call: call))])
        toClient.write(reply)
    }

    private func confirm(
        _ frame: [UInt8], _ message: ClientMessage, id: RequestID, call: Int, era: ProtocolEra, arguments: JSONValue,
        decision: PolicyDecision, incoming: AuditEvent
    ) {
        let now = Posix.now()
        let settings = policy.approval.tightened(by: decision.rule?.approval)
        let call = PendingCall(
            frame: frame, message: message, id: id, number: call, era: era, arguments: arguments, decision: decision,
            incoming: incoming, settings: settings)
        if settings.remember != .never,
            let grant = state.withLock({
                $0.grants.grant(for: decision.tool, rule: decision.rule?.location, arguments: arguments, now: now)
            })
        {
            allowUnderGrant(call, grant: grant, now: now)
            return
        }
        if era == .modern, let presented = message.params?["requestState"]?.stringValue {
            if RequestStateToken.isOurs(presented) {
                redeem(call, state: presented, now: now)
                return
            }
            let digest = ApprovalBinding.argumentsDigest(arguments)
            if let continuation = state.withLock({
                $0.takeContinuation(presented, tool: decision.tool, argumentsDigest: digest, now: now)
            }) {
                allowCiting(
                    call, approvalID: continuation.origin.approvalID, approver: continuation.origin.approver,
                    detail: "continues approval \(continuation.origin.approvalID): the server asked for more input",
                    now: now)
                return
            }
        }
        switch route(settings, era: era, message: message) {
        case .nobody:
            unattended(call)
        case .askModernClient:
            askModernClient(call, now: now)
        case .hold(let channels):
            hold(call, channels: channels, now: now)
        }
    }

    /// A `confirm`ed call and everything needed to finish it.
    struct PendingCall {
        var frame: [UInt8]
        var message: ClientMessage
        var id: RequestID
        var number: Int
        var era: ProtocolEra
        var arguments: JSONValue
        var decision: PolicyDecision
        var incoming: AuditEvent
        var settings: ApprovalSettings

        var approvalID: String { "approval-\(number)" }
    }

    enum Route {
        /// No channel can reach anyone: `unattended` decides.
        case nobody
        /// Answer a 2026-07-28 request with an `InputRequiredResult` (its elicitation cannot race).
        case askModernClient
        /// Hold the call and ask these channels (several only with `race: true`).
        case hold([any ApprovalChannel])
    }

    /// The channels to ask, in the policy's order: the first available one, or every available one
    /// when they race.
    func route(_ settings: ApprovalSettings, era: ProtocolEra, message: ClientMessage) -> Route {
        var chosen: [any ApprovalChannel] = []
        for kind in settings.channelOrder {
            if kind == .elicitation {
                if era == .modern {
                    let capabilities = message.params?["_meta"]?[ProtocolEra.clientCapabilitiesKey]
                    if chosen.isEmpty, Self.supportsForms(capabilities?["elicitation"]) { return .askModernClient }
                    continue
                }
                let channel = ClientElicitationChannel(session: self)
                if channel.isAvailable { chosen.append(channel) }
            } else if let channel = approvals.channel(named: kind.rawValue) {
                chosen.append(channel)
            }
            if !settings.race, !chosen.isEmpty { break }
        }
        return chosen.isEmpty ? .nobody : .hold(chosen)
    }

    func approvalRequest(_ call: PendingCall, now: Double) -> ApprovalRequest {
        let millis = DurationText.milliseconds(call.settings.timeout)
        return ApprovalRequest(
            id: call.approvalID, tool: call.decision.tool, arguments: call.arguments, decision: call.decision,
            server: configuration.serverDescription, policySHA256: policy.source.sha256, requestedAt: now,
            deadline: now + Double(millis) / 1000, remember: call.settings.remember, run: runID)
    }

    func decisionRecord(
        _ call: PendingCall, final: Decision, by approver: Approver, approval: AuditEvent.ApprovalTrace?
    ) -> AuditEvent {
        .decision(
            .init(
                call: call.number, id: call.id, era: call.era, arguments: call.message.toolArgumentsSlice,
                policy: call.decision, final: final, decidedBy: approver, approval: approval))
    }

    /// Holds the call and asks `channels`; the coordinator calls back with the answer.
    private func hold(_ call: PendingCall, channels: [any ApprovalChannel], now: Double) {
        let held = RelayState.Held(
            call: call.number, tool: call.decision.tool, era: call.era, frame: call.frame, arguments: call.arguments,
            decision: call.decision, approvalID: call.approvalID, requestedAt: now, withdrawal: OneShot<Withdrawal>(),
            settings: call.settings
        )
        let names = channels.map(\.name)
        guard state.withLock({ $0.hold(call.id, held) }) else {
            let approval = AuditEvent.ApprovalTrace(
                approvalID: call.approvalID, outcome: .unattended, detail: "too many calls waiting for approval",
                requestedAt: now, decidedAt: now)
            deny(
                id: call.id, call: call.number, era: call.era,
                text: ProxyReply.denialText(call.decision, detail: "Too many calls are already waiting for approval"),
                events: [
                    call.incoming,
                    decisionRecord(
                        call, final: .deny, by: Approver(kind: .policy, channel: names.joined(separator: "+")),
                        approval: approval),
                ])
            return
        }
        let request = approvalRequest(call, now: now)
        record(
            call.incoming,
            .approvalRequested(
                .init(
                    call: call.number, id: call.id, approvalID: call.approvalID, tool: call.decision.tool,
                    channel: names.joined(separator: "+"),
                    timeoutMilliseconds: Int(DurationText.milliseconds(call.settings.timeout)),
                    racing: names.count > 1 ? names : [], binding: request.binding)))
        let id = call.id
        let approvalID = call.approvalID
        approvals.submit(
            .init(request: request, channels: channels, timeout: call.settings.timeout, withdrawal: held.withdrawal) {
                [self] response, withdrawal in
                self.completeApproval(id: id, approvalID: approvalID, response: response, withdrawal: withdrawal)
            }
        )
    }

    /// A `confirm` with nobody to ask: the policy's (or environment's) `unattended` setting decides.
    private func unattended(_ call: PendingCall) {
        let now = Posix.now()
        let setting = call.settings.unattended
        let scope = policy.environment.map { " in environment `\($0)`" } ?? ""
        let detail = "no approver available; unattended: \(setting.rawValue)\(scope)"
        let approval = AuditEvent.ApprovalTrace(
            approvalID: "none", outcome: .unattended, detail: detail, requestedAt: now, decidedAt: now,
            unattended: setting)
        let byPolicy = Approver(kind: .policy, channel: "none")
        let tool = call.decision.tool
        logger.info("no approver available", metadata: ["mcp.tool": "\(tool)", "rpc.id": "\(call.id)"])
        guard setting == .allow else {
            if setting == .fail { state.withLock { $0.unattendedFailure = true } }
            let consequence = setting == .fail ? "; the session will fail (unattended: fail)" : ""
            deny(
                id: call.id, call: call.number, era: call.era,
                text: ProxyReply.denialText(
                    call.decision, detail: "No approver available: nobody could be asked to confirm it\(consequence)"),
                events: [call.incoming, decisionRecord(call, final: .deny, by: byPolicy, approval: approval)])
            return
        }
        state.withLock {
            $0.counts.allowed += 1
            $0.forwarded(call.id, method: "tools/call", call: call.number, tool: tool, at: Posix.monotonic())
        }
        forwardAudited(
            outgoingFrame(call), id: call.id, call: call.number, era: call.era, tool: tool,
            events: [call.incoming, decisionRecord(call, final: .allow, by: byPolicy, approval: approval)])
    }

    /// A call covered by a remembered approval: allowed, citing the approval that created the grant.
    private func allowUnderGrant(_ call: PendingCall, grant: ApprovalGrant, now: Double) {
        let who = grant.approver.identity.map { " by \($0)" } ?? ""
        allowCiting(
            call, approvalID: grant.id, approver: grant.approver,
            detail: "covered by remembered approval \(grant.id) (\(grant.approver.channel)\(who))", now: now)
    }

    /// Allows a call on the strength of an earlier approval (a grant, or a continuation of the same
    /// call), recorded with that approval's approver and id.
    private func allowCiting(
        _ call: PendingCall, approvalID earlier: String, approver: Approver, detail: String, now: Double
    ) {
        let tool = call.decision.tool
        let origin = RelayState.ApprovalContinuation.Origin(
            approvalID: earlier, approver: approver, argumentsDigest: ApprovalBinding.argumentsDigest(call.arguments))
        state.withLock {
            $0.counts.allowed += 1
            $0.forwarded(
                call.id, method: "tools/call", call: call.number, tool: tool, at: Posix.monotonic(), approval: origin)
        }
        let approval = AuditEvent.ApprovalTrace(
            approvalID: call.approvalID, outcome: .approved, detail: detail, requestedAt: now, decidedAt: now,
            grantID: earlier)
        logger.info("allowed under an earlier approval", metadata: ["mcp.tool": "\(tool)", "grant.id": "\(earlier)"])
        forwardAudited(
            outgoingFrame(call), id: call.id, call: call.number, era: call.era, tool: tool,
            events: [call.incoming, decisionRecord(call, final: .allow, by: approver, approval: approval)])
    }

    /// The frame to forward for an allowed call: the client's bytes, or, for a 2026-07-28 retry that
    /// carries the proxy's own `requestState`, the call with that state and its answers removed.
    func outgoingFrame(_ call: PendingCall) -> [UInt8] {
        outgoingFrame(call.frame, call.message)
    }

    func outgoingFrame(_ frame: [UInt8], _ message: ClientMessage) -> [UInt8] {
        guard message.era == .modern, let presented = message.params?["requestState"]?.stringValue,
            RequestStateToken.isOurs(presented), let parsed = try? JSONParser.parse(frame)
        else { return frame }
        return ProxyReply.strippingApprovalState(parsed)
    }

    /// Applies an approver's answer: forwards the held call, or refuses it, after auditing the decision.
    func completeApproval(id: RequestID, approvalID: String, response: ApprovalResponse, withdrawal: Withdrawal?) {
        let decidedAt = Posix.now()
        let approved = response.outcome.allowsCall
        // Release the hold and, for an approved call, register it as in flight in one step: in between,
        // a request reusing the id would otherwise be accepted and reach the server alongside this call.
        let settled = state.withLock { state -> (held: RelayState.Held, ended: String?, grant: ApprovalGrant?)? in
            guard let held = state.release(id, approvalID: approvalID) else { return nil }
            if response.outcome == .timeout, held.settings.onTimeout == .fail { state.unattendedFailure = true }
            guard approved else { return (held, nil, nil) }
            let (ended, grant) = state.admitApproved(
                id, call: held.call, decision: held.decision, arguments: held.arguments, settings: held.settings,
                approvalID: approvalID, approver: response.approver, remember: response.remember, now: decidedAt,
                at: Posix.monotonic())
            return (held, ended, grant)
        }
        guard let (held, ended, grant) = settled else { return }
        var response = response
        if withdrawal?.byClient == true, response.approver.identity == nil {
            response.approver.identity = state.withLock { $0.clientName }
        }
        let approval = AuditEvent.ApprovalTrace(
            approvalID: approvalID, outcome: response.outcome, detail: response.detail, requestedAt: held.requestedAt,
            decidedAt: decidedAt, grantCreated: grant
        )
        let decided = AuditEvent.decision(
            .init(
                call: held.call, id: id, era: held.era, arguments: JSONSlice(held.arguments), policy: held.decision,
                final: approved ? .allow : .deny, decidedBy: response.approver, approval: approval)
        )
        logger.info(
            "approval finished",
            metadata: [
                "approval.id": "\(approvalID)", "approval.outcome": "\(response.outcome.rawValue)",
                "mcp.tool": "\(held.tool)",
            ])
        if approved {
            if let ended {
                record(decided)
                replyError(
                    id: id, code: JSONRPCErrorCode.serverUnavailable,
                    message: "MCP server exited (\(ended)) while the call waited for approval")
                return
            }
            forwardAudited(held.frame, id: id, call: held.call, era: held.era, tool: held.tool, events: [decided])
            return
        }
        if withdrawal?.byClient == true {
            // The client withdrew the call: it expects no answer, and gets none.
            state.withLock { $0.counts.denied += 1 }
            record(decided)
            return
        }
        let consequence =
            response.outcome == .timeout && held.settings.onTimeout == .fail
            ? "; the session will fail (on_timeout: fail)" : ""
        deny(
            id: id, call: held.call, era: held.era,
            text: ProxyReply.denialText(
                held.decision, detail: "Confirmation \(response.outcome.rawValue): \(response.detail)\(consequence)"),
            events: [decided])
    }
}
