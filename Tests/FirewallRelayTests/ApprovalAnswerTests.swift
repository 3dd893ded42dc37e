import FirewallCore
import FirewallTestSupport
import Testing

@testable import FirewallRelay

/// Reading decision documents from hooks and webhooks: strict, attributed, fail closed.
struct ApprovalAnswerTests {
    private func respond(_ text: String, remember: ApprovalSettings.Remember = .never) throws -> ApprovalResponse {
        ApprovalAnswer.response(parsing: Array(text.utf8), to: try .fixture(remember: remember), from: .command)
    }

    @Test func approvalNamesTheHumanWhoGaveIt() throws {
        let response = try respond(#"{"decision":"approve","approver":"alice@example.com","comment":"payroll run"}"#)
        #expect(response.outcome == .approved)
        #expect(
            response.approver
                == Approver(kind: .human, channel: "command", identity: "alice@example.com", comment: "payroll run"))
        #expect(response.detail == "approved by alice@example.com via the approval hook")
        #expect(!response.remember)
    }

    @Test func denialIsDeclinedByTheNamedHuman() throws {
        let response = try ApprovalAnswer.response(
            parsing: Array(#"{"decision":"deny","approver":"bob"}"#.utf8), to: .fixture(), from: .webhook)
        #expect(response.outcome == .declined)
        #expect(response.approver == Approver(kind: .human, channel: "webhook", identity: "bob"))
        #expect(response.detail == "declined by bob via the webhook")
    }

    @Test func denialWithoutApproverIsAttributedToNobody() throws {
        let response = try respond(#"{"decision":"deny"}"#)
        #expect(response.outcome == .declined)
        #expect(response.approver == Approver(kind: .policy, channel: "command"))
        #expect(response.detail == "declined by the approval hook (no approver named)")
    }

    @Test(arguments: [
        (#"{"decision":"approve"}"#, "approves without naming an `approver`"),
        (#"{"decision":"approve","approver":"  "}"#, "approves without naming an `approver`"),
        (#"{"decision":"approve","approver":""}"#, "approves without naming an `approver`"),
        (#"{"decision":"approve","approver":"\u3164"}"#, "approves without naming an `approver`"),
        (#"{"decision":"approve","approver":"\u3164 \u00a0\u115f"}"#, "approves without naming an `approver`"),
        ("yes", "is not valid JSON: "),
        (#"{"decision":"approve","approver":"a","approver":"b"}"#, "is not valid JSON: "),
        (#"["approve"]"#, "is not a JSON object (it is an array)"),
        (#"{"decision":"approve","approver":"a","approved":true}"#, "has an unknown member `approved`"),
        (#"{"approver":"alice"}"#, "has no `decision`"),
        (#"{"decision":true,"approver":"alice"}"#, "has `decision` as a boolean, not a string"),
        (#"{"decision":"APPROVE","approver":"alice"}"#, #"has `decision` "APPROVE""#),
        (#"{"decision":"approve","approver":"alice","remember":"yes"}"#, "has `remember` as a string, not a boolean"),
        (#"{"decision":"approve","approver":["alice"]}"#, "has `approver` as an array, not a string"),
        (#"{"decision":"approve","approver":"alice\u001b[2J"}"#, "has control characters in `approver`"),
        (#"{"decision":"approve","approver":"alice\nbob"}"#, "has control characters in `approver`"),
        (#"{"decision":"approve","approver":"alice","approval_id":"approval-9"}"#, "answers approval `approval-9`"),
        (#"{"decision":"approve","approver":"alice","binding":"00"}"#, "is bound to a different call"),
    ])
    func malformedOrMismatchedAnswersFailClosed(document: String, problem: String) throws {
        let response = try respond(document)
        #expect(response.outcome == .unattended)
        #expect(response.approver == Approver(kind: .policy, channel: "command"))
        #expect(response.detail.hasPrefix("approval hook's answer \(problem)"), "\(response.detail)")
        #expect(!response.remember)
    }

    @Test func lengthsAreBounded() throws {
        let longApprover = String(repeating: "a", count: 201)
        let approver = try respond(#"{"decision":"approve","approver":"\#(longApprover)"}"#)
        #expect(approver.detail == "approval hook's answer has more than 200 characters in `approver`")
        let longComment = String(repeating: "c", count: 2001)
        let comment = try respond(#"{"decision":"deny","approver":"bob","comment":"\#(longComment)"}"#)
        #expect(comment.outcome == .unattended)
        let fits = try respond(
            #"{"decision":"approve","approver":"\#(String(repeating: "a", count: 200))","comment":"line 1\nline 2"}"#)
        #expect(fits.outcome == .approved)
        #expect(fits.approver.comment == "line 1\nline 2")
        let huge = Array(#"{"decision":"deny","comment":""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: 70000)
        #expect(throws: ApprovalAnswerError.tooLarge(huge.count)) { try ApprovalAnswer.parse(huge) }
    }

    @Test func matchingIdentifiersAreAccepted() throws {
        let request = try ApprovalRequest.fixture()
        let text =
            #"{"decision":"approve","approver":"alice","approval_id":"approval-1","binding":"\#(request.binding)"}"#
        let answer = try ApprovalAnswer.parse(Array(text.utf8))
        try answer.check(against: request, requireIdentifiers: true)
        #expect(answer.approvalID == "approval-1")
        #expect(answer.binding == request.binding)
    }

    @Test func callbacksMustNameTheApprovalAndItsBinding() throws {
        let request = try ApprovalRequest.fixture()
        let answer = try ApprovalAnswer.parse(Array(#"{"decision":"approve","approver":"alice"}"#.utf8))
        try answer.check(against: request)
        #expect(throws: ApprovalAnswerError.missing("approval_id")) {
            try answer.check(against: request, requireIdentifiers: true)
        }
    }

    @Test(arguments: [
        (ApprovalSettings.Remember.never, true, false),
        (.session, true, true),
        (.duration(.seconds(600)), true, true),
        (.session, false, false),
    ])
    func rememberIsHonouredOnlyWhenTheRequestAllowsIt(
        allowed: ApprovalSettings.Remember, asked: Bool, remembered: Bool
    ) throws {
        let response = try respond(
            #"{"decision":"approve","approver":"alice","remember":\#(asked)}"#, remember: allowed)
        #expect(response.outcome == .approved)
        #expect(response.remember == remembered)
    }

    @Test func aDenialIsNeverRemembered() throws {
        let response = try respond(#"{"decision":"deny","approver":"bob","remember":true}"#, remember: .session)
        #expect(response.outcome == .declined)
        #expect(!response.remember)
    }
}
