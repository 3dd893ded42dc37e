/// The policy's verdict on one call, with everything the audit log and the denial message need.
package struct PolicyDecision: Sendable {
    /// Where the tool's class came from.
    package enum ClassSource: Sendable, Equatable {
        /// A rule's `class:`.
        case rule(SourceLocation)
        /// The server's `tools/list` annotations (untrusted hints).
        case annotations
        /// The tool was never listed by the server and no rule classifies it: write by default.
        case unannotated
        /// The policy's `unlisted.class`.
        case unlistedSetting

        /// Short label used in audit records: `policy`, `annotations`, `default`, `unlisted`.
        package var label: String {
            switch self {
            case .rule: "policy"
            case .annotations: "annotations"
            case .unannotated: "default"
            case .unlistedSetting: "unlisted"
            }
        }
    }

    /// Where the decision came from.
    package enum DecisionSource: Sendable, Equatable {
        /// A rule's explicit `decision:`.
        case rule
        /// The class default in `defaults:`.
        case classDefault
        /// The policy's `unlisted.decision`.
        case unlistedSetting
        /// A `when:` condition could not be evaluated: fail closed.
        case evaluationError
    }

    package var tool: String
    package var toolClass: ToolClass
    package var classSource: ClassSource
    package var decision: Decision
    package var decisionSource: DecisionSource
    /// The rule that settled the decision, when one did.
    package var rule: PolicyRule?
    /// Every rule whose name and conditions matched, in file order.
    package var matchedRules: [SourceLocation]
    package var reason: String
    package var tags: [String]

    /// The rule's name pattern that matched this tool (`update_*`), for messages and records.
    package var ruleName: String? {
        guard let rule else { return nil }
        return rule.patterns.first { $0.matches(tool) }?.source ?? rule.patternDescription
    }

    /// A one-line explanation for denial messages and logs.
    package var summary: String {
        var text = "\(decision.rawValue) \(toolClass.rawValue) tool `\(tool)`"
        if let rule {
            text += " by rule `\(ruleName ?? rule.patternDescription)` (\(rule.location.fileAndLine))"
        } else {
            text +=
                " by the \(decisionSource == .unlistedSetting ? "unlisted" : "\(toolClass.rawValue) default") setting"
        }
        return text + ": \(reason)"
    }
}
