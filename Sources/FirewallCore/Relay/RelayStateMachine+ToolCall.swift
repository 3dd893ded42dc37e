extension RelayStateMachine {
    /// A `confirm`ed call and everything needed to finish it.
    struct PendingCall: Sendable {
        var message: ClientMessage
        var id: RequestID
        var number: Int
        var era: ProtocolEra
        var arguments: JSONValue
        var decision: PolicyDecision
        var incoming: AuditEvent
        var settings: ApprovalSettings

        var approvalID: String { "approval-\(number)" }
        var tool: String { decision.tool }
    }

    enum Route {
        /// No channel can reach anyone: `unattended` decides.
        case nobody
        /// Answer a 2026-07-28 request with an `InputRequiredResult` (its elicitation cannot race).
        case askModernClient
        /// Hold the call and ask these channels (several only with `race: true`).
        case hold([String])
    }

    static let byPolicy = Approver(kind: .policy, channel: "policy")

    /// Classifies, decides, audits (write-ahead) and then forwards, refuses or holds a `tools/call`.
    mutating func receiveToolCall(
        _ message: ClientMessage, id: RequestID, now: RelayTime, into actions: inout [RelayAction]
    ) {
        let tool = message.toolName ?? ""
        // Read where they lie in the frame: the policy builds only what its rules name (no tree of the
        // whole arguments on the allow and deny paths), and the audit writes the server's very bytes.
        let arguments = message.toolArgumentsSlice
        calls += 1
        counts.calls += 1
        let call = calls
        let era = message.era
        let decision = policy.evaluate(tool: tool, lookingUp: arguments, annotations: annotations[tool])
        let incoming = AuditEvent.message(clientMessageRecord(message, call: call))

        if auditFailure != nil {
            denyUnaudited(id: id, call: call, era: era, tool: tool, into: &actions)
            return
        }
        if let serverEnded {
            actions.append(.audit([incoming]))
            replyError(
                id: id, code: JSONRPCErrorCode.serverUnavailable,
                message: "MCP server is not running (\(serverEnded))", into: &actions)
            return
        }
        if let sinkFailure, decision.decision != .deny {
            denyForSink(
                message, id: id, call: call, era: era, decision: decision, reason: sinkFailure,
                incoming: incoming, into: &actions)
            return
        }
        switch decision.decision {
        case .allow:
            counts.allowed += 1
            let decided = AuditEvent.decision(
                .init(
                    call: call, id: id, era: era, arguments: arguments, policy: decision, final: .allow,
                    decidedBy: Self.byPolicy, requestBytes: message.frame.count))
            actions.append(.log(RelayLog(.debug, "allowed", ["mcp.tool": tool, "rpc.id": "\(id)"])))
            forwardAudited(
                Self.outgoingFrame(message), id: id, call: call, era: era, tool: tool, approval: nil,
                events: [incoming, decided], now: now, into: &actions)
        case .deny:
            let decided = AuditEvent.decision(
                .init(
                    call: call, id: id, era: era, arguments: arguments, policy: decision, final: .deny,
                    decidedBy: Self.byPolicy, requestBytes: message.frame.count))
            actions.append(
                .log(
                    RelayLog(
                        .info, "denied",
                        [
                            "mcp.tool": tool, "rpc.id": "\(id)",
                            "policy.rule": decision.rule?.location.description ?? "default",
                        ])))
            deny(
                id: id, call: call, era: era, text: ProxyReply.denialText(decision), events: [incoming, decided],
                into: &actions)
        case .confirm:
            let settings = policy.approval.tightened(by: decision.rule?.approval)
            let pending = PendingCall(
                message: message, id: id, number: call, era: era, arguments: arguments.value, decision: decision,
                incoming: incoming, settings: settings)
            confirm(pending, now: now, into: &actions)
        }
    }

    /// Registers a call as in flight, then audits `events` (its decision first of all) and forwards
    /// `frame` behind them. Should the records not be written, the executor does not send it and
    /// reports it back (`auditFailed`), which takes the registration back and refuses the call.
    mutating func forwardAudited(
        _ frame: [UInt8], id: RequestID, call: Int, era: ProtocolEra, tool: String, approval: Continuation.Origin?,
        events: [AuditEvent], now: RelayTime, into actions: inout [RelayAction]
    ) {
        var request = InFlight(
            method: "tools/call", call: call, tool: tool, era: era, startedAt: now.monotonic, approval: approval)
        for case .decision(let decided) in events { request.toolClass = decided.policy.toolClass }
        inFlight[id] = request
        actions.append(.audit(events))
        actions.append(.sendToServer(frame, decided: id))
    }

    /// An `on_sink_failure: deny` sink is failing: the call is denied (and recorded) whatever the
    /// policy would have done, with the sink's failure as the reason, and nobody is asked.
    private mutating func denyForSink(
        _ message: ClientMessage, id: RequestID, call: Int, era: ProtocolEra, decision: PolicyDecision,
        reason: String, incoming: AuditEvent, into actions: inout [RelayAction]
    ) {
        var policy = decision
        policy.reason = reason
        let decided = AuditEvent.decision(
            .init(
                call: call, id: id, era: era, arguments: message.toolArgumentsSlice, policy: policy, final: .deny,
                decidedBy: Self.byPolicy))
        actions.append(
            .log(
                RelayLog(.warning, "denied: an audit sink is failing", ["mcp.tool": decision.tool, "rpc.id": "\(id)"])))
        deny(
            id: id, call: call, era: era,
            text:
                "mcp-firewall denied the call to `\(decision.tool)`: \(reason). The call runs once the sink delivers again.",
            events: [incoming, decided], into: &actions)
    }

    /// An audit write failed: latch, and refuse the calls whose forward was withheld for it.
    mutating func auditFailed(reason: String, unsent: [RequestID], now: RelayTime, into actions: inout [RelayAction]) {
        if auditFailure == nil {
            auditFailure = reason
            actions.append(.log(RelayLog(.error, "audit log write failed", ["reason": reason])))
        }
        for id in unsent {
            guard let request = inFlight.removeValue(forKey: id), let call = request.call, let tool = request.tool
            else { continue }
            denyUnaudited(id: id, call: call, era: request.era ?? .legacy, tool: tool, into: &actions)
        }
    }

    private mutating func confirm(_ call: PendingCall, now: RelayTime, into actions: inout [RelayAction]) {
        expireGrants(now: now, into: &actions)
        if call.settings.remember != .never,
            let grant = grants.grant(
                for: call.tool, rule: call.decision.rule?.location, arguments: call.arguments, now: now.wall)
        {
            let who = grant.approver.identity.map { " by \($0)" } ?? ""
            allowCiting(
                call, approvalID: grant.id, approver: grant.approver,
                detail: "covered by remembered approval \(grant.id) (\(grant.approver.channel)\(who))", now: now,
                into: &actions)
            return
        }
        if call.era == .modern, let presented = call.message.params?["requestState"]?.stringValue {
            if RequestStateToken.isOurs(presented) {
                redeem(call, state: presented, now: now, into: &actions)
                return
            }
            let digest = ApprovalBinding.argumentsDigest(call.arguments)
            if let continuation = takeContinuation(presented, tool: call.tool, argumentsDigest: digest, now: now.wall) {
                allowCiting(
                    call, approvalID: continuation.origin.approvalID, approver: continuation.origin.approver,
                    detail: "continues approval \(continuation.origin.approvalID): the server asked for more input",
                    now: now, into: &actions)
                return
            }
        }
        switch route(call) {
        case .nobody:
            unattended(call, now: now, into: &actions)
        case .askModernClient:
            askModernClient(call, now: now, into: &actions)
        case .hold(let channels):
            hold(call, channels: channels, now: now, into: &actions)
        }
    }

    /// The channels to ask, in the policy's order: the first available one, or every available one
    /// when they race.
    func route(_ call: PendingCall) -> Route {
        var chosen: [String] = []
        for kind in call.settings.channelOrder {
            if kind == .elicitation {
                if call.era == .modern {
                    let capabilities = call.message.params?["_meta"]?[ProtocolEra.clientCapabilitiesKey]
                    if chosen.isEmpty, Self.supportsForms(capabilities?["elicitation"]) { return .askModernClient }
                    continue
                }
                if clientElicitsForms && serverEnded == nil { chosen.append(kind.rawValue) }
            } else if configuration.externalChannels.contains(kind.rawValue) {
                chosen.append(kind.rawValue)
            }
            if !call.settings.race, !chosen.isEmpty { break }
        }
        if chosen.isEmpty {
            // Nothing that was reachable at start is: try a channel that may have become so since (the
            // approver, started after the proxy), before leaving the call to `unattended`.
            for kind in call.settings.channelOrder where configuration.laterChannels.contains(kind.rawValue) {
                chosen.append(kind.rawValue)
                if !call.settings.race { break }
            }
        }
        return chosen.isEmpty ? .nobody : .hold(chosen)
    }

    func approvalRequest(_ call: PendingCall, now: RelayTime) -> ApprovalRequest {
        let millis = DurationText.milliseconds(call.settings.timeout)
        return ApprovalRequest(
            id: call.approvalID, tool: call.tool, arguments: call.arguments, decision: call.decision,
            server: configuration.serverDescription, policySHA256: policy.source.sha256, requestedAt: now.wall,
            deadline: now.wall + Double(millis) / 1000, remember: call.settings.remember, run: configuration.runID)
    }

    func decisionRecord(
        _ call: PendingCall, final: Decision, by approver: Approver, approval: AuditEvent.ApprovalTrace?
    ) -> AuditEvent {
        .decision(
            .init(
                call: call.number, id: call.id, era: call.era, arguments: call.message.toolArgumentsSlice,
                policy: call.decision, final: final, decidedBy: approver, approval: approval,
                requestBytes: call.message.frame.count))
    }

    /// A `confirm` with nobody to ask: the policy's (or environment's) `unattended` setting decides.
    ///
    /// `failed` is set when the call was held and every channel asked failed to reach anyone (the
    /// approver went away, a hook could not be run): its request is on record already, and the trace
    /// names the approval and why each channel failed.
    mutating func unattended(
        _ call: PendingCall, now: RelayTime, failed: (requestedAt: Double, detail: String)? = nil,
        into actions: inout [RelayAction]
    ) {
        let setting = call.settings.unattended
        let scope = policy.environment.map { " in environment `\($0)`" } ?? ""
        let cause = "no approver available" + (failed.map { " (\($0.detail))" } ?? "")
        let detail = "\(cause); unattended: \(setting.rawValue)\(scope)"
        let approval = AuditEvent.ApprovalTrace(
            approvalID: failed == nil ? "none" : call.approvalID, outcome: .unattended, detail: detail,
            requestedAt: failed?.requestedAt ?? now.wall, decidedAt: now.wall, unattended: setting)
        let recorded: [AuditEvent] = failed == nil ? [call.incoming] : []
        let byPolicy = Approver(kind: .policy, channel: "none")
        actions.append(.log(RelayLog(.info, "no approver available", ["mcp.tool": call.tool, "rpc.id": "\(call.id)"])))
        guard setting == .allow else {
            if setting == .fail { unattendedFailure = true }
            let consequence = setting == .fail ? "; the session will fail (unattended: fail)" : ""
            deny(
                id: call.id, call: call.number, era: call.era,
                text: ProxyReply.denialText(
                    call.decision,
                    detail: "No approver available: nobody could be asked to confirm it"
                        + (failed.map { " (\($0.detail))" } ?? "") + consequence),
                events: recorded + [decisionRecord(call, final: .deny, by: byPolicy, approval: approval)],
                into: &actions)
            return
        }
        counts.allowed += 1
        forwardAudited(
            Self.outgoingFrame(call.message), id: call.id, call: call.number, era: call.era, tool: call.tool,
            approval: nil,
            events: recorded + [decisionRecord(call, final: .allow, by: byPolicy, approval: approval)], now: now,
            into: &actions)
    }

    /// Allows a call on the strength of an earlier approval (a grant, or a continuation of the same
    /// call), recorded with that approval's approver and id.
    private mutating func allowCiting(
        _ call: PendingCall, approvalID earlier: String, approver: Approver, detail: String, now: RelayTime,
        into actions: inout [RelayAction]
    ) {
        let origin = Continuation.Origin(
            approvalID: earlier, approver: approver, argumentsDigest: ApprovalBinding.argumentsDigest(call.arguments))
        counts.allowed += 1
        let approval = AuditEvent.ApprovalTrace(
            approvalID: call.approvalID, outcome: .approved, detail: detail, requestedAt: now.wall,
            decidedAt: now.wall, grantID: earlier)
        actions.append(
            .log(RelayLog(.info, "allowed under an earlier approval", ["mcp.tool": call.tool, "grant.id": earlier])))
        forwardAudited(
            Self.outgoingFrame(call.message), id: call.id, call: call.number, era: call.era, tool: call.tool,
            approval: origin,
            events: [call.incoming, decisionRecord(call, final: .allow, by: approver, approval: approval)], now: now,
            into: &actions)
    }

    /// The frame to forward for an allowed call: the client's bytes, or, for a 2026-07-28 retry that
    /// carries the proxy's own `requestState`, the call with that state and its answers removed.
    static func outgoingFrame(_ message: ClientMessage) -> [UInt8] {
        guard message.era == .modern, let presented = message.params?["requestState"]?.stringValue,
            RequestStateToken.isOurs(presented), let parsed = try? JSONParser.parse(message.frame)
        else { return message.frame }
        return ProxyReply.strippingApprovalState(parsed)
    }
}
