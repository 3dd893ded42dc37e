import FirewallCore
import FirewallReport
import Testing

/// Every label kind, from crafted decision facts.
struct ApprovalLabelTests {
    private static let rule = DecisionFacts.RuleReference(name: "update_*", file: "policies/x.yaml", line: 14)

    @Test func humanApprovalNamesThePersonTheChannelAndTheWait() {
        let facts = DecisionFacts(
            tool: "update_salary", toolClass: .write, policyDecision: .confirm, decision: .allow,
            approverKind: "human", approverChannel: "web page", approverIdentity: "alice", approvalOutcome: "approved",
            waitMilliseconds: 12_400)
        let label = ApprovalLabel(facts, environment: "dev")
        #expect(label.kind == .approvedByHuman)
        #expect(label.text == "approved by human `alice` via web page, 12 s wait")
    }

    @Test func clientApprovalSaysTheHumanIsNotVerified() {
        let facts = DecisionFacts(
            tool: "t", policyDecision: .confirm, decision: .allow, approverKind: "client",
            approverChannel: "elicitation", approvalOutcome: "approved", waitMilliseconds: 300)
        let label = ApprovalLabel(facts, environment: nil)
        #expect(label.kind == .approvedByClient)
        #expect(label.text == "approved via client elicitation (human not verified), 300 ms wait")
    }

    @Test func policyAllowCitesTheRule() {
        let facts = DecisionFacts(
            tool: "update_salary", toolClass: .write, policyDecision: .allow, decision: .allow, decisionSource: "rule",
            rule: Self.rule, approverKind: "policy", approverChannel: "policy")
        let label = ApprovalLabel(facts, environment: "dev")
        #expect(label.kind == .autoAllowed)
        #expect(label.text == "auto-allowed for the model by rule `update_*` (policies/x.yaml:14)")
    }

