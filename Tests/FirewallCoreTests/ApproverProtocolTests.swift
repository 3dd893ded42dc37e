import Foundation
import Testing

@testable import FirewallCore

/// The lines proxies and the machine's approver exchange, with no socket.
struct ApproverProtocolTests {
    static func request(id: String = "a-1") throws -> ApprovalRequest {
        let policy = try loadPolicy("version: 1\ntools:\n  - name: update_salary\n    decision: confirm\n")
        let arguments: JSONValue = .object([.init("employee_id", .string("E-1")), .init("new_salary", .number("1e3"))])
        return ApprovalRequest(
            id: id, tool: "update_salary", arguments: arguments,
            decision: policy.evaluate(tool: "update_salary", arguments: arguments, annotations: nil),
            server: "/usr/bin/example-hr-server", policySHA256: "feed", requestedAt: 1_700_000_000,
            deadline: 1_700_000_120.5, remember: .session, run: "run-1")
    }

    @Test func aSubmissionSurvivesTheLineItTravelsIn() throws {
        let request = try Self.request()
        let sent = ApproverSubmission(request: request, label: "example-hr-server", pid: 4242)
        let line = sent.line()
        #expect(line.last == UInt8(ascii: "\n"))
        #expect(!line.dropLast().contains(UInt8(ascii: "\n")), "one message, one line")
        let received = try ApproverSubmission.parse(Array(line.dropLast()))
        #expect(received == .request(sent))
        #expect(sent.approvalID == "a-1")
        #expect(sent.binding == request.binding)
        #expect(sent.deadlineMilliseconds == 1_700_000_120_500)
        #expect(sent.request["arguments"]?["new_salary"] == .number("1e3"), "numbers keep their literal")
        #expect(try ApproverSubmission.parse(Array(ApproverSubmission.withdrawLine.dropLast())) == .withdraw)
    }

    @Test(arguments: [
        #"{"type":"answer"}"#, #"{"type":"request","version":2}"#, #"{"type":"request","version":1,"label":"x"}"#,
        "not json",
        // Numbers no Int holds are refused, not trapped on (a peer could otherwise end the approver).
        #"{"type":"request","version":1e999}"#, #"{"type":"request","version":-1e300}"#,
        #"{"type":"request","version":1,"label":"x","pid":1e300,"rule_text":"r","deadline_ms":1,"run":"r","request":{"approval_id":"a","binding":"b","tool":"t"}}"#,
        #"{"type":"request","version":1,"label":"x","pid":1,"rule_text":"r","deadline_ms":1e999,"run":"r","request":{"approval_id":"a","binding":"b","tool":"t"}}"#,
    ])
    func aLineThatIsNotARequestOrWithdrawalIsRefused(line: String) {
        #expect(throws: ApproverProtocolError.self) { try ApproverSubmission.parse(bytes(line)) }
    }

    @Test func anAnswerForThisCallApprovesWithTheTypedName() throws {
        let request = try Self.request()
        let answer = ApprovalAnswer(
            decision: .approve, approver: "alice", comment: "ok", remember: true, approvalID: request.id,
            binding: request.binding)
        let line = ApproverReply.answer(answer).line()
        let response = ApproverReply.response(parsing: Array(line.dropLast()), to: request)
        #expect(response.outcome == .approved)
        #expect(response.approver == Approver(kind: .human, channel: "approver", identity: "alice", comment: "ok"))
        #expect(response.remember)
        #expect(response.detail == "approved by alice via the approver")
    }

    @Test func anAnswerForAnotherCallOrBindingIsRefused() throws {
        let request = try Self.request()
        let other = try Self.request(id: "a-2")
        for answer in [
            ApprovalAnswer(decision: .approve, approver: "alice", approvalID: other.id, binding: request.binding),
            ApprovalAnswer(decision: .approve, approver: "alice", approvalID: request.id, binding: "0ff"),
            ApprovalAnswer(decision: .approve, approver: "alice"),
        ] {
            let response = ApproverReply.response(parsing: Array(ApproverReply.answer(answer).line()), to: request)
            #expect(response.outcome == .unattended, "\(response.detail)")
            #expect(response.approver.kind == .policy)
        }
    }

    @Test func aRefusalSaysWhy() throws {
        let response = ApproverReply.response(
            parsing: ApproverReply.refused("too many calls are waiting").line(), to: try Self.request())
        #expect(response.outcome == .unattended)
        #expect(response.detail == "the approver refused the call: too many calls are waiting")
    }

    @Test(arguments: [
        (["/usr/local/bin/example-hr-server"], "example-hr-server"),
        (["npx", "-y", "@modelcontextprotocol/server-filesystem", "/tmp"], "server-filesystem"),
        (["uvx", "mcp-server-time"], "mcp-server-time"),
        (["python3", "-m", "server.py"], "server.py"),
        ([], "server"),
    ])
    func aServerIsLabelledByItsProgramNotItsLauncher(argv: [String], label: String) {
        #expect(ServerLabel.make(argv: argv) == label)
    }
}
