import FirewallCore

/// Everything the report says about one session, accumulated record by record in bounded memory.
///
/// Lists that grow with the log (approvals, tools, entities) stop at their limits and count what they left out.
package struct SessionReport: Sendable {
    /// Caps that keep a session's summary small whatever the size of the log.
    package struct Limits: Sendable {
        /// Approvals entries kept per session.
        package var approvals: Int
        /// Tools kept per session.
        package var tools: Int
        /// Entities kept per session.
        package var entities: Int
        /// Tools kept per entity.
        package var toolsPerEntity: Int

        /// Limits; the defaults keep a session's summary to a few hundred kilobytes.
        package init(approvals: Int = 1000, tools: Int = 500, entities: Int = 1000, toolsPerEntity: Int = 50) {
            self.approvals = approvals
            self.tools = tools
            self.entities = entities
            self.toolsPerEntity = toolsPerEntity
        }
    }

    /// One write, sensitive or confirmed call and who let it through (or stopped it).
    package struct ApprovalEntry: Sendable, Hashable {
        /// The call number (or, for imported logs, the JSON-RPC id).
        package var call: Int?
        /// The decision record's `seq`.
        package var seq: Int
        /// The decision record's `ts`.
        package var timestamp: String
        /// The tool called.
        package var tool: String
        /// Its class, when recorded.
        package var toolClass: ToolClass?
        /// Who let it through, or what stopped it.
        package var label: ApprovalLabel
        /// The policy's reason.
        package var reason: String?
        /// The arguments as compact JSON, cut short.
        package var arguments: String
        /// `approval.id`: the question this call's confirmation belongs to.
        package var approvalID: String? = nil
        /// `approval.grant_id`: allowed without asking, under this remembered approval.
        package var grantID: String? = nil
        /// The remembered approval this call's approval created.
        package var createdGrant: DecisionFacts.GrantFacts? = nil
        /// `decided_by.comment`, cut short.
        package var comment: String? = nil
        /// `approval_requested.racing`: every channel asked at once (empty when one was asked).
        package var racing: [String] = []
        /// For a 2026-07-28 retry: the call whose `input_required` answer asked the question it cites.
        package var askedOnCall: Int? = nil
        /// For a 2026-07-28 first round: the retry whose decision answered it.
        package var answeredByCall: Int? = nil
        /// From a record the hash chain does not prove (at or after a break): not to be relied on.
        package var unproven = false

        /// Short sentences the label leaves out: racing channels and the link between the two rounds.
        package var notes: [String] {
            var notes: [String] = []
            if unproven {
                notes.append("NOT PROVEN: recorded at or after a break in the audit chain; do not rely on this row")
            }
            if !racing.isEmpty {
                notes.append("asked at once: \(racing.joined(separator: ", ")) (the first answer counted)")
            }
            if let askedOnCall {
                notes.append(
                    "retry of call \(askedOnCall), which asked the client" + (approvalID.map { " (\($0))" } ?? ""))
            }
            return notes
        }
    }

    /// One tool as the session saw it: its class, where the class came from, and how its calls went.
    package struct ToolStats: Sendable, Hashable {
        /// The tool's name.
        package var name: String
        /// The highest class its calls were given.
        package var toolClass: ToolClass?
        /// Where that class came from: `policy`, `annotations`, `unlisted`, `default`, or an importer's note.
        package var classSource: String?
        /// Decided calls.
        package var calls = 0
        /// Calls that were forwarded.
        package var allowed = 0
        /// Calls that were refused.
        package var denied = 0
        /// Calls for which the policy asked a person (`confirm`).
        package var confirmations = 0
        /// Results that were errors.
        package var errors = 0
    }

    /// How one tool touched one entity: allowed (forwarded) and denied calls.
    package struct Access: Sendable, Hashable {
        /// The tool that was called with the entity.
        package var tool: String
        /// That tool's class.
        package var toolClass: ToolClass?
        /// Calls that reached the data.
        package var allowed = 0
        /// Calls that were refused, so did not.
        package var denied = 0
    }

    /// One entity (an id found in arguments) and the tools that read or wrote it.
    package struct Entity: Sendable, Hashable {
        /// The argument key it was found under (`employee_id`).
        package var key: String
        /// The id itself (`E-1002`).
        package var value: String
        /// The tools that touched it, in first appearance.
        package var accesses: [Access] = []
        /// Accesses by more tools than the limit.
        package var accessesOmitted = 0
    }

    /// The session id (`session`), or a stand-in for logs without one.
    package var id: String
    /// What verifying its hash chain found (nil: not an mcp-firewall log, or not verified).
    package var integrity: SessionVerdict?
    /// 1-based, in order of first appearance across the inputs.
    package var index: Int
    /// The files its records came from.
    package var sources: [String] = []
    /// Where the records came from: `mcp-firewall` or `mcp-audit-trail`.
    package var recorder = "mcp-firewall"
    /// Records read for the session.
    package var records = 0
    /// The earliest `ts`.
    package var firstTimestamp: String?
    /// The latest `ts`.
    package var lastTimestamp: String?

    /// `session_start.proxy.version`.
    package var proxyVersion: String?
    /// `session_start.server.argv`: the server command line.
    package var serverArgv: [String] = []
    /// `session_start.policy.path`.
    package var policyPath: String?
    /// `session_start.policy.sha256`.
    package var policySHA256: String?
    /// `session_start.environment`: the environment overlay in force.
    package var environment: String?
    /// `session_negotiated.era`: `legacy` or `modern`.
    package var era: String?
    /// The negotiated protocol version.
    package var protocolVersion: String?
    /// The client's name, from its client info.
    package var clientName: String?
    /// The client's version.
    package var clientVersion: String?
    /// The server's name, from its `initialize` answer.
    package var serverName: String?
    /// The server's version.
    package var serverVersion: String?
    /// `session_end.reason`; nil when the session has no end record.
    package var endReason: String?
    /// `session_end.server_exit`.
    package var serverExit: String?
    /// `session_end.duration_ms`.
    package var durationMilliseconds: Double?

    /// Calls per class name (`read`, `write`, `sensitive`, `unclassified`).
    package var classes = Tally()
    /// Calls per final decision (`allow`, `deny`, `not recorded`).
    package var decisions = Tally()
    /// Calls per policy decision (`allow`, `confirm`, `deny`).
    package var policyDecisions = Tally()
    /// Decisions per `decided_by.kind` (`policy`, `human`, `client`).
    package var approvers = Tally()
    /// Results per outcome (`ok`, `tool_error`, `rpc_error`, `server_exited`).
    package var results = Tally()
    /// Approval labels per kind name.
    package var labelKinds = Tally()
    /// Client messages refused as malformed.
    package var rejections = 0

    /// The Approvals section's entries, up to the limit.
    package var approvals: [ApprovalEntry] = []
    /// Entries past the limit.
    package var approvalsOmitted = 0
    /// Per-tool statistics, up to the limit.
    package var tools: [ToolStats] = []
    /// Calls of tools past the limit.
    package var toolsOmitted = 0
    /// The data-access map, up to the limit.
    package var entities: [Entity] = []
    /// Accesses to entities past the limit.
    package var entitiesOmitted = 0

    private var toolIndex: [String: Int] = [:]
    private var entityIndex: [String: Int] = [:]

    /// An empty summary of session `id`, numbered `index` in the report.
    package init(id: String, index: Int) {
        self.id = id
        self.index = index
    }

    /// Notes a record's timestamp; RFC 3339 UTC text orders like time.
    package mutating func saw(timestamp: String?) {
        records += 1
        guard let timestamp, !timestamp.isEmpty else { return }
        if firstTimestamp.map({ timestamp < $0 }) ?? true { firstTimestamp = timestamp }
        if lastTimestamp.map({ timestamp > $0 }) ?? true { lastTimestamp = timestamp }
    }

    /// Counts a decided call against its tool and the session's tallies.
    package mutating func count(decision facts: DecisionFacts, limits: Limits) {
        classes.add(facts.toolClass?.rawValue ?? "unclassified")
        decisions.add(facts.decision?.rawValue ?? "not recorded")
        if let policy = facts.policyDecision { policyDecisions.add(policy.rawValue) }
        if let kind = facts.approverKind { approvers.add(kind) }
        updateTool(facts.tool, limits: limits) { stats in
            stats.calls += 1
            if let toolClass = facts.toolClass, stats.toolClass.map({ toolClass > $0 }) ?? true {
                stats.toolClass = toolClass
                stats.classSource = facts.classSource
            }
            if stats.classSource == nil { stats.classSource = facts.classSource }
            if facts.decision == .allow { stats.allowed += 1 }
            if facts.decision == .deny { stats.denied += 1 }
            if facts.policyDecision == .confirm { stats.confirmations += 1 }
        }
    }

    /// Counts an erroneous result against its tool.
    package mutating func countError(tool: String, limits: Limits) {
        updateTool(tool, limits: limits) { $0.errors += 1 }
    }

    /// Adds an Approvals entry, or counts it as omitted past the limit; returns its index when kept.
    @discardableResult
    package mutating func add(approval: ApprovalEntry, limits: Limits) -> Int? {
        labelKinds.add(approval.label.kind.name)
        guard approvals.count < limits.approvals else {
            approvalsOmitted += 1
            return nil
        }
        approvals.append(approval)
        return approvals.count - 1
    }

    /// Marks the 2026-07-28 first round at `index` as answered by the retry `call`, decided as `facts` say.
    package mutating func answerQuestion(at index: Int, by call: Int, facts: DecisionFacts) {
        guard approvals.indices.contains(index) else { return }
        var entry = approvals[index]
        entry.answeredByCall = call
        entry.label = .inputRequired(approvalID: entry.approvalID, answeredBy: call)
        entry.toolClass = entry.toolClass ?? facts.toolClass
        entry.reason = entry.reason ?? facts.reason
        approvals[index] = entry
    }

    /// Records that `tool` touched the entity `value` (found under `key`), allowed or denied.
    package mutating func access(
        key: String, value: String, tool: String, toolClass: ToolClass?, allowed: Bool, limits: Limits
    ) {
        let index: Int
        if let known = entityIndex[value] {
            index = known
        } else {
            guard entities.count < limits.entities else {
                entitiesOmitted += 1
                return
            }
            index = entities.count
            entityIndex[value] = index
            entities.append(Entity(key: key, value: value))
        }
        var entity = entities[index]
        if let at = entity.accesses.firstIndex(where: { $0.tool == tool }) {
            if allowed { entity.accesses[at].allowed += 1 } else { entity.accesses[at].denied += 1 }
        } else if entity.accesses.count < limits.toolsPerEntity {
            entity.accesses.append(
                Access(tool: tool, toolClass: toolClass, allowed: allowed ? 1 : 0, denied: allowed ? 0 : 1))
        } else {
            entity.accessesOmitted += 1
        }
        entities[index] = entity
    }

    private mutating func updateTool(_ name: String, limits: Limits, _ update: (inout ToolStats) -> Void) {
        if let index = toolIndex[name] {
            update(&tools[index])
            return
        }
        guard tools.count < limits.tools else {
            toolsOmitted += 1
            return
        }
        toolIndex[name] = tools.count
        tools.append(ToolStats(name: name))
        update(&tools[tools.count - 1])
    }
}