    @Test func classDefaultAllowSaysWhichDefaultAndWhereTheClassCameFrom() {
        let facts = DecisionFacts(
            tool: "get", toolClass: .read, policyDecision: .allow, decision: .allow, decisionSource: "class_default",
            rule: Self.rule)
        #expect(
            ApprovalLabel(facts, environment: nil).text
                == "auto-allowed for the model by the read default (class from rule `update_*`, policies/x.yaml:14)")
    }

    @Test func ruleDenialCitesTheRule() {
        let facts = DecisionFacts(
            tool: "delete", toolClass: .sensitive, policyDecision: .deny, decision: .deny, decisionSource: "rule",
            rule: Self.rule, approverKind: "policy")
        let label = ApprovalLabel(facts, environment: nil)
        #expect(label.kind == .denied)
        #expect(label.text == "denied by rule `update_*` (policies/x.yaml:14)")
    }

    @Test func evaluationErrorSaysThePolicyFailedClosed() {
        let facts = DecisionFacts(
            tool: "t", policyDecision: .deny, decision: .deny, decisionSource: "evaluation_error", rule: Self.rule)
        #expect(
            ApprovalLabel(facts, environment: nil).text
                == "denied because the policy could not evaluate rule `update_*` (policies/x.yaml:14)")
    }

    @Test func unlistedSettingIsNamed() {
        let facts = DecisionFacts(tool: "t", policyDecision: .deny, decision: .deny, decisionSource: "unlisted")
        #expect(ApprovalLabel(facts, environment: nil).text == "denied by the policy's setting for unlisted tools")
    }

    @Test func timeoutUsesTheRequestedTimeout() {
        let facts = DecisionFacts(
            tool: "t", policyDecision: .confirm, decision: .deny, approverKind: "policy", approverChannel: "terminal",
            approvalOutcome: "timeout", waitMilliseconds: 120_003)
        let label = ApprovalLabel(facts, environment: nil, timeoutMilliseconds: 120_000)
        #expect(label.kind == .timedOut)
        #expect(label.text == "timed out after 120 s")
        #expect(ApprovalLabel(facts, environment: nil).text == "timed out after 120 s", "falls back to the wait")
    }

    @Test func declineNamesWhoDeclined() {
        let facts = DecisionFacts(
            tool: "t", policyDecision: .confirm, decision: .deny, approverKind: "human", approverChannel: "terminal",
            approverIdentity: "bob", approvalOutcome: "declined", waitMilliseconds: 4000)
        let label = ApprovalLabel(facts, environment: nil)
        #expect(label.kind == .declined)
        #expect(label.text == "declined by human `bob` via terminal after 4 s")
    }

    @Test func cancellationsSayWhoCancelled() {
        var facts = DecisionFacts(
            tool: "t", policyDecision: .confirm, decision: .deny, approverKind: "client", approverChannel: "terminal",
            approvalOutcome: "cancelled", approvalDetail: "the client disconnected")
        #expect(ApprovalLabel(facts, environment: nil).kind == .cancelled)
        #expect(ApprovalLabel(facts, environment: nil).text == "cancelled by the client: the client disconnected")
        facts.approverKind = "policy"
        facts.approvalDetail = "approval interrupted"
        #expect(ApprovalLabel(facts, environment: nil).text == "cancelled: approval interrupted")
    }

    @Test(arguments: [
        ("deny", "deny", "unattended: denied in ci", ApprovalLabel.Kind.unattendedDenied),
        ("fail", "deny", "unattended: denied in ci, session failed", .unattendedDenied),
        ("allow", "allow", "unattended: allowed in ci without an approver", .unattendedAllowed),
    ])
    func unattendedLabelsNameTheSettingAndEnvironment(
        setting: String, final: String, text: String, kind: ApprovalLabel.Kind
    ) {
        let facts = DecisionFacts(
            tool: "t", policyDecision: .confirm, decision: Decision(rawValue: final), approverKind: "policy",
            approverChannel: "none", approvalOutcome: "unattended", unattendedSetting: setting)
        let label = ApprovalLabel(facts, environment: "ci")
        #expect(label.kind == kind)
        #expect(label.text == text)
    }

    @Test func olderUnattendedRecordsWithoutTheSettingReadAsDenied() {
        let facts = DecisionFacts(
            tool: "t", policyDecision: .confirm, decision: .deny, approvalOutcome: "unattended",
            approvalDetail: "too many calls waiting for approval")
        #expect(
            ApprovalLabel(facts, environment: nil).text
                == "unattended: denied (too many calls waiting for approval)")
    }

    @Test func grantedCallNamesTheRememberedApprovalAndItsFirstApprover() {
        let facts = DecisionFacts(
            tool: "update_salary", toolClass: .write, policyDecision: .confirm, decision: .allow,
            approverKind: "human", approverChannel: "web", approverIdentity: "alice", approvalOutcome: "approved",
            waitMilliseconds: 0, approvalID: "approval-7", grantID: "approval-3")
        let label = ApprovalLabel(facts, environment: nil)
        #expect(label.kind == .approvedByHuman)
        #expect(label.text == "approved under remembered approval approval-3 (first approved by human `alice` via web)")
    }

    @Test func grantFromTheClientStaysAClientApproval() {
        let facts = DecisionFacts(
            tool: "t", policyDecision: .confirm, decision: .allow, approverKind: "client",
            approverChannel: "elicitation", approverIdentity: "modern-client 2", approvalOutcome: "approved",
            grantID: "approval-1")
        let label = ApprovalLabel(facts, environment: nil)
        #expect(label.kind == .approvedByClient)
        #expect(
            label.text
                == "approved under remembered approval approval-1 (first approved via client elicitation "
                + "`modern-client 2`, human not verified)")
    }

    @Test func approvalThatCreatedAGrantSaysWhatItCoversAndForHowLong() {
        var facts = DecisionFacts(
            tool: "t", policyDecision: .confirm, decision: .allow, approverKind: "human", approverChannel: "terminal",
            approverIdentity: "bob", approvalOutcome: "approved", waitMilliseconds: 2000,
            createdGrant: .init(id: "approval-2", expiry: .session, boundArguments: ["employee_id"]))
        #expect(
            ApprovalLabel(facts, environment: nil).text
                == "approved by human `bob` via terminal, 2 s wait; remembered for later calls with the same "
                + "employee_id for the rest of the session")
        facts.createdGrant = .init(id: "approval-2", expiry: .at("2026-11-26T10:00:00.000000Z"))
        #expect(
            ApprovalLabel(facts, environment: nil).text
                == "approved by human `bob` via terminal, 2 s wait; remembered for later calls to the tool until "
                + "2026-11-26T10:00:00.000000Z")
    }

    @Test(
        arguments: [
            (
                "the requestState was already used: an approval covers one call",
                "refused: the requestState was already used: an approval covers one call"
            ),
            (nil, "refused: the client's answer could not be trusted"),
        ] as [(String?, String)])
    func invalidAnswerIsARefusal(detail: String?, text: String) {
        let facts = DecisionFacts(
            tool: "t", policyDecision: .confirm, decision: .deny, approverKind: "policy",
            approverChannel: "elicitation", approvalOutcome: "invalid", approvalDetail: detail, waitMilliseconds: 900,
            approvalID: "approval-1")
        let label = ApprovalLabel(facts, environment: nil)
        #expect(label.kind == .denied)
        #expect(label.text == text)
    }

    @Test func approverCommentEndsTheLabelOnOneLine() {
        var facts = DecisionFacts(
            tool: "t", policyDecision: .confirm, decision: .allow, approverKind: "human", approverChannel: "web",
            approverIdentity: "alice", approvalOutcome: "approved", waitMilliseconds: 3000,
            approverComment: "ok for Q3\nsee <ticket>\u{2028}HR-7")
        #expect(
            ApprovalLabel(facts, environment: nil).text
                == "approved by human `alice` via web, 3 s wait; comment: “ok for Q3 see <ticket> HR-7”")
        facts.approvalOutcome = "declined"
        facts.decision = .deny
        #expect(
            ApprovalLabel(facts, environment: nil).text
                == "declined by human `alice` via web after 3 s; comment: “ok for Q3 see <ticket> HR-7”")
        facts.approverComment = String(repeating: "x", count: 400)
        let long = ApprovalLabel(facts, environment: nil).text
        #expect(long.hasSuffix("… (400 bytes in all)”"), "a long comment is cut short: \(long)")
        facts.approverComment = " \n "
        #expect(!ApprovalLabel(facts, environment: nil).text.contains("comment"), "a blank comment is no comment")
    }

    @Test func elicitationIsNeverShownAsAProvenHuman() {
        var facts = DecisionFacts(
            tool: "t", policyDecision: .confirm, decision: .allow, approverKind: "client",
            approverChannel: "elicitation", approverIdentity: "Claude 1.0", approvalOutcome: "approved",
            waitMilliseconds: 300)
        #expect(ApprovalLabel(facts, environment: nil).kind == .approvedByClient)
        #expect(
            ApprovalLabel(facts, environment: nil).text
                == "approved via client elicitation `Claude 1.0` (human not verified), 300 ms wait")
        facts.approverKind = "human"
        #expect(ApprovalLabel(facts, environment: nil).kind == .approvedByClient, "a record claiming a human")
        #expect(ApprovalLabel(facts, environment: nil).text.contains("(human not verified)"))
    }

    @Test func hookDenialNamingNobodyIsNotCalledAClient() {
        let facts = DecisionFacts(
            tool: "t", policyDecision: .confirm, decision: .deny, approverKind: "policy", approverChannel: "webhook",
            approvalOutcome: "declined", approvalDetail: "declined by the webhook (no approver named)",
            waitMilliseconds: 2000)
        #expect(ApprovalLabel(facts, environment: nil).text == "declined via webhook (no approver named) after 2 s")
    }

    @Test func expiredQuestionWithoutAWaitSaysWhy() {
        let facts = DecisionFacts(
            tool: "t", policyDecision: .confirm, decision: .deny, approverKind: "policy",
            approverChannel: "elicitation", approvalOutcome: "timeout",
            approvalDetail: "the approval question expired 3 s before the retry", waitMilliseconds: 0)
        #expect(
            ApprovalLabel(facts, environment: nil).text
                == "timed out: the approval question expired 3 s before the retry")
    }

    @Test func firstRoundOfATwoRoundConfirmationSaysWhetherItWasAnswered() {
        let answered = ApprovalLabel.inputRequired(approvalID: "approval-3", answeredBy: 4)
        #expect(answered.kind == .inputRequired)
        #expect(answered.text == "asked the client to confirm (input required); answered by the retry, call 4")
        let never = ApprovalLabel.inputRequired(approvalID: "approval-6", answeredBy: nil)
        #expect(never.kind == .inputRequired)
        #expect(
            never.text
                == "asked the client to confirm (input required); never answered (no retry in the log answers "
                + "approval-6)")
        #expect(ApprovalLabel.inputRequired(approvalID: "approval-3").text.contains("as approval-3"))
        #expect(ApprovalLabel.Kind.inputRequired.tone == "muted", "neither allowed nor denied")
    }

    @Test func missingDecisionIsUnrecorded() {
        #expect(ApprovalLabel(DecisionFacts(tool: "t"), environment: nil).kind == .unrecorded)
    }

    @Test func everyKindHasAnIconAndAWordBesidesItsColour() {
        for kind in ApprovalLabel.Kind.allCases {
            #expect(!kind.icon.isEmpty && !kind.badge.isEmpty && !kind.tone.isEmpty, "\(kind)")
        }
        #expect(Set(ApprovalLabel.Kind.allCases.map(\.name)).count == ApprovalLabel.Kind.allCases.count)
    }

    @Test(arguments: [(0, "0 ms"), (999, "999 ms"), (1000, "1 s"), (12_499, "12 s"), (120_000, "120 s")])
    func durationsReadNaturally(milliseconds: Int, text: String) {
        #expect(ApprovalLabel.duration(milliseconds) == text)
    }
}
