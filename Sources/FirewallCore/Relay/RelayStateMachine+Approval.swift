extension RelayStateMachine {
    /// A `tools/call` held while approvers are asked: the race between its channels, its deadline
    /// and its withdrawal is decided here, by events, with no task of its own.
    struct Held: Sendable {
        var call: PendingCall
        var request: ApprovalRequest
        /// Wall seconds, for the approval trace.
        var requestedAt: Double
        /// Monotonic seconds: `tick` at or after this times the call out.
        var timeoutAt: Double
        /// Every channel asked, in the policy's order.
        var channels: [String]
        /// Channels that could not reach anyone so far; when all have failed, the call is unattended.
        var failures: [ApprovalResponse] = []
        /// The open question to the client (`elicitation/create`), when the client is among the channels,
        /// and the client's name as it was when asked.
        var question: String?
        var questionClient: String?

        var names: String { channels.joined(separator: "+") }
        var hasExternalChannels: Bool { channels.contains { $0 != ApprovalSettings.Channel.elicitation.rawValue } }
    }

    /// Holds the call and asks `channels`; their answers come back as events.
    mutating func hold(_ call: PendingCall, channels: [String], now: RelayTime, into actions: inout [RelayAction]) {
        let names = channels.joined(separator: "+")
        guard held.count < configuration.maxHeldCalls else {
            let approval = AuditEvent.ApprovalTrace(
                approvalID: call.approvalID, outcome: .unattended, detail: "too many calls waiting for approval",
                requestedAt: now.wall, decidedAt: now.wall)
            deny(
                id: call.id, call: call.number, era: call.era,
                text: ProxyReply.denialText(call.decision, detail: "Too many calls are already waiting for approval"),
                events: [
                    call.incoming,
                    decisionRecord(call, final: .deny, by: Approver(kind: .policy, channel: names), approval: approval),
                ], into: &actions)
            return
        }
        let request = approvalRequest(call, now: now)
        let timeout = Double(DurationText.milliseconds(call.settings.timeout)) / 1000
        var entry = Held(
            call: call, request: request, requestedAt: now.wall, timeoutAt: now.monotonic + timeout, channels: channels)
        actions.append(
            .audit([
                call.incoming,
                .approvalRequested(
                    .init(
                        toolClass: call.decision.toolClass,
                        call: call.number, id: call.id, approvalID: call.approvalID, tool: call.tool, channel: names,
                        timeoutMilliseconds: Int(DurationText.milliseconds(call.settings.timeout)),
                        racing: channels.count > 1 ? channels : [], binding: request.binding)),
            ]))
        let whereToAnswer = channels.map { configuration.answerHints[$0] ?? Self.answerHint(channel: $0) }
        actions.append(
            .log(
                RelayLog(
                    .info, "call waiting for approval: answer in \(whereToAnswer.joined(separator: " or "))",
                    [
                        "mcp.tool": call.tool, "approval.id": call.approvalID, "approval.channels": names,
                        "approval.timeout": DurationText.describe(call.settings.timeout),
                    ])))
        let external = channels.filter { $0 != ApprovalSettings.Channel.elicitation.rawValue }
        if !external.isEmpty { actions.append(.startApproval(ApprovalStart(request: request, channels: external))) }
        if external.count < channels.count {
            entry.question = ask(request, about: call.id, now: now, into: &actions)
            entry.questionClient = clientName
        }
        held[call.id] = entry
    }

    /// Where a person answers on `channel` when the executor gave no hint of its own.
    static func answerHint(channel: String) -> String {
        switch ApprovalSettings.Channel(rawValue: channel) {
        case .elicitation: "the MCP client's approval dialog (elicitation)"
        case .terminal: "the terminal"
        case .web: "the approval page"
        case .command: "the approval.command hook"
        case .webhook: "the approval.webhook"
        case .approver: "the approver page (mcp-firewall approver)"
        case nil: channel
        }
    }

    /// One channel answered. A channel that could not reach anyone loses the race, unless every channel failed.
    mutating func channelAnswered(
        approvalID: String, channel: String, response: ApprovalResponse, now: RelayTime,
        into actions: inout [RelayAction]
    ) {
        guard let id = held.first(where: { $0.value.call.approvalID == approvalID })?.key,
            var entry = held[id], entry.channels.contains(channel)
        else { return }
        guard response.outcome == .unattended else {
            settle(id, response, now: now, into: &actions)
            return
        }
        entry.failures.append(response)
        held[id] = entry
        guard entry.failures.count == entry.channels.count else { return }
        // A hook or a page that fails denies (it was asked and could not answer). The machine's approver
        // is different: it runs apart from the proxy and may be stopped, restarted or never started, so
        // a call it could not reach goes to the next channel in the policy's order, and when there is
        // none, the policy's `unattended` setting decides, as when nobody could be asked from the start.
        guard channel == ApprovalSettings.Channel.approver.rawValue, !entry.call.settings.race else {
            settle(id, Self.combined(entry.failures), now: now, into: &actions)
            return
        }
        let next = fallbackChannels(entry)
        guard !next.isEmpty else {
            guard let released = release(id, into: &actions) else { return }
            unattended(
                released.call, now: now, failed: (released.requestedAt, Self.combined(entry.failures).detail),
                into: &actions)
            return
        }
        entry.channels += next
        let whereToAnswer = next.map { configuration.answerHints[$0] ?? Self.answerHint(channel: $0) }
        actions.append(
            .log(
                RelayLog(
                    .info, "approval channel unreachable; asking \(whereToAnswer.joined(separator: " or ")) instead",
                    [
                        "mcp.tool": entry.call.tool, "approval.id": approvalID, "approval.failed": channel,
                        "reason": response.detail,
                    ])))
        let external = next.filter { $0 != ApprovalSettings.Channel.elicitation.rawValue }
        if !external.isEmpty {
            actions.append(.startApproval(ApprovalStart(request: entry.request, channels: external)))
        }
        if external.count < next.count {
            entry.question = ask(entry.request, about: id, now: now, into: &actions)
            entry.questionClient = clientName
        }
        held[id] = entry
    }

    /// The channels to try once every channel asked so far has failed: the next one in the policy's
    /// order that was not asked yet (every such one when they race).
    func fallbackChannels(_ entry: Held) -> [String] {
        var chosen: [String] = []
        for kind in entry.call.settings.channelOrder where !entry.channels.contains(kind.rawValue) {
            if kind == .elicitation {
                // A 2026-07-28 client is asked by answering its request, which a held call cannot do.
                if entry.call.era == .legacy, clientElicitsForms, serverEnded == nil, entry.question == nil {
                    chosen.append(kind.rawValue)
                }
            } else if configuration.externalChannels.contains(kind.rawValue)
                || configuration.laterChannels.contains(kind.rawValue)
            {
                chosen.append(kind.rawValue)
            }
            if !entry.call.settings.race, !chosen.isEmpty { break }
        }
        return chosen
    }

    /// Held calls whose deadline has passed are denied as timed out.
    mutating func timeOutHeldCalls(now: RelayTime, into actions: inout [RelayAction]) {
        let due = held.filter { $0.value.timeoutAt <= now.monotonic }.sorted {
            $0.value.call.number < $1.value.call.number
        }
        for (id, entry) in due {
            let response = ApprovalResponse(
                outcome: .timeout, approver: Approver(kind: .policy, channel: entry.names),
                detail: "no answer within \(DurationText.describe(entry.call.settings.timeout))")
            settle(id, response, now: now, into: &actions)
        }
    }

    /// Forgets remembered approvals whose time is up, and says so: later calls are asked again.
    mutating func expireGrants(now: RelayTime, into actions: inout [RelayAction]) {
        for grant in grants.expire(now: now.wall) {
            actions.append(
                .log(
                    RelayLog(
                        .info, "remembered approval expired; the next such call is asked again",
                        ["grant.id": grant.id, "mcp.tool": grant.tool])))
        }
    }

    /// Ends the wait for a held call before anyone answered.
    mutating func withdraw(
        _ id: RequestID, reason: String, byClient: Bool, now: RelayTime, into actions: inout [RelayAction]
    ) {
        guard let entry = held[id] else { return }
        let response = ApprovalResponse(
            outcome: .cancelled, approver: Approver(kind: byClient ? .client : .policy, channel: entry.names),
            detail: reason)
        settle(id, response, withdrawnByClient: byClient, now: now, into: &actions)
    }

    /// Takes a held call off every channel: the prompts come down, an open question is withdrawn.
    mutating func release(_ id: RequestID, into actions: inout [RelayAction]) -> Held? {
        guard let entry = held.removeValue(forKey: id) else { return nil }
        if entry.hasExternalChannels { actions.append(.withdrawApproval(approvalID: entry.call.approvalID)) }
        if let question = entry.question, questions.removeValue(forKey: question) != nil {
            let withdrawal = ProxyReply.cancelled(requestID: question, reason: "the approval request was withdrawn")
            actions.append(.audit([.message(proxyMessageRecord(withdrawal, kind: "notification", id: nil))]))
            actions.append(.sendToClient(withdrawal, .during(id)))
        }
        return entry
    }

    /// Applies the answer that decided a held call: forwards it, or refuses it, after auditing the decision.
    private mutating func settle(
        _ id: RequestID, _ response: ApprovalResponse, withdrawnByClient: Bool = false, now: RelayTime,
        into actions: inout [RelayAction]
    ) {
        guard let entry = release(id, into: &actions) else { return }
        let call = entry.call
        let approved = response.outcome.allowsCall
        if response.outcome == .timeout, call.settings.onTimeout == .fail { unattendedFailure = true }
        var response = response
        if withdrawnByClient, response.approver.identity == nil { response.approver.identity = clientName }
        var grant: ApprovalGrant?
        if approved, serverEnded == nil {
            grant = admitApproved(
                call, approvalID: call.approvalID, approver: response.approver, remember: response.remember, now: now)
        }
        let approval = AuditEvent.ApprovalTrace(
            approvalID: call.approvalID, outcome: response.outcome, detail: response.detail,
            requestedAt: entry.requestedAt, decidedAt: now.wall, grantCreated: grant)
        let decided = decisionRecord(call, final: approved ? .allow : .deny, by: response.approver, approval: approval)
        actions.append(
            .log(
                RelayLog(
                    .info, "approval finished",
                    [
                        "approval.id": call.approvalID, "approval.outcome": response.outcome.rawValue,
                        "mcp.tool": call.tool,
                    ])))
        if approved {
            if let serverEnded {
                actions.append(.audit([decided]))
                replyError(
                    id: id, code: JSONRPCErrorCode.serverUnavailable,
                    message: "MCP server exited (\(serverEnded)) while the call waited for approval", into: &actions)
                return
            }
            forwardAudited(
                call.message.frame, id: id, call: call.number, era: call.era, tool: call.tool,
                approval: origin(of: call, approvalID: call.approvalID, approver: response.approver), events: [decided],
                now: now, into: &actions)
            return
        }
        if withdrawnByClient {
            // The client withdrew the call: it expects no answer, and gets none.
            counts.denied += 1
            actions.append(.audit([decided]))
            return
        }
        let consequence =
            response.outcome == .timeout && call.settings.onTimeout == .fail
            ? "; the session will fail (on_timeout: fail)" : ""
        deny(
            id: id, call: call.number, era: call.era,
            text: ProxyReply.denialText(
                call.decision, detail: "Confirmation \(response.outcome.rawValue): \(response.detail)\(consequence)"),
            events: [decided], into: &actions)
    }

    /// Counts an approved call and keeps a grant when the approver asked to remember and the
    /// settings allow it. The caller registers the call as in flight, citing the approval.
    mutating func admitApproved(
        _ call: PendingCall, approvalID: String, approver: Approver, remember: Bool, now: RelayTime
    ) -> ApprovalGrant? {
        counts.approved += 1
        counts.allowed += 1
        guard remember, call.settings.remember != .never else { return nil }
        let grant = ApprovalGrant(
            id: approvalID, tool: call.tool, rule: call.decision.rule?.location, arguments: call.arguments,
            binding: call.settings.rememberArguments, remember: call.settings.remember, now: now.wall,
            approver: approver)
        grants.add(grant)
        return grant
    }

    func origin(of call: PendingCall, approvalID: String, approver: Approver) -> Continuation.Origin {
        .init(
            approvalID: approvalID, approver: approver, argumentsDigest: ApprovalBinding.argumentsDigest(call.arguments)
        )
    }

    /// One response standing for several channels that all failed.
    static func combined(_ failures: [ApprovalResponse]) -> ApprovalResponse {
        guard failures.count > 1 else { return failures[0] }
        return ApprovalResponse(
            outcome: .unattended,
            approver: Approver(kind: .policy, channel: failures.map(\.approver.channel).joined(separator: "+")),
            detail: failures.map(\.detail).joined(separator: "; "))
    }
}
