/// Why a policy decides a `tools/call` the way it does: every rule whose name matched, what each
/// of its `when:` conditions did, which rule won and why.
///
/// The verdict comes from `Policy.evaluate` and `Policy.deniesUnconditionally`, the same calls the
/// proxy makes, so an explanation can never disagree with the proxy; the per-rule details are
/// computed alongside with the same condition code.
package struct PolicyExplanation: Sendable {
    /// What a test (a rule, a condition or one operator) did with the call's arguments.
    package enum Outcome: String, Sendable, Equatable {
        case holds
        case fails
        case error
        /// An earlier test already settled the rule, so this one was never evaluated.
        case notReached = "not_reached"
    }

    /// One operator of a condition and what it did.
    package struct OperatorCheck: Sendable {
        /// The operator as written: `gt 500000`, `regex "^Praise: "`.
        package var test: String
        /// What the operator alone did with the argument.
        package var outcome: Outcome
    }

    /// One `when:` condition of a matching rule and what it did.
    package struct ConditionCheck: Sendable {
        /// The argument path as written (`options.mode`).
        package var path: String
        /// Where the condition is written.
        package var location: SourceLocation
        /// The argument at `path`, or nil when the call does not have it.
        package var value: JSONValue?
        /// What the condition did, as the proxy evaluates it (`notReached` after an earlier one settled the rule).
        package var outcome: Outcome
        /// Each operator and what it did.
        package var operators: [OperatorCheck]
        /// The evaluation error, when the condition could not be evaluated.
        package var message: String?
    }

    /// One rule whose `name:` matched the tool.
    package struct RuleCheck: Sendable {
        /// The rule, with its location.
        package var rule: PolicyRule
        /// The pattern of the rule that matched the tool (`update_*`).
        package var pattern: String
        /// `holds`: the rule applies; `fails`: a condition does not hold; `error`: one could not be evaluated.
        package var outcome: Outcome
        /// Each `when:` condition, in order.
        package var conditions: [ConditionCheck]
        /// The verdict's decision came from this rule (its `decision:`, or its evaluation error).
        package var decides: Bool
        /// The verdict's class came from this rule's `class:`.
        package var setsClass: Bool
    }

    /// The tool called.
    package var tool: String
    /// The call's arguments.
    package var arguments: JSONValue
    /// The server's annotations for the tool, or nil when it has not listed the tool.
    package var annotations: ToolAnnotations?
    /// The environment the policy was resolved for, when one was selected.
    package var environment: String?
    /// The policy files, in the order they were layered.
    package var policyFiles: [String]
    /// The proxy's verdict, from `Policy.evaluate`.
    package var verdict: PolicyDecision
    /// Whether the proxy removes the tool from `tools/list` (`Policy.deniesUnconditionally`).
    package var hiddenFromToolsList: Bool
    /// Every rule whose name matched, in policy order.
    package var rules: [RuleCheck]
    /// Why the tool has its class.
    package var classWhy: String
    /// Why the decision won.
    package var decisionWhy: String
    /// For a `confirm`: how the person is asked (the policy's settings with the deciding rule's own).
    package var approval: ApprovalSettings?
    /// Whether the policy redacts the audit log (`audit.redaction.enabled`).
    package var redactsAudit: Bool
    /// The arguments as the audit log's decision record holds them (masked; a keyed hash needs the key).
    package var recordedArguments: JSONValue
    /// What the audit log redacts in them (paths into the decision record: `/arguments/…`).
    package var redactions: [RedactionFinding]

    /// Explains how `policy` decides a call of `tool` with `arguments`, given the server's `annotations`
    /// (nil: the server has not listed the tool).
    package init(
        policy: Policy, tool: String, arguments: JSONValue, annotations: ToolAnnotations?,
        environment: String? = nil, policyFiles: [String]? = nil
    ) {
        self.tool = tool
        self.arguments = arguments
        self.annotations = annotations
        self.environment = environment ?? policy.environment
        self.policyFiles = policyFiles ?? policy.layers.map(\.path)
        let verdict = policy.evaluate(tool: tool, arguments: arguments, annotations: annotations)
        self.verdict = verdict
        approval = verdict.decision == .confirm ? policy.approval.tightened(by: verdict.rule?.approval) : nil
        hiddenFromToolsList = policy.deniesUnconditionally(tool: tool, annotations: annotations)
        let checks = policy.rules.filter { $0.matchesName(tool) }.map { rule in
            Self.check(rule, tool: tool, arguments: arguments, verdict: verdict)
        }
        rules = checks
        redactsAudit = policy.audit.redaction.enabled
        (recordedArguments, redactions) = Self.recorded(arguments, policy: policy)
        // A tighten-only environment also evaluates the policy without its overlay; the stricter verdict
        // stands. When that floor decided, explain it from the base policy's rules.
        var overlay = policy
        overlay.baseline = nil
        let own = overlay.evaluate(tool: tool, arguments: arguments, annotations: annotations)
        if let base = policy.baseline?.policy, verdict.decision > own.decision {
            let baseLocations = Set(base.rules.map(\.location))
            let baseChecks = checks.filter { baseLocations.contains($0.rule.location) }
            classWhy = Self.classWhy(verdict, checks: baseChecks, annotations: annotations, policy: base)
            decisionWhy =
                "tighten-only environment `\(policy.environment ?? "?")`: with its overlay the call would be "
                + "\(own.decision.rawValue), but an overlay cannot loosen the policy beneath it, which says "
                + "\(verdict.decision.rawValue): " + Self.decisionWhy(verdict, checks: baseChecks, policy: base)
        } else {
            classWhy = Self.classWhy(verdict, checks: checks, annotations: annotations, policy: policy)
            decisionWhy = Self.decisionWhy(verdict, checks: checks, policy: policy)
        }
    }

    /// `arguments` as the audit log records them under `policy`'s redaction, and what it redacts.
    private static func recorded(_ arguments: JSONValue, policy: Policy) -> (JSONValue, [RedactionFinding]) {
        var writer = JSONWriter()
        writer.value(arguments)
        guard let result = Redactor(policy.audit.redaction).redact(json: writer.take()),
            let value = try? JSONParser.parse(result.bytes, rules: .structureOnly)
        else { return (arguments, []) }
        let findings = result.findings.map {
            RedactionFinding(path: "/arguments" + $0.path, rule: $0.rule, embedded: $0.embedded)
        }
        return (value, findings)
    }

    private static func check(
        _ rule: PolicyRule, tool: String, arguments: JSONValue, verdict: PolicyDecision
    ) -> RuleCheck {
        var conditions: [ConditionCheck] = []
        var settled = false
        for condition in rule.conditions {
            var check = ConditionCheck(
                path: condition.path, location: condition.location,
                value: arguments.value(at: condition.components),
                outcome: .notReached, operators: [], message: nil)
            for op in condition.operators {
                let test = PolicyExplanation.describe(op)
                guard !settled else {
                    check.operators.append(OperatorCheck(test: test, outcome: .notReached))
                    continue
                }
                // Each operator alone, through the proxy's own condition code.
                let single = ArgumentCondition(path: condition.path, operators: [op], location: condition.location)
                let outcome = single.evaluate(arguments)
                check.operators.append(OperatorCheck(test: test, outcome: Self.outcome(outcome)))
                if outcome != .holds { settled = true }
            }
            if check.operators.contains(where: { $0.outcome != .notReached }) {
                let outcome = condition.evaluate(arguments)
                check.outcome = Self.outcome(outcome)
                if case .error(let message) = outcome { check.message = message }
            }
            conditions.append(check)
        }
        let decidingSources: [PolicyDecision.DecisionSource] = [.rule, .evaluationError]
        let classLocation: SourceLocation? =
            if case .rule(let location) = verdict.classSource { location } else { nil }
        return RuleCheck(
            rule: rule,
            pattern: rule.patterns.first { $0.matches(tool) }?.source ?? rule.patternDescription,
            outcome: Self.outcome(rule.conditionsOutcome(arguments)),
            conditions: conditions,
            decides: decidingSources.contains(verdict.decisionSource) && verdict.rule?.location == rule.location,
            setsClass: classLocation == rule.location
        )
    }

    private static func outcome(_ outcome: ArgumentCondition.Outcome) -> Outcome {
        switch outcome {
        case .holds: .holds
        case .fails: .fails
        case .error: .error
        }
    }

    /// The value at `components` (object keys, array indices), as `ArgumentCondition` resolves it.

    private static func classWhy(
        _ verdict: PolicyDecision, checks: [RuleCheck], annotations: ToolAnnotations?, policy: Policy
    ) -> String {
        let listed = !checks.isEmpty
        var text: String
        var base = verdict.toolClass
        switch verdict.classSource {
        case .rule(let location):
            let classifying = checks.filter { $0.outcome == .holds && $0.rule.toolClass != nil }
            base = classifying.first { $0.rule.location == location }?.rule.toolClass ?? verdict.toolClass
            let lower = Self.distinct(classifying.compactMap(\.rule.toolClass).filter { $0 < base }.sorted(by: >))
            text = "from rule `\(Self.patternAt(location, checks))` at \(location)"
            if lower.isEmpty {
                text += ", the highest class among matching rules"
            } else {
                text +=
                    ": \(base.rawValue) beats \(Self.list(lower.map(\.rawValue))), "
                    + "the highest class among matching rules wins"
            }
        case .unlistedSetting:
            base = policy.unlisted.toolClass ?? verdict.toolClass
            text = "unlisted tool: `unlisted.class: \(base.rawValue)` fixes the class"
        case .annotations:
            base = annotations?.suggestedClass ?? .write
            text =
                (listed ? "no matching rule classifies it" : "unlisted tool")
                + ": classified from annotations \(Self.describe(annotations))"
        case .unannotated:
            base = .write
            text =
                (listed ? "no matching rule classifies it" : "unlisted tool")
                + " and the server gave no annotations: a tool without annotations is write"
        }
        if verdict.decisionSource == .evaluationError, base < verdict.toolClass {
            text += "; raised to \(verdict.toolClass.rawValue) by the rule that could not be evaluated"
        }
        return text
    }

    private static func decisionWhy(_ verdict: PolicyDecision, checks: [RuleCheck], policy: Policy) -> String {
        let decision = verdict.decision.rawValue
        let classDefault = "the \(verdict.toolClass.rawValue) default applies (defaults.\(verdict.toolClass.rawValue): "
        switch verdict.decisionSource {
        case .evaluationError:
            let location = checks.first(where: \.decides)?.rule.location.description ?? "?"
            return
                "a condition of the rule at \(location) could not be evaluated: "
                + "the call is denied whatever the other rules say (fail closed)"
        case .rule:
            let explicit = checks.filter { $0.outcome == .holds }.compactMap(\.rule.decision)
            let weaker = Self.distinct(explicit.filter { $0 < verdict.decision }.sorted(by: >))
            let peers = explicit.filter { $0 == verdict.decision }.count
            var parts: [String] = []
            if !weaker.isEmpty {
                parts.append(
                    "\(decision) beats \(Self.list(weaker.map(\.rawValue))): "
                        + "strictest explicit decision wins, order does not matter")
            } else if peers == 1 {
                let fallback = policy.defaultDecision(for: verdict.toolClass)
                let toolClass = verdict.toolClass.rawValue
                parts.append(
                    "the only matching rule that states a decision; "
                        + (fallback == verdict.decision
                            ? "the \(toolClass) default is \(fallback.rawValue) too"
                            : "it overrides the \(toolClass) default (\(fallback.rawValue))"))
            }
            if peers > 1 { parts.append("\(peers) matching rules say \(decision): the first in policy order is cited") }
            return parts.joined(separator: "; ")
        case .unlistedSetting:
            return "unlisted tool: no rule names `\(verdict.tool)`, so `unlisted.decision: \(decision)` applies"
        case .classDefault:
            if checks.isEmpty {
                return "unlisted tool with no `unlisted.decision`: " + classDefault + "\(decision))"
            }
            let skipped = checks.filter { $0.outcome != .holds && $0.rule.decision != nil }.count
            var text = "no matching rule states a decision: " + classDefault + "\(decision))"
            if skipped > 0 { text += "; \(skipped) rule(s) with a decision do not apply: their `when:` does not hold" }
            return text
        }
    }

    private static func patternAt(_ location: SourceLocation, _ checks: [RuleCheck]) -> String {
        checks.first { $0.rule.location == location }?.pattern ?? "?"
    }

    private static func distinct<T: Equatable>(_ items: [T]) -> [T] {
        items.reduce(into: []) { result, item in if !result.contains(item) { result.append(item) } }
    }

    /// `a`, `a and b`, `a, b and c`.
    static func list(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + items[items.count - 1]
    }
}
