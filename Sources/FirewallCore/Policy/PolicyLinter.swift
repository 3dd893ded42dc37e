/// Warnings about a policy that loads but probably does not do what its author meant.
///
/// Pure: the input is a loaded `Policy`, the output warnings with file:line:col and a hint. Four
/// kinds: rules whose decision can never win (shadowed), rules that can never apply (unreachable
/// `when:`, duplicates), write or sensitive tools allowed without confirmation where the policy or
/// environment looks like production, and `confirm` decisions in CI, where nobody can answer the
/// terminal. Warnings never make a policy invalid.
package enum PolicyLinter {
    /// Every warning for `policy` itself and for each of its environments, each warning once.
    package static func lintAll(_ policy: Policy) -> [PolicyDiagnostic] {
        var seen: Set<String> = []
        var diagnostics: [PolicyDiagnostic] = []
        let names: [String?] = [nil] + policy.environments.keys.sorted()
        for name in names {
            for diagnostic in lint(policy, environmentName: name) where seen.insert(diagnostic.description).inserted {
                diagnostics.append(diagnostic)
            }
        }
        return diagnostics
    }

    /// Warnings for `policy` as it applies in the environment `environmentName`.
    ///
    /// When the policy defines that environment, its overlay is applied first and its settings are
    /// located in the overlay. A policy already resolved for an environment can be passed with its
    /// name. With no name (and no resolved environment), the production and CI checks look at the
    /// policy's file names instead (`hr-prod.yaml`, `ci.yaml`).
    package static func lint(_ policy: Policy, environmentName: String?) -> [PolicyDiagnostic] {
        var target = policy
        var overlay: Policy.Environment?
        if let environmentName, let environment = policy.environments[environmentName],
            let resolved = try? policy.selecting(environment: environmentName)
        {
            target = resolved
            overlay = environment
        }
        var diagnostics = shadowedRules(target.rules) + unreachableRules(target.rules) + duplicateRules(target.rules)
        let scope = Scope(policy: target, environmentName: environmentName ?? target.environment, overlay: overlay)
        if scope.isProduction { diagnostics += productionAllows(target, scope: scope) }
        if scope.isCI { diagnostics += unattendedConfirms(target, scope: scope) }
        return diagnostics
    }

    // MARK: - Shadowed rules

    /// A rule whose explicit decision can never be the winner, because a rule without `when:` that
    /// names every tool it names states a stricter decision (the strictest decision always wins).
    static func shadowedRules(_ rules: [PolicyRule]) -> [PolicyDiagnostic] {
        var diagnostics: [PolicyDiagnostic] = []
        for rule in rules {
            guard let decision = rule.decision else { continue }
            let stricter = rules.first { other in
                other.location != rule.location && other.conditions.isEmpty && (other.decision ?? decision) > decision
                    && covers(other, rule)
            }
            guard let stricter, let winning = stricter.decision else { continue }
            diagnostics.append(
                PolicyDiagnostic(
                    .warning,
                    "rule `\(rule.patternDescription)` can never decide: its \(decision.rawValue) always loses to "
                        + "\(winning.rawValue) from rule `\(stricter.patternDescription)` at \(stricter.location), "
                        + "which has no `when:` and names every tool this rule names",
                    at: rule.location,
                    hint: "\(winning.rawValue) beats \(decision.rawValue) whatever the order; remove this rule's "
                        + "`decision:`, or narrow the other rule with `when:`"))
        }
        return diagnostics
    }

    /// Whether `other` names every tool `rule` names: the same pattern, a pattern matching the rule's
    /// literal name, or `*`.
    static func covers(_ other: PolicyRule, _ rule: PolicyRule) -> Bool {
        rule.patterns.allSatisfy { pattern in
            other.patterns.contains { candidate in
                if candidate.source == pattern.source || candidate.source.allSatisfy({ $0 == "*" }) { return true }
                guard pattern.isLiteral else { return false }
                return candidate.matches(literalName(pattern))
            }
        }
    }

    /// The one name a literal pattern matches: its text with `\` escapes removed.
    static func literalName(_ pattern: GlobPattern) -> String {
        var name = ""
        var escaped = false
        for character in pattern.source {
            if character == "\\", !escaped {
                escaped = true
                continue
            }
            name.append(character)
            escaped = false
        }
        return name
    }

    // MARK: - Duplicates

    /// A rule whose every name pattern is in an earlier rule with the same conditions, decision and
    /// class: it changes nothing.
    static func duplicateRules(_ rules: [PolicyRule]) -> [PolicyDiagnostic] {
        var diagnostics: [PolicyDiagnostic] = []
        for (index, rule) in rules.enumerated() {
            let names = Set(rule.patterns.map(\.source))
            let key = conditionsKey(rule)
            let earlier = rules[..<index].first { other in
                other.decision == rule.decision && (rule.toolClass == nil || rule.toolClass == other.toolClass)
                    && names.isSubset(of: other.patterns.map(\.source)) && conditionsKey(other) == key
            }
            guard let earlier else { continue }
            diagnostics.append(
                PolicyDiagnostic(
                    .warning,
                    "rule `\(rule.patternDescription)` repeats rule `\(earlier.patternDescription)` at "
                        + "\(earlier.location): same names, conditions and decision",
                    at: rule.location, hint: "remove one of them, keeping the `reason:` and `tags:` you need"))
        }
        return diagnostics
    }

    /// The conditions of a rule in a canonical form: order of conditions and operators does not matter.
    static func conditionsKey(_ rule: PolicyRule) -> [String] {
        rule.conditions.map { condition in
            condition.path + ": " + condition.operators.map(PolicyExplanation.describe).sorted().joined(separator: "; ")
        }.sorted()
    }

    // MARK: - Names

    /// The words of a name: `hr-prod.yaml` → `hr`, `prod`, `yaml`.
    static func words(_ name: String) -> Set<String> {
        Set(name.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init))
    }

    /// Words that make an environment or file name look like production.
    static let productionWords: Set<String> = ["prod", "production", "live", "prd"]
}
