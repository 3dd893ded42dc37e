/// The JSON forms of a replay and of a policy diff (`--format json`), one compact document each.
extension ReplayReport {
    /// `{"succeeded", "totals", "outcomes": [...]}` with every call, passing or not.
    package func json(allowingChanges: Bool) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("succeeded", succeeded(allowingChanges: allowingChanges))
        writer.key("totals")
        writer.beginObject()
        writer.field("calls", outcomes.count)
        for status in ReplayOutcome.Status.allCases {
            writer.dynamicKey(status.rawValue)
            writer.int(count(status))
        }
        writer.endObject()
        writer.key("outcomes")
        writer.beginArray()
        for outcome in outcomes {
            writer.beginObject()
            writer.field("status", outcome.status.rawValue)
            ReplayJSON.call(outcome.call, environment: outcome.environment, to: &writer)
            if let expectation = outcome.call.expectation {
                writer.key("expected")
                writer.beginObject()
                writer.field("decision", expectation.decision.rawValue)
                writer.field("class", expectation.toolClass?.rawValue)
                writer.endObject()
            }
            if let recorded = outcome.call.recorded {
                writer.key("recorded")
                writer.beginObject()
                writer.field("policy_decision", recorded.policyDecision.rawValue)
                writer.field("decision", recorded.finalDecision?.rawValue)
                writer.field("class", recorded.toolClass?.rawValue)
                writer.field("rule", recorded.rule)
                writer.endObject()
            }
            if let decision = outcome.decision {
                writer.key("actual")
                ReplayJSON.decision(decision, to: &writer)
            }
            writer.field("message", outcome.message.isEmpty ? nil : outcome.message)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.take()
    }
}

extension PolicyDiff {
    /// `{"changed", "unchanged", "changes": [...], "problems": [...]}`.
    package func json() -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("changed", changes.count)
        writer.field("unchanged", unchanged)
        writer.key("changes")
        writer.beginArray()
        for change in changes {
            writer.beginObject()
            ReplayJSON.call(change.call, environment: change.environment, to: &writer)
            writer.key("old")
            ReplayJSON.decision(change.old, to: &writer)
            writer.key("new")
            ReplayJSON.decision(change.new, to: &writer)
            writer.endObject()
        }
        writer.endArray()
        writer.key("problems")
        writer.beginArray()
        for problem in problems {
            writer.beginObject()
            ReplayJSON.call(problem.call, environment: nil, to: &writer)
            writer.field("message", problem.message)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.take()
    }
}

/// Members shared by the replay and diff documents.
enum ReplayJSON {
    static func call(_ call: RecordedCall, environment: String?, to writer: inout JSONWriter) {
        writer.field("name", call.name)
        writer.field("location", call.locationDescription)
        writer.field("tool", call.tool)
        writer.key("arguments")
        writer.value(call.arguments)
        writer.field("environment", environment)
        if !call.flags.isEmpty {
            writer.key("flags")
            writer.beginArray()
            for flag in call.flags { writer.string(flag) }
            writer.endArray()
        }
    }

    static func decision(_ decision: PolicyDecision, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("decision", decision.decision.rawValue)
        writer.field("class", decision.toolClass.rawValue)
        if let rule = decision.rule {
            writer.key("rule")
            writer.beginObject()
            writer.field("name", decision.ruleName)
            writer.field("file", rule.location.file)
            writer.field("line", rule.location.line)
            writer.field("column", rule.location.column)
            writer.endObject()
        }
        writer.field("reason", decision.reason)
        writer.endObject()
    }
}
