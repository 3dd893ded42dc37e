import FirewallHTTP
import Testing

/// Parsing the page's answers.
struct DecisionFormTests {
    @Test func parsesAFullAnswer() throws {
        let form = try DecisionForm(
            parsing: Array(
                #"{"approval_id":"a1","binding":"b","decision":"approve","approver":"  alice ","comment":"ok\nthanks","remember":true}"#
                    .utf8))
        #expect(
            form
                == DecisionForm(
                    approvalID: "a1", binding: "b", approve: true, approver: "alice", comment: "ok\nthanks",
                    remember: true))
    }

    @Test func emptyOptionalTextCountsAsAbsent() throws {
        let form = try DecisionForm(
            parsing: Array(#"{"approval_id":"a1","binding":"b","decision":"deny","approver":" ","comment":null}"#.utf8))
        #expect(form == DecisionForm(approvalID: "a1", binding: "b", approve: false))
    }

    @Test(arguments: [
        (#"[]"#, "must be an object"),
        (#"{"approval_id":"a1","binding":"b","decision":"yes"}"#, "`decision`"),
        (#"{"approval_id":"a1","binding":"b"}"#, "`decision`"),
        (#"{"binding":"b","decision":"approve"}"#, "`approval_id`"),
        (#"{"approval_id":"a1","decision":"approve"}"#, "`binding`"),
        (#"{"approval_id":"a1","binding":"b","decision":"approve","extra":1}"#, "unknown field"),
        (#"{"approval_id":"a1","approval_id":"a2","binding":"b","decision":"approve"}"#, "not valid JSON"),
        (#"{"approval_id":"a1","binding":"b","decision":"approve","remember":"yes"}"#, "`remember`"),
        (#"{"approval_id":"a1","binding":"b","decision":"approve","approver":7}"#, "`approver` must be a string"),
        (#"{"approval_id":"a1","binding":"b","decision":"approve","approver":"a\u001b[2J"}"#, "control"),
        (#"{"approval_id":"a1","binding":"b","decision":"approve","approver":"a\u202eb"}"#, "control"),
        (#"{"approval_id":"a1","binding":"b","decision":"approve","approver":"a\nb"}"#, "control"),
        (#"{"approval_id":"a1","binding":"b","decision":"approve""#, "not valid JSON"),
    ])
    func refusesMalformedAnswers(body: String, problem: String) {
        #expect {
            try DecisionForm(parsing: Array(body.utf8))
        } throws: { error in
            "\(error)".contains(problem)
        }
    }

    @Test func boundsTextAndBodySize() {
        let name = String(repeating: "n", count: DecisionForm.maxApproverLength + 1)
        #expect(throws: DecisionForm.Problem.self) {
            try DecisionForm(
                parsing: Array(#"{"approval_id":"a1","binding":"b","decision":"approve","approver":"\#(name)"}"#.utf8))
        }
        let comment = String(repeating: "c", count: DecisionForm.maxCommentLength + 1)
        #expect(throws: DecisionForm.Problem.self) {
            try DecisionForm(
                parsing: Array(#"{"approval_id":"a1","binding":"b","decision":"approve","comment":"\#(comment)"}"#.utf8)
            )
        }
        let padding = String(repeating: " ", count: DecisionForm.maxBodyBytes)
        #expect(throws: DecisionForm.Problem(description: "the answer is too large")) {
            try DecisionForm(parsing: Array(#"{"approval_id":"a1","binding":"b","decision":"deny"}\#(padding)"#.utf8))
        }
    }
}
