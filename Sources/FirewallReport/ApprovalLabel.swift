/// The plain-language answer to "who let this call through?", with a kind that picks its colour and icon.
///
/// Built from a `decision` record alone: `decided_by`, `approval.outcome`, `approval.unattended`, the rule,
/// and the session's environment (from `session_start`).
package struct ApprovalLabel: Sendable, Hashable {
    /// The family a label belongs to; each has a colour, an icon and a word, so colour is never the only cue.
    package enum Kind: Int, Sendable, CaseIterable {
        case approvedByHuman
        case approvedByClient
        case autoAllowed
        case unattendedAllowed
        case denied
        case declined
        case timedOut
        case cancelled
        case unattendedDenied
        case unrecorded

        /// A stable machine name (JSON output, CSS hooks).
        package var name: String {
            switch self {
            case .approvedByHuman: "approved_by_human"
            case .approvedByClient: "approved_by_client"
            case .autoAllowed: "auto_allowed"
            case .unattendedAllowed: "unattended_allowed"
            case .denied: "denied"
            case .declined: "declined"
            case .timedOut: "timed_out"
            case .cancelled: "cancelled"
            case .unattendedDenied: "unattended_denied"
            case .unrecorded: "unrecorded"
            }
        }

        /// The short word shown in the badge next to the icon.
        package var badge: String {
            switch self {
            case .approvedByHuman: "approved"
            case .approvedByClient: "client-approved"
            case .autoAllowed: "auto"
            case .unattendedAllowed, .unattendedDenied: "unattended"
            case .denied: "denied"
            case .declined: "declined"
            case .timedOut: "timed out"
            case .cancelled: "cancelled"
            case .unrecorded: "unknown"
            }
        }

        /// A text symbol for the badge (a glyph common fonts have, not an image or an emoji).
        package var icon: String {
            switch self {
            case .approvedByHuman: "✔"
            case .approvedByClient: "☑"
            case .autoAllowed: "⚙"
            case .unattendedAllowed: "⚠"
            case .denied: "⊘"
            case .declined: "✘"
            case .timedOut: "◷"
            case .cancelled: "⊖"
            case .unattendedDenied: "⚠"
            case .unrecorded: "?"
            }
        }

        /// The colour family (a CSS class): `ok`, `auto`, `warn`, `bad` or `muted`.
        package var tone: String {
            switch self {
            case .approvedByHuman: "ok"
            case .autoAllowed: "auto"
            case .approvedByClient, .unattendedAllowed: "warn"
            case .denied, .declined, .timedOut, .unattendedDenied: "bad"
            case .cancelled, .unrecorded: "muted"
            }
        }
    }

    /// The family, which picks the badge.
    package var kind: Kind
    /// The plain-language sentence ("approved by human `alice` via terminal, 12 s wait").
    package var text: String

    /// A label with the given kind and sentence.
    package init(kind: Kind, text: String) {
        self.kind = kind
        self.text = text
    }

    /// The label for a decision, in `environment`; `timeoutMilliseconds` comes from its `approval_requested`.
    package init(_ facts: DecisionFacts, environment: String?, timeoutMilliseconds: Int? = nil) {
        let channel = facts.approverChannel ?? "an unknown channel"
        switch facts.approvalOutcome {
        case "approved"?:
            let wait = facts.waitMilliseconds.map { ", \(Self.duration($0)) wait" } ?? ""
            if facts.approverKind == "human" {
                let who = facts.approverIdentity.map { "`\($0)`" } ?? "(identity not recorded)"
                self.init(kind: .approvedByHuman, text: "approved by human \(who) via \(channel)\(wait)")
            } else {
                self.init(kind: .approvedByClient, text: "approved via client \(channel) (human not verified)\(wait)")
            }
        case "declined"?:
            let after = facts.waitMilliseconds.map { " after \(Self.duration($0))" } ?? ""
            let who =
                facts.approverKind == "human"
                ? "by human \(facts.approverIdentity.map { "`\($0)`" } ?? "(identity not recorded)") via \(channel)"
                : "via client \(channel) (human not verified)"
            self.init(kind: .declined, text: "declined \(who)\(after)")
        case "timeout"?:
            let limit = timeoutMilliseconds ?? facts.waitMilliseconds
            self.init(kind: .timedOut, text: "timed out after \(limit.map(Self.duration) ?? "the approval timeout")")
        case "cancelled"?:
            let detail = facts.approvalDetail.map { ": \($0)" } ?? ""
            let who = facts.approverKind == "client" ? "cancelled by the client" : "cancelled"
            self.init(kind: .cancelled, text: who + detail)
        case "unattended"?:
            self.init(unattended: facts, environment: environment)
        case let other?:
            let detail = facts.approvalDetail.map { " (\($0))" } ?? ""
            let kind: Kind = facts.decision == .allow ? .approvedByClient : .denied
            self.init(kind: kind, text: "approval \(other)\(detail)")
        case nil:
            self.init(policyOnly: facts)
        }
    }

    private init(unattended facts: DecisionFacts, environment: String?) {
        let place = environment.map { " in \($0)" } ?? ""
        let setting = facts.unattendedSetting ?? (facts.decision == .allow ? "allow" : "deny")
        let crowded = facts.approvalDetail?.contains("too many calls") == true
        switch setting {
        case "allow" where facts.decision != .deny:
            self.init(kind: .unattendedAllowed, text: "unattended: allowed\(place) without an approver")
        case "fail":
            self.init(kind: .unattendedDenied, text: "unattended: denied\(place), session failed")
        default:
            let why = crowded ? " (too many calls waiting for approval)" : ""
            self.init(kind: .unattendedDenied, text: "unattended: denied\(place)\(why)")
        }
    }

    private init(policyOnly facts: DecisionFacts) {
        let cited = facts.rule.map { $0.citation }
        let source: String
        switch facts.decisionSource {
        case "rule"?:
            source = cited.map { "by rule \($0)" } ?? "by a rule"
        case "class_default"?:
            let scope = facts.toolClass.map { "the \($0.rawValue) default" } ?? "the class default"
            source = "by \(scope)" + (facts.rule.map { " (class from rule \($0.inlineCitation))" } ?? "")
        case "unlisted"?:
            source = "by the policy's setting for unlisted tools"
        case "evaluation_error"?:
            source = "because the policy could not evaluate rule \(cited ?? "(unknown)")"
        default:
            source = cited.map { "by rule \($0)" } ?? "by the policy"
        }
        switch facts.decision {
        case .allow?:
            self.init(kind: .autoAllowed, text: "auto-allowed for the model \(source)")
        case .deny?, .confirm?:
            self.init(kind: .denied, text: "denied \(source)")
        case nil:
            self.init(kind: .unrecorded, text: "no decision recorded")
        }
    }

    /// "850 ms", "12 s", "120 s": whole seconds from one second up.
    package static func duration(_ milliseconds: Int) -> String {
        milliseconds < 1000 ? "\(max(milliseconds, 0)) ms" : "\(Int((Double(milliseconds) / 1000).rounded())) s"
    }

    /// The label of a call recorded by a tool that decides nothing (mcp-audit-trail forwards every call).
    package static let notDecided = ApprovalLabel(
        kind: .unrecorded, text: "no decision recorded: mcp-audit-trail forwards every call unchecked")
}
