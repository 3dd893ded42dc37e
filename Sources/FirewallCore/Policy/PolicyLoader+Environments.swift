import Yams

extension PolicyLoader {
    /// Reads `environments:`, a mapping from environment name to overlay.
    static func parseEnvironments(_ node: Node, reader: inout YAMLReader) -> [String: Policy.Environment] {
        var environments: [String: Policy.Environment] = [:]
        for (name, keyNode, value) in reader.mapping(node, "environments", allowed: nil) ?? [] {
            let what = "environments.\(name)"
            // `audit:` is refused with its own reason, rather than as an unknown key.
            guard let pairs = reader.mapping(value, what, allowed: environmentKeys + ["audit"]) else { continue }
            var environment = Policy.Environment(name: name, unattended: .deny, location: reader.location(keyNode))
            var statedUnattended = false
            for (key, settingKey, setting) in pairs {
                switch key {
                case "audit":
                    reader.error(
                        "`audit` cannot be set per environment (in \(what))", at: settingKey,
                        hint:
                            "a policy writes its audit log the same way in every environment: move `audit:` to the top level"
                    )
                case "tighten_only":
                    environment.tightenOnly = reader.bool(setting, "\(what).tighten_only") ?? true
                case "defaults":
                    for (toolClass, entry) in parseDefaults(setting, what: "\(what).defaults", reader: &reader) {
                        environment.defaults[toolClass] = entry.decision
                        environment.settingLocations["defaults.\(toolClass.rawValue)"] = entry.location
                    }
                case "unlisted":
                    environment.unlisted = parseUnlisted(setting, what: "\(what).unlisted", reader: &reader)
                    environment.settingLocations["unlisted"] = reader.location(setting)
                case "approval":
                    var approval = parseApproval(setting, what: "\(what).approval", reader: &reader)
                    for (key, location) in approval.locations { environment.settingLocations[key] = location }
                    if let unattended = approval.unattended {
                        environment.unattended = unattended
                        statedUnattended = true
                    }
                    approval.unattended = nil
                    environment.approval = approval
                default:
                    environment.rules = parseRules(setting, reader: &reader)
                }
            }
            if !statedUnattended {
                reader.error(
                    "environment `\(name)` does not say what `confirm` does when nobody can answer", at: keyNode,
                    hint: "add `approval: {unattended: deny}` (or allow, or fail)")
            }
            environments[name] = environment
        }
        return environments
    }

    /// Errors for every setting or rule of a tighten-only environment that would loosen the policy:
    /// turn a deny into a confirm or an allow, or a confirm into an allow.
    static func tightenOnlyViolations(_ policy: Policy) -> [PolicyDiagnostic] {
        var diagnostics: [PolicyDiagnostic] = []
        for name in policy.environments.keys.sorted() {
            guard let environment = policy.environments[name], environment.tightenOnly,
                let resolved = try? policy.selecting(environment: name), let base = resolved.baseline?.policy
            else { continue }
            func violation(_ message: String, at location: SourceLocation?) {
                diagnostics.append(
                    PolicyDiagnostic(
                        .error, "tighten-only environment `\(name)` \(message)", at: location ?? environment.location,
                        hint: "make the overlay stricter, or mark it `tighten_only: false` if loosening is intended"))
            }
            for toolClass in ToolClass.allCases {
                guard let decision = environment.defaults[toolClass] else { continue }
                let before = base.defaultDecision(for: toolClass)
                if decision < before {
                    violation(
                        "turns the \(toolClass.rawValue) default from \(before.rawValue) into \(decision.rawValue)",
                        at: environment.settingLocations["defaults.\(toolClass.rawValue)"])
                }
            }
            if let unlisted = environment.unlisted, Policy.stricter(base.unlisted, unlisted) != unlisted {
                violation("loosens the `unlisted` setting", at: environment.settingLocations["unlisted"])
            }
            if environment.unattended < base.approval.unattended {
                violation(
                    "sets `unattended: \(environment.unattended.rawValue)`, below the policy's "
                        + "`\(base.approval.unattended.rawValue)`",
                    at: environment.settingLocations["unattended"])
            }
            if let remember = environment.approval.remember, remember > base.approval.remember {
                violation(
                    "sets `remember: \(remember.description)`, longer than the policy's "
                        + "`\(base.approval.remember.description)`",
                    at: environment.settingLocations["remember"])
            }
            if let onTimeout = environment.approval.onTimeout, onTimeout < base.approval.onTimeout {
                violation(
                    "sets `on_timeout: \(onTimeout.rawValue)`, below the policy's `\(base.approval.onTimeout.rawValue)`",
                    at: environment.settingLocations["on_timeout"])
            }
            var unclamped = resolved
            unclamped.baseline = nil
            unclamped.layerFloors = []
            for rule in environment.rules {
                for pattern in rule.patterns {
                    let before = base.evaluate(tool: pattern.source, arguments: .object([]), annotations: nil)
                    var after = unclamped.evaluate(tool: pattern.source, arguments: .object([]), annotations: nil)
                    if let decision = rule.decision, !rule.conditions.isEmpty, decision < after.decision {
                        after.decision = decision
                    }
                    if after.decision < before.decision {
                        violation(
                            "would turn `\(pattern.source)` from \(before.decision.rawValue) into "
                                + after.decision.rawValue,
                            at: rule.location)
                    }
                }
            }
        }
        return diagnostics
    }
}
