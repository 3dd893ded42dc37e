extension PolicyExplanation {
    /// The explanation as a JSON value, members in a fixed order (`policy explain --format json`).
    package var jsonValue: JSONValue {
        var members: [JSONValue.Member] = [
            .init("tool", .string(tool)),
            .init("arguments", arguments),
            .init(
                "audit",
                .object([
                    .init("redaction", .bool(redactsAudit)),
                    .init("arguments", recordedArguments),
                    .init(
                        "redactions",
                        .array(
                            redactions.map { finding in
                                var members: [JSONValue.Member] = [
                                    .init("path", .string(finding.path)), .init("rule", .string(finding.rule)),
                                ]
                                if let embedded = finding.embedded {
                                    members.append(.init("embedded", .string(embedded)))
                                }
                                return .object(members)
                            })),
                ])),
            .init("annotations", annotations.map(Self.json(annotations:)) ?? .null),
            .init("policies", .array(policyFiles.map(JSONValue.string))),
            .init("environment", environment.map(JSONValue.string) ?? .null),
            .init("decision", .string(verdict.decision.rawValue)),
            .init("decision_source", .string(Self.sourceKey(verdict.decisionSource))),
            .init("decision_why", .string(decisionWhy)),
            .init("rule", verdict.rule.map { .string($0.location.description) } ?? .null),
            .init("reason", .string(verdict.reason)),
            .init("tags", .array(verdict.tags.map(JSONValue.string))),
            .init("approval", approval.map(Self.json(approval:)) ?? .null),
            .init("class", .string(verdict.toolClass.rawValue)),
            .init("class_source", .string(verdict.classSource.label)),
        ]
        if case .rule(let location) = verdict.classSource {
            members.append(.init("class_rule", .string(location.description)))
        } else {
            members.append(.init("class_rule", .null))
        }
        members += [
            .init("class_why", .string(classWhy)),
            .init("hidden_from_tools_list", .bool(hiddenFromToolsList)),
            .init("rules", .array(rules.map(Self.json(rule:)))),
        ]
        return .object(members)
    }

    private static func json(approval: ApprovalSettings) -> JSONValue {
        .object([
            .init("channels", .array(approval.configuredChannels.map { .string($0.rawValue) })),
            .init("race", .bool(approval.race)),
            .init("timeout_ms", .number(String(DurationText.milliseconds(approval.timeout)))),
            .init("on_timeout", .string(approval.onTimeout.rawValue)),
            .init("unattended", .string(approval.unattended.rawValue)),
            .init("remember", .string(approval.remember.description)),
            .init("remember_arguments", .array(approval.rememberArguments.map(JSONValue.string))),
        ])
    }

    /// `jsonValue` pretty-printed with two-space indentation and a final newline.
    package func renderJSON() -> String {
        var out = ""
        Self.pretty(jsonValue, indent: "", into: &out)
        return out + "\n"
    }

    private static func json(rule check: RuleCheck) -> JSONValue {
        let rule = check.rule
        return .object([
            .init("location", .string(rule.location.description)),
            .init("pattern", .string(check.pattern)),
            .init("class", rule.toolClass.map { .string($0.rawValue) } ?? .null),
            .init("decision", rule.decision.map { .string($0.rawValue) } ?? .null),
            .init("outcome", .string(check.outcome == .holds ? "applies" : check.outcome.rawValue)),
            .init("decides", .bool(check.decides)),
            .init("sets_class", .bool(check.setsClass)),
            .init("conditions", .array(check.conditions.map(Self.json(condition:)))),
        ])
    }

    private static func json(condition: ConditionCheck) -> JSONValue {
        var members: [JSONValue.Member] = [
            .init("path", .string(condition.path)),
            .init("location", .string(condition.location.description)),
            .init("value", condition.value ?? .null),
            .init("present", .bool(condition.value != nil)),
            .init("outcome", .string(condition.outcome.rawValue)),
            .init(
                "operators",
                .array(
                    condition.operators.map {
                        .object([.init("test", .string($0.test)), .init("outcome", .string($0.outcome.rawValue))])
                    })),
        ]
        if let message = condition.message { members.append(.init("error", .string(message))) }
        return .object(members)
    }

    private static func json(annotations: ToolAnnotations) -> JSONValue {
        let hints: [(String, Bool?)] = [
            ("readOnlyHint", annotations.readOnlyHint), ("destructiveHint", annotations.destructiveHint),
            ("idempotentHint", annotations.idempotentHint), ("openWorldHint", annotations.openWorldHint),
        ]
        return .object(hints.compactMap { name, value in value.map { .init(name, .bool($0)) } })
    }

    private static func sourceKey(_ source: PolicyDecision.DecisionSource) -> String {
        switch source {
        case .rule: "rule"
        case .classDefault: "class_default"
        case .unlistedSetting: "unlisted"
        case .evaluationError: "evaluation_error"
        }
    }

    /// Writes `value` indented, one member or item a line; empty containers stay on one line.
    private static func pretty(_ value: JSONValue, indent: String, into out: inout String) {
        let inner = indent + "  "
        switch value {
        case .array(let items) where !items.isEmpty:
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += inner
                pretty(item, indent: inner, into: &out)
                out += index == items.count - 1 ? "\n" : ",\n"
            }
            out += indent + "]"
        case .object(let members) where !members.isEmpty:
            out += "{\n"
            for (index, member) in members.enumerated() {
                out += inner + json(.string(member.key)) + ": "
                pretty(member.value, indent: inner, into: &out)
                out += index == members.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
        default:
            out += json(value)
        }
    }
}
