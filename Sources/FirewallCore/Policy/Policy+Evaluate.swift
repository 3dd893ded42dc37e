extension Policy {
    /// Decides a `tools/call`.
    ///
    /// Class: the highest `class:` among the matching rules; otherwise `unlisted.class`, otherwise the
    /// server's annotations (`readOnlyHint: true` → read, anything else → write). Decision: the
    /// strictest explicit `decision:` among matching rules (deny > confirm > allow, independent of
    /// order); otherwise `unlisted.decision` for a tool no rule names; otherwise the class default.
    ///
    /// In a tighten-only environment the policy without the overlay is evaluated too, and in a layered
    /// policy every layer on its own; the strictest verdict stands.
    package func evaluate(tool: String, arguments: JSONValue, annotations: ToolAnnotations?) -> PolicyDecision {
        evaluate(tool: tool, lookingUp: arguments, annotations: annotations)
    }

    /// `evaluate`, reading arguments from a frame (`JSONSlice`) or any other source of argument paths.
    package func evaluate(
        tool: String, lookingUp arguments: some ArgumentLookup, annotations: ToolAnnotations?
    )
        -> PolicyDecision
    {
        var verdict = evaluateOwn(tool: tool, arguments: arguments, annotations: annotations)
        let floors = (baseline.map { [$0.policy] } ?? []) + layerFloors
        for floor in floors {
            let stricter = floor.evaluate(tool: tool, lookingUp: arguments, annotations: annotations)
            if stricter.decision > verdict.decision { verdict = stricter }
        }
        return verdict
    }

    private func evaluateOwn(
        tool: String, arguments: some ArgumentLookup, annotations: ToolAnnotations?
    )
        -> PolicyDecision
    {
        let named = rules.filter { $0.matchesName(tool) }
        var applicable: [PolicyRule] = []
        var failure: (rule: PolicyRule, message: String)?
        for rule in named {
            switch rule.conditionsOutcome(arguments) {
            case .holds: applicable.append(rule)
            case .fails: continue
            case .error(let message): failure = failure ?? (rule, message)
            }
        }
        let (toolClass, classSource, classRule) = classify(
            tool: tool, applicable: applicable, annotations: annotations, listed: !named.isEmpty)
        if let failure {
            // Fail closed: a condition that cannot be evaluated denies the call.
            return PolicyDecision(
                tool: tool, toolClass: max(toolClass, failure.rule.toolClass ?? toolClass), classSource: classSource,
                decision: .deny, decisionSource: .evaluationError, rule: failure.rule,
                matchedRules: applicable.map(\.location) + [failure.rule.location],
                reason: "policy evaluation error: \(failure.message)", tags: failure.rule.tags
            )
        }
        let tags = applicable.reduce(into: [String]()) { tags, rule in
            for tag in rule.tags where !tags.contains(tag) { tags.append(tag) }
        }
        let matched = applicable.map(\.location)
        if let strictest = applicable.compactMap(\.decision).max(),
            let winner = applicable.first(where: { $0.decision == strictest })
        {
            return PolicyDecision(
                tool: tool, toolClass: toolClass, classSource: classSource, decision: strictest,
                decisionSource: .rule, rule: winner, matchedRules: matched,
                reason: winner.reason ?? "rule `\(winner.patternDescription)` says \(strictest.rawValue)", tags: tags
            )
        }
        if named.isEmpty, let decision = unlisted.decision {
            return PolicyDecision(
                tool: tool, toolClass: toolClass, classSource: classSource, decision: decision,
                decisionSource: .unlistedSetting, rule: nil, matchedRules: matched,
                reason: "tool `\(tool)` is not listed in the policy (unlisted: \(decision.rawValue))", tags: tags
            )
        }
        let decision = defaultDecision(for: toolClass)
        return PolicyDecision(
            tool: tool, toolClass: toolClass, classSource: classSource, decision: decision,
            decisionSource: .classDefault, rule: classRule, matchedRules: matched,
            reason: classRule?.reason ?? "\(toolClass.rawValue) tools default to \(decision.rawValue)", tags: tags
        )
    }

    /// Whether every possible call of `tool` is denied, whatever its arguments.
    ///
    /// Such tools are removed from `tools/list` results so that the model never sees them.
    package func deniesUnconditionally(tool: String, annotations: ToolAnnotations?) -> Bool {
        if baseline?.policy.deniesUnconditionally(tool: tool, annotations: annotations) == true { return true }
        if layerFloors.contains(where: { $0.deniesUnconditionally(tool: tool, annotations: annotations) }) {
            return true
        }
        let named = rules.filter { $0.matchesName(tool) }
        if named.contains(where: { $0.conditions.isEmpty && $0.decision == .deny }) { return true }
        if named.contains(where: { $0.decision != nil && $0.decision != .deny }) { return false }
        if named.isEmpty, let decision = unlisted.decision { return decision == .deny }
        let unconditional = named.filter { $0.conditions.isEmpty }
        let (base, _, _) = classify(
            tool: tool, applicable: unconditional, annotations: annotations, listed: !named.isEmpty)
        var reachable: Set<ToolClass> = [base]
        for rule in named where !rule.conditions.isEmpty {
            if let raised = rule.toolClass { reachable.insert(max(base, raised)) }
        }
        return reachable.allSatisfy { defaultDecision(for: $0) == .deny }
    }

    private func classify(
        tool: String, applicable: [PolicyRule], annotations: ToolAnnotations?, listed: Bool
    )
        -> (ToolClass, PolicyDecision.ClassSource, PolicyRule?)
    {
        if let classRule = applicable.filter({ $0.toolClass != nil }).max(by: { $0.toolClass! < $1.toolClass! }) {
            let strongest = classRule.toolClass!
            let first = applicable.first { $0.toolClass == strongest } ?? classRule
            return (strongest, .rule(first.location), first)
        }
        if !listed, let fixed = unlisted.toolClass { return (fixed, .unlistedSetting, nil) }
        guard let annotations else { return (.write, .unannotated, nil) }
        return (annotations.suggestedClass, .annotations, nil)
    }
}
