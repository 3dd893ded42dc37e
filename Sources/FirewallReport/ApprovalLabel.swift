/// The plain-language answer to "who let this call through?", with a kind that picks its colour and icon.
///
/// Built from a `decision` record alone: `decided_by` (with its comment), `approval.outcome`, `approval.unattended`,
/// `approval.grant_id` and `approval.grant`, the rule, and the session's environment (from `session_start`). An
/// answer that came through the MCP client is never shown as a person's.
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
        /// A 2026-07-28 first round: the proxy answered `input_required` and asked the client; the client's
        /// retry (a new call) carries the answer and gets the decision.
        case inputRequired

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
            case .inputRequired: "input_required"
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
            case .inputRequired: "asked client"
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
            case .inputRequired: "↻"
            }
        }

        /// The colour family (a CSS class): `ok`, `auto`, `warn`, `bad` or `muted`.
        package var tone: String {
            switch self {
            case .approvedByHuman: "ok"
            case .autoAllowed: "auto"
            case .approvedByClient, .unattendedAllowed: "warn"
            case .denied, .declined, .timedOut, .unattendedDenied: "bad"
            case .cancelled, .unrecorded, .inputRequired: "muted"
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
    ///
    /// An approver's comment, when recorded, ends the sentence (on one line, cut short when long).
    package init(_ facts: DecisionFacts, environment: String?, timeoutMilliseconds: Int? = nil) {
        self.init(outcome: facts, environment: environment, timeoutMilliseconds: timeoutMilliseconds)
        if let comment = facts.approverComment.map(Self.oneLine), !comment.isEmpty {
            text += "; comment: “\(comment)”"
        }
    }

    private init(outcome facts: DecisionFacts, environment: String?, timeoutMilliseconds: Int?) {
        let approver = ApproverPhrase(facts)
        switch facts.approvalOutcome {
        case "approved"? where facts.grantID != nil:
            let first = "first approved \(approver.who)" + (approver.caveat.map { ", \($0)" } ?? "")
            self.init(
                kind: approver.isHuman ? .approvedByHuman : .approvedByClient,
                text: "approved under remembered approval \(facts.grantID ?? "") (\(first))")
        case "approved"?:
            let wait = facts.waitMilliseconds.map { ", \(Self.duration($0)) wait" } ?? ""
            let remembered = facts.createdGrant.map(Self.remembered) ?? ""
            self.init(
                kind: approver.isHuman ? .approvedByHuman : .approvedByClient,
                text: "approved \(approver.who)\(approver.caveat.map { " (\($0))" } ?? "")\(wait)\(remembered)")
        case "declined"?:
            let after = facts.waitMilliseconds.map { " after \(Self.duration($0))" } ?? ""
            self.init(
                kind: .declined,
                text: "declined \(approver.who)\(approver.caveat.map { " (\($0))" } ?? "")\(after)")
        case "timeout"?:
            let limit = timeoutMilliseconds ?? facts.waitMilliseconds.flatMap { $0 > 0 ? $0 : nil }
            if let limit {
                self.init(kind: .timedOut, text: "timed out after \(Self.duration(limit))")
            } else if let detail = facts.approvalDetail {
                self.init(kind: .timedOut, text: "timed out: \(detail)")
            } else {
                self.init(kind: .timedOut, text: "timed out after the approval timeout")
            }
        case "cancelled"?:
            let detail = facts.approvalDetail.map { ": \($0)" } ?? ""
            let who = facts.approverKind == "client" ? "cancelled by the client" : "cancelled"
            self.init(kind: .cancelled, text: who + detail)
        case "unattended"?:
            self.init(unattended: facts, environment: environment)
        case "invalid"?:
            self.init(
                kind: .denied, text: "refused: \(facts.approvalDetail ?? "the client's answer could not be trusted")")
        case let other?:
            let detail = facts.approvalDetail.map { " (\($0))" } ?? ""
            let kind: Kind = facts.decision == .allow ? .approvedByClient : .denied
            self.init(kind: kind, text: "approval \(other)\(detail)")
        case nil:
            self.init(policyOnly: facts)
        }
    }

    /// Who answered, in the words the labels use. Only `human` on a channel the proxy owns is a person;
    /// an answer through the client (`elicitation`) never is, whatever the record claims.
    private struct ApproverPhrase {
        var isHuman: Bool
        /// "by human `alice` via web", "via client elicitation `Claude 1.0`", "via webhook".
        var who: String
        /// What the reader must keep in mind: "human not verified", "no approver named".
        var caveat: String?

        init(_ facts: DecisionFacts) {
            let channel = facts.approverChannel ?? "an unknown channel"
            switch facts.approverKind {
            case "human"? where channel != "elicitation":
                isHuman = true
                who = "by human \(facts.approverIdentity.map { "`\($0)`" } ?? "(identity not recorded)") via \(channel)"
                caveat = nil
            case "policy"?, nil:
                isHuman = false
                who = "via \(channel)"
                caveat = channel == "elicitation" ? "human not verified" : "no approver named"
            default:
                isHuman = false
                who = "via client \(channel)" + (facts.approverIdentity.map { " `\($0)`" } ?? "")
                caveat = "human not verified"
            }
        }
    }

    /// "; remembered for later calls with the same employee_id until 2026-…Z".
    private static func remembered(_ grant: DecisionFacts.GrantFacts) -> String {
        let bound = grant.boundArguments.prefix(5).map { SafeText.capped(oneLine($0), limit: 60) }
        var scope =
            bound.isEmpty ? "later calls to the tool" : "later calls with the same " + bound.joined(separator: ", ")
        if grant.boundArguments.count > bound.count {
            scope += " (and \(grant.boundArguments.count - bound.count) more)"
        }
        switch grant.expiry {
        case .session: return "; remembered for \(scope) for the rest of the session"
        case .at(let time): return "; remembered for \(scope) until \(time)"
        case .notRecorded: return "; remembered for \(scope)"
        }
    }

    /// `text` on one line (control characters and line breaks become spaces), cut to 300 bytes.
    static func oneLine(_ text: String) -> String {
        var line = ""
        line.unicodeScalars.append(
            contentsOf: text.unicodeScalars.map { scalar in
                switch scalar.properties.generalCategory {
                case .control, .lineSeparator, .paragraphSeparator: " "
                default: scalar
                }
            })
        let trimmed = line.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()
        return SafeText.capped(String(trimmed), limit: 300)
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

    /// The timeline label of a 2026-07-28 first round, written before its retry can be in the log.
    package static func inputRequired(approvalID: String?) -> ApprovalLabel {
        ApprovalLabel(
            kind: .inputRequired,
            text: "asked the client to confirm (input required)\(approvalID.map { " as \($0)" } ?? "");"
                + " the answer, if any, comes with the client's retry (a new call)")
    }

    /// The Approvals label of a 2026-07-28 first round: the retry that answered it, or that none did.
    package static func inputRequired(approvalID: String?, answeredBy call: Int?) -> ApprovalLabel {
        let asked = "asked the client to confirm (input required)"
        guard let call else {
            let cited = approvalID.map { "no retry in the log answers \($0)" } ?? "no approval id recorded"
            return ApprovalLabel(kind: .inputRequired, text: "\(asked); never answered (\(cited))")
        }
        return ApprovalLabel(kind: .inputRequired, text: "\(asked); answered by the retry, call \(call)")
    }

    /// The label of a call recorded by a tool that decides nothing (mcp-audit-trail forwards every call).
    package static let notDecided = ApprovalLabel(
        kind: .unrecorded, text: "no decision recorded: mcp-audit-trail forwards every call unchecked")
}
