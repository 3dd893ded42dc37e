/// One entry of the policy's `tools:` list.
package struct PolicyRule: Sendable {
    /// The `name:` patterns; the rule applies to a tool matching any of them.
    package var patterns: [GlobPattern]
    package var toolClass: ToolClass?
    package var decision: Decision?
    package var conditions: [ArgumentCondition]
    package var reason: String?
    package var tags: [String]
    /// The rule's own `approval:` settings, applied when this rule asks for the confirmation.
    package var approval: ApprovalOverride?
    /// Where the rule starts in its file.
    package var location: SourceLocation

    package init(
        patterns: [GlobPattern],
        toolClass: ToolClass? = nil,
        decision: Decision? = nil,
        conditions: [ArgumentCondition] = [],
        reason: String? = nil,
        tags: [String] = [],
        location: SourceLocation
    ) {
        self.patterns = patterns
        self.toolClass = toolClass
        self.decision = decision
        self.conditions = conditions
        self.reason = reason
        self.tags = tags
        self.location = location
    }

    /// The patterns joined for display (`update_*`, `github.*|gitlab.*`).
    package var patternDescription: String { patterns.map(\.source).joined(separator: "|") }

    package func matchesName(_ tool: String) -> Bool {
        patterns.contains { $0.matches(tool) }
    }

    /// Whether every `when:` condition holds for `arguments`, or the first evaluation error.
    package func conditionsOutcome(_ arguments: some ArgumentLookup) -> ArgumentCondition.Outcome {
        for condition in conditions {
            let outcome = condition.evaluate(arguments)
            if outcome != .holds { return outcome }
        }
        return .holds
    }
}
