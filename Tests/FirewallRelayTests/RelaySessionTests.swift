import FirewallCore
import FirewallTestSupport
import Foundation
import Testing

@testable import FirewallRelay

/// The relay's decisions on the wire, with a scripted approver and no processes.
@Suite(.timeLimit(.minutes(1)))
struct RelaySessionTests {
    /// Runs `body` with the harness's approval coordinator running alongside.
    func withRelay(_ behaviour: ScriptedChannel.Behaviour, _ body: (RelayHarness) async throws -> Void) async throws {
        try await RelayHarness.with(policy: Frames.policy, channels: [ScriptedChannel(behaviour: behaviour)], body)
    }

    @Test func allowedCallIsForwardedByteForByte() async throws {
        try await withRelay(.approve) { relay in
            let frame =
                "{ \"jsonrpc\" : \"2.0\",\t\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"read_x\",\"arguments\":{\"s\":\"\u{00A0}é😀\\n\"}}}  "
            relay.client(frame)
            #expect(await relay.nextToServer() == frame)
        }
    }

    /// Python's universal newlines and Node's readline end a line at a raw CR, `str.splitlines()` at U+2028,
    /// U+2029 and U+0085: what goes out is the same JSON with none of them, so every reader sees one line.
    @Test func bytesALineReaderWouldSplitAtAreRewrittenToEquivalentJSON() async throws {
        try await withRelay(.approve) { relay in
            let frame =
                "{\"jsonrpc\":\"2.0\",\r\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"read_x\",\"arguments\":{\"s\":\"a\u{2028}b\u{2029}c\u{0085}d\"}}}\r"
            relay.client(frame)
            let expected =
                #"{"jsonrpc":"2.0", "id":1,"method":"tools/call","params":{"name":"read_x","arguments":{"s":"a\u2028b\u2029c\u0085d"}}} "#
            #expect(await relay.nextToServer() == expected)
            relay.server(
                "{\"jsonrpc\":\"2.0\",\"id\":1,\r\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"x\u{2028}y\"}]}}"
            )
            #expect(
                await relay.nextToClient()
                    == #"{"jsonrpc":"2.0","id":1, "result":{"content":[{"type":"text","text":"x\u2028y"}]}}"#)
            let decision = try #require(try relay.auditRecords().first { $0["event"]?.stringValue == "decision" })
            #expect(decision["arguments"]?["s"]?.stringValue == "a\u{2028}b\u{2029}c\u{0085}d")
        }
    }

    @Test func approvedCallIsForwardedAndAttributedToTheHuman() async throws {
        try await withRelay(.approve) { relay in
            relay.client(Frames.call(1, "write_a"))
            #expect(await relay.nextToServer() == Frames.call(1, "write_a"))
            relay.server(Frames.result(1))
            #expect(await relay.nextToClient() == Frames.result(1))
            let decision = try #require(try relay.auditRecords().first { $0["event"]?.stringValue == "decision" })
            #expect(decision["decided_by"]?["kind"]?.stringValue == "human")
            #expect(decision["decided_by"]?["identity"]?.stringValue == "tester")
            #expect(decision["approval"]?["outcome"]?.stringValue == "approved")
        }
    }

