import FirewallCore
import Logging

extension RelaySession {
    /// Classifies, decides, audits (write-ahead) and then forwards, refuses or holds a `tools/call`.
    func handleToolCall(_ frame: [UInt8], _ message: ClientMessage, id: RequestID) {
        let tool = message.toolName ?? ""
        let arguments = message.toolArguments
        let (call, annotations, ended) = state.withLock { state in
            (state.nextCall(), state.annotations[tool], state.serverEnded)
        }
        let era = message.era
        let decision = policy.evaluate(tool: tool, arguments: arguments, annotations: annotations)
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
            forwardAudited(frame, id: id, call: call, era: era, tool: tool, events: [incoming, decided])
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
            confirm(frame, id: id, call: call, era: era, arguments: arguments, decision: decision, incoming: incoming)
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
        _ frame: [UInt8], id: RequestID, call: Int, era: ProtocolEra, arguments: JSONValue, decision: PolicyDecision,
        incoming: AuditEvent
    ) {
        let now = Posix.now()
        guard let channel = approvals.availableChannel else {
            unattended(
                frame, id: id, call: call, era: era, arguments: arguments, decision: decision, incoming: incoming)
            return
        }
        let approvalID = "approval-\(call)"
        let timeout = policy.approval.timeout
        let held = RelayState.Held(
            call: call, tool: decision.tool, era: era, frame: frame, arguments: arguments, decision: decision,
            approvalID: approvalID, requestedAt: now, withdrawal: OneShot<Withdrawal>()
        )
        guard state.withLock({ $0.hold(id, held) }) else {
            let approval = AuditEvent.ApprovalTrace(
                approvalID: approvalID, outcome: .unattended, detail: "too many calls waiting for approval",
                requestedAt: now, decidedAt: now)
            let decided = AuditEvent.decision(
                .init(
                    call: call, id: id, era: era, arguments: arguments, policy: decision, final: .deny,
                    decidedBy: Approver(kind: .policy, channel: channel.name), approval: approval)
            )
            deny(
                id: id, call: call, era: era,
                text: ProxyReply.denialText(decision, detail: "Too many calls are already waiting for approval"),
                events: [incoming, decided])
            return
        }
        let timeoutMillis = Int(
            timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        record(
            incoming,
            .approvalRequested(
                .init(
                    call: call, id: id, approvalID: approvalID, tool: decision.tool, channel: channel.name,
                    timeoutMilliseconds: timeoutMillis)))
        let request = ApprovalRequest(
            id: approvalID, tool: decision.tool, arguments: arguments, decision: decision,
            server: configuration.serverDescription, policySHA256: policy.source.sha256,
            requestedAt: now, deadline: now + Double(timeoutMillis) / 1000
        )
        approvals.submit(
            .init(request: request, channel: channel, timeout: timeout, withdrawal: held.withdrawal) {
                [self] response in
                self.completeApproval(id: id, approvalID: approvalID, response: response)
            }
        )
    }

    /// A `confirm` with nobody to ask: the policy's (or environment's) `unattended` setting decides.
    private func unattended(
        _ frame: [UInt8], id: RequestID, call: Int, era: ProtocolEra, arguments: JSONValue, decision: PolicyDecision,
        incoming: AuditEvent
    ) {
        let now = Posix.now()
        let setting = policy.approval.unattended
        let scope = policy.environment.map { " in environment `\($0)`" } ?? ""
        let detail = "no approver available; unattended: \(setting.rawValue)\(scope)"
        let approval = AuditEvent.ApprovalTrace(
            approvalID: "none", outcome: .unattended, detail: detail, requestedAt: now, decidedAt: now,
            unattended: setting)
        let byPolicy = Approver(kind: .policy, channel: "none")
        logger.info("no approver available", metadata: ["mcp.tool": "\(decision.tool)", "rpc.id": "\(id)"])
        guard setting == .allow else {
            if setting == .fail { state.withLock { $0.unattendedFailure = true } }
            let decided = AuditEvent.decision(
                .init(
                    call: call, id: id, era: era, arguments: arguments, policy: decision, final: .deny,
                    decidedBy: byPolicy, approval: approval))
            let consequence = setting == .fail ? "; the session will fail (unattended: fail)" : ""
            deny(
                id: id, call: call, era: era,
                text: ProxyReply.denialText(
                    decision, detail: "No approver available: nobody could be asked to confirm it\(consequence)"),
                events: [incoming, decided])
            return
        }
        state.withLock {
            $0.counts.allowed += 1
            $0.forwarded(id, method: "tools/call", call: call, tool: decision.tool, at: Posix.monotonic())
        }
        let decided = AuditEvent.decision(
            .init(
                call: call, id: id, era: era, arguments: arguments, policy: decision, final: .allow,
                decidedBy: byPolicy, approval: approval))
        forwardAudited(frame, id: id, call: call, era: era, tool: decision.tool, events: [incoming, decided])
    }

    /// Applies an approver's answer: forwards the held call, or refuses it, after auditing the decision.
    func completeApproval(id: RequestID, approvalID: String, response: ApprovalResponse) {
        let decidedAt = Posix.now()
        let approved = response.outcome.allowsCall
        // Release the hold and, for an approved call, register it as in flight in one step: in between,
        // a request reusing the id would otherwise be accepted and reach the server alongside this call.
        let settled = state.withLock { state -> (held: RelayState.Held, ended: String?)? in
            guard let held = state.release(id, approvalID: approvalID) else { return nil }
            guard approved else { return (held, nil) }
            if let ended = state.serverEnded { return (held, ended) }
            state.counts.approved += 1
            state.counts.allowed += 1
            state.forwarded(id, method: "tools/call", call: held.call, tool: held.tool, at: Posix.monotonic())
            return (held, nil)
        }
        guard let (held, ended) = settled else { return }
        let approval = AuditEvent.ApprovalTrace(
            approvalID: approvalID, outcome: response.outcome, detail: response.detail, requestedAt: held.requestedAt,
            decidedAt: decidedAt
        )
        let decided = AuditEvent.decision(
            .init(
                call: held.call, id: id, era: held.era, arguments: held.arguments, policy: held.decision,
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
        if response.outcome == .cancelled, response.approver.kind == .client {
            // The client withdrew the call: it expects no answer, and gets none.
            state.withLock { $0.counts.denied += 1 }
            record(decided)
            return
        }
        deny(
            id: id, call: held.call, era: held.era,
            text: ProxyReply.denialText(
                held.decision, detail: "Confirmation \(response.outcome.rawValue): \(response.detail)"),
            events: [decided])
    }
}
