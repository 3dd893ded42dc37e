extension PolicyExplanation {
    /// The explanation as `mcp-firewall policy explain` prints it: a summary, then every matching rule.
    package func renderText() -> String {
        var lines: [String] = []
        func field(_ name: String, _ value: String, indent: String = "") {
            lines.append(indent + name.padding(toLength: 12 - indent.count, withPad: " ", startingAt: 0) + value)
        }
        field("tool", "`\(tool)`")
        field("arguments", Self.json(arguments))
        if !redactsAudit {
            field("audit", "records the arguments as given: audit redaction is off")
        } else if !redactions.isEmpty {
            field("audit", "records \(Self.json(recordedArguments))")
            let listed = redactions.map { "\($0.path)\($0.embedded ?? "") (\($0.rule))" }.joined(separator: ", ")
            field("redacts", listed, indent: "  ")
        }
        field("annotations", annotations.map { Self.describe($0) } ?? "none (the server has not listed the tool)")
        field(policyFiles.count == 1 ? "policy" : "policies", policyFiles.joined(separator: ", "))
        field("environment", environment ?? "none")
        lines.append("")
        field("decision", "\(verdict.decision.rawValue) (\(Self.label(verdict.decisionSource)))")
        field("why", decisionWhy, indent: "  ")
        if let rule = verdict.rule {
            var cited = "`\(verdict.ruleName ?? rule.patternDescription)` at \(rule.location)"
            if verdict.decisionSource == .classDefault { cited += " (cited: it sets the class)" }
            field("rule", cited, indent: "  ")
        }
        field("reason", verdict.reason, indent: "  ")
        if !verdict.tags.isEmpty { field("tags", verdict.tags.joined(separator: ", "), indent: "  ") }
        if let approval { field("approval", Self.describe(approval), indent: "  ") }
        field("class", "\(verdict.toolClass.rawValue) (\(verdict.classSource.label))")
        field("why", classWhy, indent: "  ")
        field(
            "tools/list",
            hiddenFromToolsList
                ? "hidden: every call of the tool is denied, whatever its arguments"
                : "listed: some calls of the tool can be allowed or confirmed")
        lines.append("")
        guard !rules.isEmpty else {
            lines.append("no rule's name matches `\(tool)`: it is an unlisted tool")
            return lines.joined(separator: "\n") + "\n"
        }
        lines.append("rules whose name matches `\(tool)` (\(rules.count), in policy order):")
        for (number, check) in rules.enumerated() {
            lines.append(contentsOf: Self.lines(for: check, number: number + 1))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func lines(for check: RuleCheck, number: Int) -> [String] {
        let rule = check.rule
        var says: [String] = []
        if let toolClass = rule.toolClass { says.append("class \(toolClass.rawValue)") }
        if let decision = rule.decision { says.append("decision \(decision.rawValue)") }
        var roles: [String] = []
        if check.decides { roles.append("decides") }
        if check.setsClass { roles.append("sets the class") }
        var head = "  \(number). \(rule.location) `\(check.pattern)`"
        if !says.isEmpty { head += " (\(says.joined(separator: ", ")))" }
        switch check.outcome {
        case .holds: head += rule.conditions.isEmpty ? ": applies (no `when:`)" : ": applies (every condition holds)"
        case .fails: head += ": does not apply (a condition does not hold)"
        case .error, .notReached: head += ": evaluation error"
        }
        if !roles.isEmpty { head += " ← " + roles.joined(separator: ", ") }
        var lines = [head]
        for condition in check.conditions {
            let tests = condition.operators.map(\.test).joined(separator: ", ")
            let value =
                condition.value.map { "`\(condition.path)` is \(Self.shortJSON($0))" }
                ?? "`\(condition.path)` is missing"
            var line = "     - when `\(condition.path)`: \(tests) at \(condition.location): "
            switch condition.outcome {
            case .holds:
                line += "holds (\(value))"
            case .fails:
                let failed = condition.operators.first { $0.outcome == .fails }?.test ?? tests
                line += "fails: \(failed) does not hold (\(value))"
            case .error:
                line += "error: \(condition.message ?? "cannot be evaluated")"
            case .notReached:
                line += "not reached (an earlier condition settled the rule)"
            }
            lines.append(line)
        }
        return lines
    }

    private static func label(_ source: PolicyDecision.DecisionSource) -> String {
        switch source {
        case .rule: "rule"
        case .classDefault: "class default"
        case .unlistedSetting: "unlisted"
        case .evaluationError: "evaluation error"
        }
    }

    /// An operator as written in the policy: `gt 500000`, `regex "^Praise: "`, `in ["a","b"]`.
    static func describe(_ op: ArgumentCondition.Operator) -> String {
        switch op {
        case .equals(let value): "equals \(json(value))"
        case .notEquals(let value): "not_equals \(json(value))"
        case .oneOf(let values): "in \(json(.array(values)))"
        case .noneOf(let values): "not_in \(json(.array(values)))"
        case .glob(let pattern): "glob \(json(.string(pattern.source)))"
        case .regex(let pattern): "regex \(json(.string(pattern.source)))"
        case .greaterThan(let bound): "gt \(bound.text)"
        case .greaterThanOrEqual(let bound): "gte \(bound.text)"
        case .lessThan(let bound): "lt \(bound.text)"
        case .lessThanOrEqual(let bound): "lte \(bound.text)"
        case .exists(let expected): "exists \(expected)"
        }
    }

    /// The hints a server gave (`readOnlyHint=true, destructiveHint=false`), or a word for none.
    static func describe(_ annotations: ToolAnnotations?) -> String {
        guard let annotations else { return "none" }
        let hints: [(String, Bool?)] = [
            ("readOnlyHint", annotations.readOnlyHint), ("destructiveHint", annotations.destructiveHint),
            ("idempotentHint", annotations.idempotentHint), ("openWorldHint", annotations.openWorldHint),
        ]
        let given = hints.compactMap { name, value in value.map { "\(name)=\($0)" } }
        return given.isEmpty ? "with no hints" : given.joined(separator: ", ")
    }

    /// Compact JSON text.
    static func json(_ value: JSONValue) -> String {
        var writer = JSONWriter()
        writer.value(value)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Compact JSON text cut to 80 characters, for one-line summaries.
    static func shortJSON(_ value: JSONValue) -> String {
        let text = json(value)
        return text.count <= 80 ? text : String(text.prefix(77)) + "…"
    }

    /// "asked through web, then terminal (the first available); 2m to answer, then deny; nobody to ask:
    /// deny; approvals remembered for the session".
    static func describe(_ approval: ApprovalSettings) -> String {
        let order = approval.configuredChannels.map(\.rawValue)
        let channels =
            approval.race
            ? "asked through \(order.joined(separator: ", ")) at once (the first answer counts)"
            : "asked through \(order.joined(separator: ", then ")) (the first available)"
        let remember =
            switch approval.remember {
            case .never: "never remembered"
            case .session: "remembered for the session when the approver says so"
            case .duration(let span): "remembered for \(DurationText.describe(span)) when the approver says so"
            }
        let bound =
            approval.rememberArguments.isEmpty || approval.remember == .never
            ? "" : " (bound to \(approval.rememberArguments.joined(separator: ", ")))"
        return
            "\(channels); \(DurationText.describe(approval.timeout)) to answer, then \(approval.onTimeout.rawValue); "
            + "nobody to ask: \(approval.unattended.rawValue); \(remember)\(bound)"
    }
}