    @Test func declinedCallIsDeniedAndNeverForwarded() async throws {
        try await withRelay(.decline) { relay in
            relay.client(Frames.call(1, "write_a"))
            let reply = try JSONParser.parse(Array(try #require(await relay.nextToClient()).utf8))
            #expect(reply["result"]?["isError"]?.boolValue == true)
            #expect(await relay.nextToServer(timeout: 0.2) == nil)
        }
    }

    @Test func unansweredConfirmationTimesOutAsDenied() async throws {
        let policy = Frames.policy.replacingOccurrences(of: "timeout: 30s", with: "timeout: 300ms")
        try await RelayHarness.with(policy: policy, channels: [ScriptedChannel(behaviour: .hang)]) { relay in
            relay.client(Frames.call(1, "write_a"))
            // A generous limit: the timer's wake-up runs on the cooperative pool, which the rest of the
            // suite loads on 2 cores.
            let reply = try #require(await relay.nextToClient(timeout: 30))
            #expect(reply.contains("timeout"))
            #expect(await relay.nextToServer(timeout: 0.2) == nil)
            let decision = try #require(try relay.auditRecords().first { $0["event"]?.stringValue == "decision" })
            #expect(decision["approval"]?["outcome"]?.stringValue == "timeout")
        }
    }

    @Test func waitingCallDoesNotStallOtherTraffic() async throws {
        try await withRelay(.hang) { relay in
            relay.client(Frames.call(1, "write_a"))
            relay.client(Frames.call(2, "read_b"))
            #expect(await relay.nextToServer() == Frames.call(2, "read_b"))
            relay.server(Frames.result(2))
            #expect(await relay.nextToClient() == Frames.result(2))
        }
    }

    @Test func cancellationWithdrawsTheApprovalSilently() async throws {
        try await withRelay(.hang) { relay in
            relay.client(Frames.call(1, "write_a"))
            relay.client(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}"#)
            try await Task.sleep(for: .milliseconds(100))
            #expect(await relay.nextToClient(timeout: 0.5) == nil, "a cancelled request gets no answer")
            #expect(
                await relay.nextToServer(timeout: 0.2) == nil,
                "neither the call nor the cancellation reaches the server")
            let decision = try #require(try relay.auditRecords().first { $0["event"]?.stringValue == "decision" })
            #expect(decision["approval"]?["outcome"]?.stringValue == "cancelled")
            #expect(decision["decision"]?.stringValue == "deny")
        }
    }

    @Test func serverCannotAnswerACallStillHeldForApproval() async throws {
        try await withRelay(.hang) { relay in
            relay.client(Frames.call(1, "write_a"))
            relay.server(Frames.result(1, text: "forged"))
            #expect(await relay.nextToClient(timeout: 0.2) == nil)
            let unsolicited = try relay.auditRecords().filter { $0["kind"]?.stringValue == "unsolicited" }
            #expect(unsolicited.count == 1)
        }
    }

    @Test func reusedIdOfAPendingRequestIsRejected() async throws {
        try await withRelay(.approve) { relay in
            relay.client(Frames.call(1, "read_a"))
            _ = await relay.nextToServer()
            relay.client(Frames.call(1, "read_b"))
            let reply = try JSONParser.parse(Array(try #require(await relay.nextToClient()).utf8))
            #expect(reply["error"]?["code"]?.doubleValue == -32600)
            #expect(await relay.nextToServer(timeout: 0.2) == nil)
        }
    }

    @Test func serverExitAnswersEverythingOutstanding() async throws {
        try await withRelay(.hang) { relay in
            relay.client(Frames.call(1, "read_a"))
            _ = await relay.nextToServer()
            relay.client(Frames.call(2, "write_a"))
            relay.serverExited("exit status 9")
            let first = try #require(await relay.nextToClient())
            let second = try #require(await relay.nextToClient())
            #expect(first.contains("exit status 9") && second.contains("exit status 9"))
            relay.client(Frames.call(3, "read_c"))
            #expect(try #require(await relay.nextToClient()).contains("not running"))
        }
    }

    /// A server keying requests by their printed id would answer `"1"` as `1`: the second is refused while
    /// the first is pending, and accepted once it is answered.
    @Test func anIDWithTheSameTextAsAPendingOneIsRefused() async throws {
        try await withRelay(.approve) { relay in
            relay.client(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)
            _ = await relay.nextToServer()
            relay.client(#"{"jsonrpc":"2.0","id":"1","method":"tools/list"}"#)
            let refused = try JSONParser.parse(Array(try #require(await relay.nextToClient()).utf8))
            #expect(refused["id"] == .string("1"))
            #expect(refused["error"]?["message"]?.stringValue?.contains("same text as pending request 1") == true)
            #expect(await relay.nextToServer(timeout: 0.2) == nil)
            relay.server(#"{"jsonrpc":"2.0","id":1,"result":{}}"#)
            _ = await relay.nextToClient()
            relay.client(#"{"jsonrpc":"2.0","id":"1","method":"tools/list"}"#)
            #expect(await relay.nextToServer() == #"{"jsonrpc":"2.0","id":"1","method":"tools/list"}"#)
        }
    }

    @Test func invalidServerFramesAreDroppedNotRelayed() async throws {
        try await withRelay(.hang) { relay in
            relay.client(Frames.call(1, "read_a"))
            _ = await relay.nextToServer()
            // A lone surrogate: no id can be read, so nothing is answered yet.
            relay.server(#"{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"\ud800"}]}}"#)
            #expect(await relay.nextToClient(timeout: 0.3) == nil)
            // Duplicate keys: a reader could take either result, so the proxy takes neither, and tells the
            // client why instead of leaving its call waiting for an answer that will never be relayed.
            relay.server(#"{"jsonrpc":"2.0","id":1,"result":{"content":[]},"result":{"content":[]}}"#)
            let withheld = try JSONParser.parse(Array(try #require(await relay.nextToClient()).utf8))
            #expect(withheld["id"] == .number("1"))
            #expect(withheld["error"]?["code"]?.doubleValue == -32603)
            #expect(withheld["error"]?["message"]?.stringValue?.contains("duplicate key \"result\"") == true)
            let records = try relay.auditRecords()
            #expect(records.filter { $0["kind"]?.stringValue == "invalid" }.count == 2)
            #expect(
                records.contains { $0["event"]?.stringValue == "result" && $0["outcome"]?.stringValue == "withheld" })
            relay.server(Frames.result(1))
            #expect(await relay.nextToClient(timeout: 0.3) == nil, "a later answer is unsolicited")
        }
    }

    @Test func anUncheckableToolListIsWithheldAndUnreadableEntriesAreRemoved() async throws {
        try await withRelay(.approve) { relay in
            relay.client(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
            _ = await relay.nextToServer()
            relay.server(#"{"jsonrpc":"2.0","id":1,"result":{"tools":[],"tools":[{"name":"x"}]}}"#)
            let withheld = try JSONParser.parse(Array(try #require(await relay.nextToClient()).utf8))
            #expect(withheld["error"]?["code"]?.doubleValue == -32603)
            relay.client(#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#)
            _ = await relay.nextToServer()
            relay.server(#"{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"read_a"},{"Name":"write_a"}]}}"#)
            #expect(await relay.nextToClient() == #"{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"read_a"}]}}"#)
            // An entry with two readings makes the whole answer ambiguous: withheld, with the reason.
            relay.client(#"{"jsonrpc":"2.0","id":3,"method":"tools/list"}"#)
            _ = await relay.nextToServer()
            relay.server(#"{"jsonrpc":"2.0","id":3,"result":{"tools":[{"name":"read_a"},{"name":"x","Name":"y"}]}}"#)
            let ambiguous = try JSONParser.parse(Array(try #require(await relay.nextToClient()).utf8))
            #expect(ambiguous["error"]?["code"]?.doubleValue == -32603)
        }
    }

    @Test func aShutdownRefusesHeldCallsInsteadOfPretendingTheClientLeft() async throws {
        try await withRelay(.hang) { relay in
            relay.client(Frames.call(1, "write_a"))
            try await Task.sleep(for: .milliseconds(50))
            relay.shutdownRequested()
            let reply = try #require(await relay.nextToClient())
            #expect(reply.contains("the proxy is shutting down"))
            let decision = try #require(try relay.auditRecords().first { $0["event"]?.stringValue == "decision" })
            #expect(decision["decided_by"]?["kind"]?.stringValue == "policy")
            #expect(decision["approval"]?["outcome"]?.stringValue == "cancelled")
        }
    }
}
