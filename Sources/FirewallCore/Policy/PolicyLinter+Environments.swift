extension PolicyLinter {
    /// Where a policy applies, as far as the production and CI checks care: an environment's name or,
    /// without one, the policy's file names.
    struct Scope {
        var isProduction: Bool
        var isCI: Bool
        /// `in environment `prod``, or `in `hr-prod.yaml` (its name looks like production)`.
        var phrase: String
        var overlay: Policy.Environment?
        /// Where the policy itself writes its settings.
        var policyLocations: [String: SourceLocation]
        /// Where settings nobody writes are reported: the start of the policy's last file.
        var fallback: SourceLocation

        init(policy: Policy, environmentName: String?, overlay: Policy.Environment?) {
            self.overlay = overlay
            policyLocations = policy.settingLocations
            let file = policy.layers.last?.path ?? policy.source.path
            fallback = SourceLocation(file: file, line: 1, column: 1)
            if let environmentName {
                let words = PolicyLinter.words(environmentName)
                isProduction = !words.isDisjoint(with: PolicyLinter.productionWords)
                isCI = words.contains("ci")
                phrase = "in environment `\(environmentName)`"
            } else {
                let names = policy.layers.map { String($0.path.split(separator: "/").last ?? "") }
                let production = names.first { !PolicyLinter.words($0).isDisjoint(with: PolicyLinter.productionWords) }
                let ci = names.first { PolicyLinter.words($0).contains("ci") }
                isProduction = production != nil
                isCI = ci != nil
                phrase =
                    if let production { "in `\(production)` (its name looks like production)" } else {
                        "in `\(ci ?? file)` (its name looks like CI)"
                    }
            }
        }

        /// Where the overlay, else the policy, sets `setting` (`defaults.write`, `unlisted`, `unattended`).
        func location(_ setting: String) -> SourceLocation {
            overlay?.settingLocations[setting] ?? policyLocations[setting] ?? fallback
        }
    }

    // MARK: - Production

    /// Write and sensitive tools allowed without confirmation where the policy looks like production.
    static func productionAllows(_ policy: Policy, scope: Scope) -> [PolicyDiagnostic] {
        var diagnostics: [PolicyDiagnostic] = []
        let hint = "use confirm or deny for write and sensitive tools in production"
        for toolClass in [ToolClass.write, .sensitive] where policy.defaultDecision(for: toolClass) == .allow {
            diagnostics.append(
                PolicyDiagnostic(
                    .warning,
                    "`defaults.\(toolClass.rawValue): allow` \(scope.phrase): every \(toolClass.rawValue) tool runs "
                        + "without confirmation",
                    at: scope.location("defaults.\(toolClass.rawValue)"), hint: hint))
        }
        if policy.unlisted.decision == .allow, policy.unlisted.toolClass != .read {
            diagnostics.append(
                PolicyDiagnostic(
                    .warning,
                    "`unlisted.decision: allow` \(scope.phrase): tools the policy does not name run without "
                        + "confirmation, write and sensitive ones too",
                    at: scope.location("unlisted"), hint: hint))
        }
        let shadowed = Set(shadowedRules(policy.rules).map(\.location))
        for rule in policy.rules where rule.decision == .allow && !shadowed.contains(rule.location) {
            guard let toolClass = effectiveClass(of: rule, in: policy.rules), toolClass != .read else { continue }
            let when = rule.conditions.isEmpty ? "" : " when its `when:` holds"
            diagnostics.append(
                PolicyDiagnostic(
                    .warning,
                    "rule `\(rule.patternDescription)` allows a \(toolClass.rawValue) tool without confirmation"
                        + "\(when) \(scope.phrase)",
                    at: rule.location, hint: "use `decision: confirm`, unless running it unconfirmed is intended"))
        }
        if policy.approval.unattended == .allow {
            diagnostics.append(
                PolicyDiagnostic(
                    .warning,
                    "`unattended: allow` \(scope.phrase): every `confirm` runs unconfirmed when nobody can answer",
                    at: scope.location("unattended"), hint: "use `unattended: deny` or `fail` in production"))
        }
        return diagnostics
    }

    /// The class a rule's tools have when it applies: its own `class:`, else the highest class given by
    /// rules without `when:` that name every tool it names; nil when only annotations would tell.
    static func effectiveClass(of rule: PolicyRule, in rules: [PolicyRule]) -> ToolClass? {
        if let toolClass = rule.toolClass { return toolClass }
        return rules.filter { $0.conditions.isEmpty && $0.toolClass != nil && covers($0, rule) }
            .compactMap(\.toolClass).max()
    }

    // MARK: - CI

    /// `confirm` decisions where the policy looks like CI and names no channel that works there (an
    /// `approval.command` or `approval.webhook` does): nobody answers a terminal, a web page or a
    /// client's form in a CI job, so `approval.unattended` decides every such call.
    static func unattendedConfirms(_ policy: Policy, scope: Scope) -> [PolicyDiagnostic] {
        let reachable = policy.approval.channelOrder.contains { channel in
            (channel == .command && policy.approval.command != nil)
                || (channel == .webhook && policy.approval.webhook != nil)
        }
        guard !reachable else { return [] }
        let unattended = policy.approval.unattended
        let outcome =
            switch unattended {
            case .deny: "denies such calls"
            case .allow: "runs such calls without anyone confirming them"
            case .fail: "denies such a call and makes the proxy exit 75, failing the job"
            }
        let hint =
            "`unattended: \(unattended.rawValue)` \(outcome); decide these calls with allow or deny for CI, "
            + "or route them to a person with `approval.command` or `approval.webhook`"
        let problem = "\(scope.phrase), where nobody can answer it (no command or webhook approval channel)"
        var diagnostics: [PolicyDiagnostic] = []
        for toolClass in ToolClass.allCases where policy.defaultDecision(for: toolClass) == .confirm {
            diagnostics.append(
                PolicyDiagnostic(
                    .warning, "`defaults.\(toolClass.rawValue): confirm` asks for confirmation \(problem)",
                    at: scope.location("defaults.\(toolClass.rawValue)"), hint: hint))
        }
        if policy.unlisted.decision == .confirm {
            diagnostics.append(
                PolicyDiagnostic(
                    .warning, "`unlisted.decision: confirm` asks for confirmation \(problem)",
                    at: scope.location("unlisted"), hint: hint))
        }
        for rule in policy.rules where rule.decision == .confirm {
            diagnostics.append(
                PolicyDiagnostic(
                    .warning, "rule `\(rule.patternDescription)` asks for confirmation \(problem)", at: rule.location,
                    hint: hint))
        }
        return diagnostics
    }
}
