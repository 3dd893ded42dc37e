import FirewallCore
import Testing

/// The relay's transitions as tables: frames and events in, the actions out, with no pipes,
/// threads or sleeps. Every list is checked for write-ahead (a decision is audited before its forward).
struct RelayStateMachineTests {
    @Test func allowedCallIsAuditedBeforeItIsForwarded() throws {
        var relay = try RelayMachineDriver(policy: Wire.policy)
        #expect(
            relay.client(Wire.call(1, "read_a"))
                == [
                    "audit message client_to_server request tools/call, decision allow by policy",
                    "server \(Wire.call(1, "read_a")) [decided 1]",
                ])
        #expect(
            relay.server(Wire.result(1))
                == ["client reply(1) result", "audit message server_to_client response, result ok"])
    }

    @Test func deniedCallNeverReachesTheServer() throws {
        var relay = try RelayMachineDriver(policy: Wire.policy)
        #expect(
            relay.client(Wire.call(1, "drop_table"))
                == [
                    "audit message client_to_server request tools/call, decision deny by policy, message proxy_to_client response",
                    "client reply(1) denied",
                ])
        // A server answering the denied call is not relayed.
        #expect(relay.server(Wire.result(1)) == ["audit message server_to_client unsolicited"])
        #expect(relay.machine.sessionCounts.denied == 1)
    }

    @Test(arguments: [
        (Wire.request(1, "ping"), "id 1 is already in use by a pending request"),
        (#"{"jsonrpc":"2.0","id":"1","method":"ping"}"#, #"id "1" is the same text as pending request 1"#),
    ])
    func reusedAndTwinIDsAreRefused(second: String, reason: String) throws {
        var relay = try RelayMachineDriver(policy: Wire.policy)
        relay.client(Wire.request(1, "ping"))
        let id = reason.contains("\"1\"") ? "\"1\"" : "1"
        #expect(
            relay.client(second)
                == [
                    "audit rejection -32600", "audit message proxy_to_client error", "client reply(\(id)) error -32600",
                ])
        guard case .rejection(let record)? = relay.records.dropLast().last else {
            Issue.record("no rejection record")
            return
        }
        #expect(record.message == "Invalid request: \(reason)")
    }

    /// The race of today's relay, both orders: a request and the server's exit are separate transitions,
    /// so the request is either forwarded and answered by the exit, or refused because the server is gone.
    @Test func serverExitAfterARequestAnswersItWithAnError() throws {
        var relay = try RelayMachineDriver(policy: Wire.policy)
        relay.client(Wire.request(7, "resources/list"))
        #expect(
            relay.send(.serverExited(termination: "exit code 1"))
                == [
                    "audit message proxy_to_client error", "client reply(7) error -32000",
                    "audit session_end server exited (exit code 1)", "end server exited (exit code 1)",
                ])
    }

    @Test func serverExitBeforeARequestAnswersItWithAnError() throws {
        var relay = try RelayMachineDriver(policy: Wire.policy)
        relay.send(.clientEnded(.endOfFile))
        var actions: [RelayAction] = []
        relay.machine.receive(.serverExited(termination: "exit code 0"), at: relay.now, into: &actions)
        // Nothing reaches a server that is gone: a request after the exit is answered with an error.
        #expect(
            relay.client(Wire.request(8, "ping"))
                == [
                    "audit message client_to_server request ping", "audit message proxy_to_client error",
                    "client reply(8) error -32000",
                ])
        #expect(relay.send(.serverExited(termination: "exit code 0")).isEmpty, "a session ends once")
        guard case .endSession(let ending)? = actions.last else {
            Issue.record("no ending")
            return
        }
        #expect(ending.cause == .clientClosed(.endOfFile))
        #expect(ending.reason == "client closed its input (endOfFile)")
    }

    @Test func aCallAfterTheServerExitedIsAnsweredWithAnError() throws {
        var relay = try RelayMachineDriver(policy: Wire.policy, channels: ["terminal"])
        relay.client(Wire.call(1, "write_a"))
        // The server goes while the call waits; the approval that arrives later finds it gone.
        let exit = relay.send(.serverExited(termination: "killed by signal 9"))
        #expect(
            exit == [
                "withdraw approval-1", "audit decision deny by policy cancelled", "audit message proxy_to_client error",
                "client reply(1) error -32000", "audit session_end server exited (killed by signal 9)",
                "end server exited (killed by signal 9)",
            ])
        let late = relay.send(
            .approvalFinished(
                approvalID: "approval-1", channel: "terminal",
                response: .init(outcome: .approved, approver: .init(kind: .human, channel: "terminal"), detail: "y")))
        #expect(late.isEmpty)
    }

    @Test func unsolicitedAndProxyIDAnswersAreDropped() throws {
        var relay = try RelayMachineDriver(policy: Wire.policy)
        #expect(relay.server(Wire.result(99)) == ["audit message server_to_client unsolicited"])
        let proxyID = #"{"jsonrpc":"2.0","id":"\#(RelayMachineDriver.prefix)-1","method":"roots/list"}"#
        #expect(relay.server(proxyID) == ["audit message server_to_client dropped roots/list"])
        // A server request of its own id space is relayed, unsolicited.
        #expect(
            relay.server(#"{"jsonrpc":"2.0","id":5,"method":"roots/list"}"#)
                == ["client unsolicited roots/list", "audit message server_to_client request roots/list"])
    }

    @Test func toolListIsFilteredAndAnnotationsLearned() throws {
        var relay = try RelayMachineDriver(policy: Wire.policy)
        relay.client(Wire.request(1, "tools/list"))
        let list =
            #"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"read_a","inputSchema":{}},{"name":"drop_b","inputSchema":{}}]}}"#
        #expect(
            relay.server(list)
                == [
                    "client reply(1) result",
                    "audit message server_to_client response, tools_listed 2 tools, 0 unmatched",
                ])
        let sent = String(decoding: try #require(relay.lastFrame(toClient: true)), as: UTF8.self)
        #expect(sent.contains("read_a") && !sent.contains("drop_b"))
        #expect(relay.machine.sessionCounts.toolsHidden == 1)
    }

    @Test func theFirstCompleteToolListIsRecordedOnceAndRulesNamingNoListedToolAreWarned() throws {
        let policy = Wire.policy + "\n  - name: [udpate_salary, read_a]\n    class: write\n"
        var relay = try RelayMachineDriver(policy: policy)
        relay.client(Wire.request(1, "tools/list"))
        let first =
            #"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"read_a","inputSchema":{}}],"nextCursor":"p2"}}"#
        #expect(relay.server(first) == ["client reply(1) result", "audit message server_to_client response"])
        relay.client(Wire.request(2, "tools/list"))
        let before = relay.log.count
        let last =
            #"{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"update_salary","inputSchema":{}},{"name":"drop_b","inputSchema":{}}],"nextCursor":null}}"#
        #expect(
            relay.server(last)
                == [
                    "client reply(2) result",
                    "audit message server_to_client response, tools_listed 3 tools, 1 unmatched",
                ])
        let warnings = relay.log[before...].compactMap { action -> String? in
            guard case .log(let line) = action, line.level == .warning else { return nil }
            return line.message
        }
        #expect(
            warnings == [
                "test.yaml:11:5: rule names `udpate_salary`, which the server does not list; did you mean `update_salary`?"
            ])
        guard case .toolsListed(let listed)? = relay.records.last else {
            Issue.record("no tools_listed record")
            return
        }
        #expect(listed.tools == ["read_a", "update_salary", "drop_b"])
        #expect(listed.hidden == ["drop_b"])
        // Later listings (after list_changed, say) are filtered as ever, not recorded again.
        relay.client(Wire.request(3, "tools/list"))
        #expect(relay.server(last.replacingOccurrences(of: #""id":2"#, with: #""id":3"#)).count == 2)
        #expect(relay.records.filter { if case .toolsListed = $0 { true } else { false } }.count == 1)
    }

    @Test func anUnreadableToolListIsWithheldWithAnError() throws {
        var relay = try RelayMachineDriver(policy: Wire.policy)
        relay.client(Wire.request(1, "tools/list"))
        #expect(
            relay.server(#"{"jsonrpc":"2.0","id":1,"result":{"tools":"none"}}"#)
                == [
                    "client reply(1) error -32603",
                    "audit message server_to_client withheld, message proxy_to_client error",
                ])
    }

    @Test func auditFailureTakesBackTheForwardAndDeniesLaterCalls() throws {
        var relay = try RelayMachineDriver(policy: Wire.policy)
        relay.client(Wire.call(1, "read_a"))
        // The executor could not write the decision, so it did not forward call 1.
        #expect(
            relay.send(.auditFailed(reason: "disk full", unsent: [.number("1")]))
                == ["audit message proxy_to_client response", "client reply(1) denied"])
        // The server never saw call 1: an answer for it is unsolicited.
        #expect(relay.server(Wire.result(1)) == ["audit message server_to_client unsolicited"])
        #expect(
            relay.client(Wire.call(2, "read_a")) == [
                "audit message proxy_to_client response", "client reply(2) denied",
            ])
        let denial = String(decoding: try #require(relay.lastFrame(toClient: true)), as: UTF8.self)
        #expect(denial.contains("disk full") && denial.contains("No call runs unaudited"))
    }

    @Test func manyCallsInOneReadAreDecidedInOrderEachBeforeItsForward() throws {
        var relay = try RelayMachineDriver(policy: Wire.policy)
        let calls = (1...64).map { Wire.call($0, "read_a") }
        var actions: [RelayAction] = []
        relay.machine.receive(
            .clientFrames(calls.compactMap { RelayStateMachine.clientInput(Array($0.utf8)) }), at: relay.now,
            into: &actions)
        RelayMachineDriver.expectWriteAhead(actions, sourceLocation: #_sourceLocation)
        let forwarded = actions.compactMap { action -> String? in
            if case .sendToServer(let frame, _) = action { String(decoding: frame, as: UTF8.self) } else { nil }
        }
        #expect(forwarded == calls)
        #expect(relay.machine.sessionCounts.allowed == 64)
    }

    @Test func blankFramesAreNotEvents() {
        #expect(RelayStateMachine.clientInput(Array(" \r\n\t".utf8)) == nil)
        #expect(RelayStateMachine.serverInput([]) == nil)
    }

    @Test func oversizedAndRejectedFramesAreRefusedAndCounted() throws {
        var relay = try RelayMachineDriver(policy: Wire.policy)
        #expect(
            relay.send(.clientFrames([.oversized(9_000_000)])) == [
                "audit rejection -32001", "audit message proxy_to_client error", "client unsolicited error -32001",
            ])
        #expect(
            relay.client("{not json") == [
                "audit rejection -32700", "audit message proxy_to_client error", "client unsolicited error -32700",
            ])
        #expect(relay.send(.serverFrames([.oversized(9_000_000)])) == ["audit message server_to_client invalid"])
        let counts = relay.machine.sessionCounts
        #expect(counts.rejected == 2)
        #expect(counts.messagesFromClient == 1)
        #expect(counts.messagesFromServer == 1)
    }

    @Test func callsAreNumberedFromOneAndNumericAndStringIDsAreDistinct() throws {
        var relay = try RelayMachineDriver(policy: Wire.policy)
        relay.client(Wire.call(1, "read_a"))
        relay.client(#"{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"read_b","arguments":{}}}"#)
        let numbers = relay.records.compactMap { event -> Int? in
            if case .decision(let record) = event { record.call } else { nil }
        }
        #expect(numbers == [1, 2])
        #expect(
            relay.server(#"{"jsonrpc":"2.0","id":"1","result":{}}"#) == ["audit message server_to_client unsolicited"])
    }
}
