import FirewallCore

extension ReportBuilder {
    /// Reads a `decision` record: the facts, the label, the tallies and the row.
    func readDecision(_ record: RecordFields, into event: inout TimelineEvent) {
        let state = callState(event.session, event.call)
        let facts = Self.facts(record, knownTool: state?.tool)
        let question = linkRetry(facts, session: event.session, call: event.call)
        let label = ApprovalLabel(
            facts, environment: sessions[event.session].environment, timeoutMilliseconds: state?.timeoutMilliseconds)
        let arguments = record.object("arguments")
        let argumentsText = record.text("arguments", limit: detailLimit) ?? "{}"
        account(
            facts, label: label, session: event.session, call: event.call, seq: event.seq, timestamp: event.timestamp,
            arguments: arguments, argumentsText: argumentsText, racing: state?.racing ?? [], askedOnCall: question?.call
        )
        updateCall(event.session, event.call) { call in
            call.tool = facts.tool
            call.toolClass = facts.toolClass
            call.decision = facts.decision
            call.approver = facts.approverKind
        }
        event.tool = facts.tool
        event.toolClass = facts.toolClass
        event.decision = facts.decision
        event.approver = facts.approverKind
        event.label = label
        event.summary = SafeText.capped(facts.reason ?? label.text, limit: 300)
        var detail = Self.detail(record, facts: facts, arguments: argumentsText)
        if let racing = state?.racing, !racing.isEmpty {
            detail += "\nasked at once: " + racing.joined(separator: ", ")
        }
        if let question { detail += "\n" + Self.linkText(question, approvalID: facts.approvalID, call: event.call) }
        event.detail = SafeText.capped(detail, limit: detailLimit)
    }

    /// The facts of a decision record; fields of the wrong type read as absent.
    static func facts(_ record: RecordFields, knownTool: String?) -> DecisionFacts {
        var facts = DecisionFacts(tool: record.string("tool") ?? knownTool ?? "(tool not recorded)")
        facts.toolClass = record.string("class").flatMap(ToolClass.init(rawValue:))
        facts.classSource = record.string("class_source")
        facts.policyDecision = record.string("policy_decision").flatMap(Decision.init(rawValue:))
        facts.decision = record.string("decision").flatMap(Decision.init(rawValue:))
        facts.decisionSource = record.string("decision_source")
        if let rule = record.object("rule") {
            facts.rule = DecisionFacts.RuleReference(
                name: rule.string("name"), file: rule.string("file"), line: rule.int("line"))
        }
        facts.reason = record.string("reason")
        if let by = record.object("decided_by") {
            facts.approverKind = by.string("kind")
            facts.approverChannel = by.string("channel")
            facts.approverIdentity = by.string("identity")
            facts.approverComment = by.string("comment")
        } else {
            facts.approverKind = record.string("decided_by")
        }
        if let approval = record.object("approval") {
            facts.approvalOutcome = approval.string("outcome")
            facts.approvalDetail = approval.string("detail")
            facts.unattendedSetting = approval.string("unattended")
            facts.waitMilliseconds = approval.int("wait_ms")
            facts.approvalID = approval.string("id")
            facts.grantID = approval.string("grant_id")
            facts.approverComment = facts.approverComment ?? approval.object("approver")?.string("comment")
            if let grant = approval.object("grant") {
                let expiry: DecisionFacts.GrantFacts.Expiry =
                    if let time = grant.string("expires_at") {
                        .at(time)
                    } else if grant.isNull("expires_at") {
                        .session
                    } else {
                        .notRecorded
                    }
                facts.createdGrant = DecisionFacts.GrantFacts(
                    id: grant.string("id"), expiry: expiry,
                    boundArguments: grant.object("arguments")?.members.map(\.key) ?? [])
            }
        }
        return facts
    }

    private static func detail(_ record: RecordFields, facts: DecisionFacts, arguments: String) -> String {
        var lines = ["arguments: " + arguments]
        let decision = [facts.policyDecision?.rawValue, facts.decision?.rawValue].compactMap { $0 }
        lines.append("decision: " + decision.joined(separator: " → ") + (facts.decisionSource.map { " (\($0))" } ?? ""))
        if let toolClass = facts.toolClass {
            lines.append("class: \(toolClass.rawValue)" + (facts.classSource.map { " (from \($0))" } ?? ""))
        }
        if let rule = facts.rule { lines.append("rule: " + rule.citation) }
        if let reason = facts.reason { lines.append("reason: " + reason) }
        let tags = record.strings("tags")
        if !tags.isEmpty { lines.append("tags: " + tags.joined(separator: ", ")) }
        if let by = facts.approverKind {
            let identity = facts.approverIdentity.map { " `\($0)`" } ?? ""
            lines.append("decided by: \(by)\(identity) via \(facts.approverChannel ?? "?")")
        }
        if let comment = facts.approverComment { lines.append("comment: " + comment) }
        if let grant = facts.grantID { lines.append("allowed under remembered approval: " + grant) }
        if let created = record.object("approval")?.text("grant", limit: 1024) {
            lines.append("remembered (grant): " + created)
        }
        if let approval = record.object("approval") {
            let wait = approval.int("wait_ms").map { ", waited \(ApprovalLabel.duration($0))" } ?? ""
            lines.append(
                "approval: \(approval.string("outcome") ?? "?") — \(approval.string("detail") ?? "")\(wait)"
                    + " (requested \(approval.string("requested_at") ?? "?"), decided \(approval.string("decided_at") ?? "?"))"
            )
        }
        return lines.joined(separator: "\n")
    }
}
