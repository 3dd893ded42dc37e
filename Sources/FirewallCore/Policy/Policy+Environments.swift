import Crypto

extension Policy {
    /// One entry of `environments:`: changes applied on top of the policy when that environment is selected.
    package struct Environment: Sendable {
        package var name: String
        /// A tighten-only overlay (the default) can never make a decision less strict than the base.
        package var tightenOnly: Bool
        /// Class defaults this environment changes.
        package var defaults: [ToolClass: Decision]
        package var unlisted: Unlisted?
        /// The overlay's `approval:` settings other than `unattended`.
        package var approval: ApprovalOverride
        /// Required in every environment: what `confirm` does there when nobody can answer.
        package var unattended: Unattended
        /// Rules added to the policy's own.
        package var rules: [PolicyRule]
        package var location: SourceLocation
        /// Where each setting is written (`defaults.write`, `unlisted`, `unattended`), for diagnostics.
        package var settingLocations: [String: SourceLocation] = [:]

        package init(
            name: String, tightenOnly: Bool = true, defaults: [ToolClass: Decision] = [:], unlisted: Unlisted? = nil,
            approval: ApprovalOverride = ApprovalOverride(), unattended: Unattended, rules: [PolicyRule] = [],
            location: SourceLocation
        ) {
            self.name = name
            self.tightenOnly = tightenOnly
            self.defaults = defaults
            self.unlisted = unlisted
            self.approval = approval
            self.unattended = unattended
            self.rules = rules
            self.location = location
        }
    }

    /// The policy in force for `name`: this policy with that environment's overlay applied.
    ///
    /// Overlay rules are added to the policy's rules, overlay defaults replace the policy's for their
    /// classes, and approval settings are overridden. For a tighten-only overlay the result keeps the
    /// base as a `baseline`, and every evaluation takes the stricter of the two, so even an overlay
    /// that slipped past `policy check` cannot loosen anything.
    package func selecting(environment name: String) throws(PolicyError) -> Policy {
        guard let overlay = environments[name] else {
            let known = environments.keys.sorted()
            throw PolicyError(diagnostics: [
                PolicyDiagnostic(
                    .error, "environment `\(name)` is not defined in the policy",
                    at: SourceLocation(file: layers.last?.path ?? source.path, line: 1, column: 1),
                    hint: known.isEmpty
                        ? "this policy defines no environments: add `environments: {\(name): {}}` to it, or leave --env and MCP_FIREWALL_ENV unset"
                        : "defined: \(known.joined(separator: ", "))"
                )
            ])
        }
        var base = self
        base.environments = [:]
        base.environment = nil
        base.baseline = nil
        var resolved = base
        resolved.environment = name
        for (toolClass, decision) in overlay.defaults { resolved.defaults[toolClass] = decision }
        if let unlisted = overlay.unlisted { resolved.unlisted = unlisted }
        var stated = overlay.approval
        stated.unattended = overlay.unattended
        // A tighten-only overlay picks channels and timeout but cannot make waiting or remembering laxer.
        resolved.approval =
            overlay.tightenOnly ? base.approval.tightened(by: stated) : base.approval.applying(stated)
        resolved.rules += overlay.rules
        // Each layer applies the environment as it defines it (or not at all), and stays a floor.
        resolved.layerFloors = layerFloors.map { layer in
            if let selected = try? layer.selecting(environment: name) { return selected }
            var plain = layer
            plain.environments = [:]
            return plain
        }
        for floor in resolved.layerFloors {
            resolved.approval.unattended = max(resolved.approval.unattended, floor.approval.unattended)
            resolved.approval.onTimeout = max(resolved.approval.onTimeout, floor.approval.onTimeout)
            resolved.approval.remember = min(resolved.approval.remember, floor.approval.remember)
        }
        if overlay.tightenOnly { resolved.baseline = Baseline(base) }
        return resolved
    }

    /// Picks the environment to apply: the explicit name (flag or `MCP_FIREWALL_ENV`) if given, else
    /// `ci` when running in CI and the policy defines it, else none. The result's `environment` is set
    /// only when an overlay is in force; a policy with no `environments:` accepts any name, as a label
    /// the caller records.
    package func resolvingEnvironment(explicit: String?, inCI: Bool) throws(PolicyError) -> Policy {
        // A name nobody defined is a mistake (a typo, or a policy that forgot it), never a label.
        if let explicit { return try selecting(environment: explicit) }
        if inCI, environments["ci"] != nil { return try selecting(environment: "ci") }
        return self
    }

    /// Combines layers (`extends:` bases and several `--policy` files) so that no layer can loosen another.
    ///
    /// Rules are united (each keeps its file:line), so an organisation's deny rule always wins; class
    /// defaults, `unlisted` and `unattended` take the stricter of the two; the approval timeout the
    /// shorter. Environments of the same name merge the same way. The result does not depend on order.
    package func merging(_ other: Policy) -> Policy {
        var merged = self
        for toolClass in ToolClass.allCases {
            merged.defaults[toolClass] = max(defaultDecision(for: toolClass), other.defaultDecision(for: toolClass))
        }
        merged.unlisted = Self.stricter(unlisted, other.unlisted)
        merged.approval = approval.merging(other.approval)
        merged.rules = rules + other.rules
        merged.audit = audit.merging(other.audit)
        merged.auditSinks = AuditSinkSettings.merging(auditSinks, other.auditSinks)
        merged.settingLocations.merge(other.settingLocations) { mine, _ in mine }
        for (name, environment) in other.environments {
            guard let mine = merged.environments[name] else {
                merged.environments[name] = environment
                continue
            }
            var combined = mine
            combined.tightenOnly = mine.tightenOnly || environment.tightenOnly
            for (toolClass, decision) in environment.defaults {
                combined.defaults[toolClass] = max(mine.defaults[toolClass] ?? decision, decision)
            }
            combined.unlisted =
                mine.unlisted.map { Self.stricter($0, environment.unlisted ?? $0) } ?? environment.unlisted
            combined.approval = mine.approval.merging(environment.approval)
            combined.unattended = max(mine.unattended, environment.unattended)
            combined.rules += environment.rules
            merged.environments[name] = combined
        }
        var single = self
        single.layerFloors = []
        var otherSingle = other
        otherSingle.layerFloors = []
        merged.layerFloors =
            (layerFloors.isEmpty ? [single] : layerFloors)
            + (other.layerFloors.isEmpty ? [otherSingle] : other.layerFloors)
        merged.layers = layers + other.layers
        let digest = SHA256.hash(data: Array(merged.layers.map(\.sha256).joined(separator: "\n").utf8)).hexString
        merged.source = Source(path: merged.layers.map(\.path).joined(separator: " + "), sha256: digest)
        return merged
    }

    /// The stricter of two `unlisted` settings: the higher class (classifying from annotations counts
    /// as above a fixed `read` and below a fixed `write`) and the stricter decision.
    static func stricter(_ lhs: Unlisted, _ rhs: Unlisted) -> Unlisted {
        let toolClass: ToolClass? =
            switch (lhs.toolClass, rhs.toolClass) {
            case (nil, .read?), (.read?, nil), (nil, nil): nil
            case (nil, let fixed?), (let fixed?, nil): fixed
            case (let a?, let b?): max(a, b)
            }
        let decision: Decision? =
            switch (lhs.decision, rhs.decision) {
            case (nil, let other), (let other, nil): other
            case (let a?, let b?): max(a, b)
            }
        return Unlisted(toolClass: toolClass, decision: decision)
    }
}
