import FirewallCore
import Testing

/// Held calls as tables: approval answers, races, timeouts by the clock, withdrawals, grants, the
/// client's own questions (both eras) and how each ending treats what is still waiting.
struct RelayStateMachineApprovalTests {
    static let human = Approver(kind: .human, channel: "terminal", identity: "ada")

    static func answer(
        _ outcome: ApprovalOutcome, channel: String = "terminal", remember: Bool = false
    ) -> RelayEvent {
        let approver =
            outcome == .unattended
            ? Approver(kind: .policy, channel: channel) : Approver(kind: .human, channel: channel)
        return .approvalFinished(
            approvalID: "approval-1", channel: channel,
            response: .init(
                outcome: outcome, approver: approver, detail: "\(channel) said \(outcome)", remember: remember))
    }

    static func policy(_ approval: String) -> String {
        Wire.policy.replacingOccurrences(
            of: "approval: {channels: [terminal], timeout: 5s}", with: "approval: {\(approval)}")
    }

    @Test func aHeldCallIsAskedThenForwardedWhenApproved() throws {
        var relay = try RelayMachineDriver(policy: Wire.policy, channels: ["terminal"])
        #expect(
            relay.client(Wire.call(1, "write_a"))
                == [
                    "audit message client_to_server request tools/call, approval_requested terminal",
                    "start approval-1 terminal",
                ])
        #expect(relay.machine.nextDeadline == relay.now.monotonic + 5)
        #expect(
            relay.send(Self.answer(.approved))
                == [
                    "withdraw approval-1", "audit decision allow by human approved",
                    "server \(Wire.call(1, "write_a")) [decided 1]",
                ])
        #expect(relay.machine.nextDeadline == nil)
        #expect(relay.machine.sessionCounts.approved == 1)
    }

    @Test(arguments: [ApprovalOutcome.declined, .cancelled])
    func aHeldCallIsRefusedWhenNotApproved(outcome: ApprovalOutcome) throws {
        var relay = try RelayMachineDriver(policy: Wire.policy, channels: ["terminal"])
        relay.client(Wire.call(1, "write_a"))
        #expect(
            relay.send(Self.answer(outcome))
                == [
                    "withdraw approval-1",
                    "audit decision deny by human \(outcome.rawValue), message proxy_to_client response",
                    "client reply(1) denied",
                ])
    }

    @Test func aHeldCallTimesOutByTheClockNotBefore() throws {
        var relay = try RelayMachineDriver(policy: Wire.policy, channels: ["terminal"])
        relay.client(Wire.call(1, "write_a"))
        relay.advance(seconds: 4.9)
        #expect(relay.send(.tick).isEmpty)
        relay.advance(seconds: 0.1)
        #expect(
            relay.send(.tick)
                == [
                    "withdraw approval-1", "audit decision deny by policy timeout, message proxy_to_client response",
                    "client reply(1) denied",
                ])
        // The channel's answer after the timeout changes nothing.
        #expect(relay.send(Self.answer(.approved)).isEmpty)
        #expect(!relay.machine.hasFailedSession)
    }

    @Test func aTimeoutUnderOnTimeoutFailFailsTheSession() throws {
        var relay = try RelayMachineDriver(
            policy: Self.policy("channels: [terminal], timeout: 1s, on_timeout: fail"), channels: ["terminal"])
        relay.client(Wire.call(1, "write_a"))
        relay.advance(seconds: 1)
        relay.send(.tick)
        #expect(relay.machine.hasFailedSession)
        let reply = String(decoding: try #require(relay.lastFrame(toClient: true)), as: UTF8.self)
        #expect(reply.contains("the session will fail (on_timeout: fail)"))
    }

    @Test func withdrawalsTable() throws {
        let cases: [(RelayEvent, [String])] = [
            // The client cancels the held call: recorded, never relayed, no answer owed.
            (
                .clientFrames([try #require(RelayStateMachine.clientInput(Array(Wire.cancelled("1").utf8)))]),
                [
                    "audit message client_to_server notification notifications/cancelled", "withdraw approval-1",
                    "audit decision deny by client cancelled",
                ]
            ),
            // The client hangs up: the same, silently.
            (.clientEnded(.endOfFile), ["withdraw approval-1", "audit decision deny by client cancelled"]),
            // The proxy stopped reading because of another ending: that ending's own event answers it.
            (.clientEnded(.stopped), []),
            // A shutdown signal: refused, with an answer.
            (
                .shutdownRequested,
                [
                    "withdraw approval-1", "audit decision deny by policy cancelled, message proxy_to_client response",
                    "client reply(1) denied",
                ]
            ),
        ]
        for (event, expected) in cases {
            var relay = try RelayMachineDriver(policy: Wire.policy, channels: ["terminal"])
            relay.client(Wire.call(1, "write_a"))
            #expect(relay.send(event) == expected)
            #expect((relay.machine.nextDeadline == nil) == !expected.isEmpty)
        }
    }

    @Test func aFailingChannelLosesTheRaceUnlessAllFail() throws {
        let race = Self.policy("channels: [command, web], race: true, timeout: 30s")
        var relay = try RelayMachineDriver(policy: race, channels: ["command", "web"])
        #expect(
            relay.client(Wire.call(1, "write_a"))
                == [
                    "audit message client_to_server request tools/call, approval_requested command+web",
                    "start approval-1 command+web",
                ])
        #expect(relay.send(Self.answer(.unattended, channel: "command")).isEmpty)
        #expect(
            relay.send(Self.answer(.approved, channel: "web"))
                == [
                    "withdraw approval-1", "audit decision allow by human approved",
                    "server \(Wire.call(1, "write_a")) [decided 1]",
                ])

        var allFail = try RelayMachineDriver(policy: race, channels: ["command", "web"])
        allFail.client(Wire.call(1, "write_a"))
        allFail.send(Self.answer(.unattended, channel: "command"))
        #expect(
            allFail.send(Self.answer(.unattended, channel: "web"))
                == [
                    "withdraw approval-1", "audit decision deny by policy unattended, message proxy_to_client response",
                    "client reply(1) denied",
                ])
        guard case .decision(let record)? = allFail.records.dropLast().last else {
            Issue.record("no decision")
            return
        }
        #expect(record.decidedBy.channel == "command+web")
        #expect(record.approval?.detail == "command said unattended; web said unattended")
    }

    @Test func theFirstAvailableChannelInThePolicysOrderIsAskedAndNobodyMeansUnattended() throws {
        var relay = try RelayMachineDriver(
            policy: Self.policy("channels: [command, web, terminal]"), channels: ["web", "terminal"])
        #expect(relay.client(Wire.call(1, "write_a")).last == "start approval-1 web")
        var nobody = try RelayMachineDriver(policy: Self.policy("channels: [command], unattended: fail"), channels: [])
        #expect(
            nobody.client(Wire.call(1, "write_a"))
                == [
                    "audit message client_to_server request tools/call, decision deny by policy unattended, message proxy_to_client response",
                    "client reply(1) denied",
                ])
        #expect(nobody.machine.hasFailedSession)
        var allowed = try RelayMachineDriver(
            policy: Self.policy("channels: [command], unattended: allow"), channels: [])
        #expect(allowed.client(Wire.call(1, "write_a")).last == "server \(Wire.call(1, "write_a")) [decided 1]")
    }

    @Test func heldCallsAreCapped() throws {
        var relay = try RelayMachineDriver(policy: Wire.policy, channels: ["terminal"], maxHeld: 1)
        relay.client(Wire.call(1, "write_a"))
        #expect(
            relay.client(Wire.call(2, "write_b"))
                == [
                    "audit message client_to_server request tools/call, decision deny by policy unattended, message proxy_to_client response",
                    "client reply(2) denied",
                ])
        // A held call's id is taken: reusing it is refused, not held twice.
        #expect(relay.client(Wire.call(1, "write_c")).last == "client reply(1) error -32600")
    }

    @Test func aRememberedApprovalCoversTheNextSameCall() throws {
        var relay = try RelayMachineDriver(
            policy: Self.policy("channels: [terminal], timeout: 5s, remember: session"), channels: ["terminal"])
        relay.client(Wire.call(1, "write_a", #"{"n":1}"#))
        relay.send(Self.answer(.approved, remember: true))
        relay.server(Wire.result(1))
        #expect(
            relay.client(Wire.call(2, "write_a", #"{"n":1}"#))
                == [
                    "audit message client_to_server request tools/call, decision allow by human approved",
                    "server \(Wire.call(2, "write_a", #"{"n":1}"#)) [decided 2]",
                ])
        guard case .decision(let record)? = relay.records.last else {
            Issue.record("no decision")
            return
        }
        #expect(record.approval?.grantID == "approval-1")
        // Another tool is asked again.
        #expect(relay.client(Wire.call(3, "write_b", #"{"n":1}"#)).last == "start approval-3 terminal")
    }

    /// The log lines of the actions since `index`.
    static func said(_ relay: RelayMachineDriver, since index: Int) -> [String] {
        relay.log[index...].compactMap { action -> String? in
            guard case .log(let line) = action else { return nil }
            return "\(line.level) \(line.message)"
        }
    }

    @Test func aHeldCallSaysWhereToAnswerIt() throws {
        var relay = try RelayMachineDriver(policy: Wire.policy, channels: ["terminal"])
        relay.client(Wire.call(1, "write_a"))
        #expect(Self.said(relay, since: 0) == ["info call waiting for approval: answer in the terminal"])
        guard case .log(let line)? = relay.log.first(where: { if case .log = $0 { true } else { false } }) else {
            return
        }
        #expect(line.metadata["mcp.tool"] == "write_a")
        #expect(line.metadata["approval.timeout"] == "5s")
    }

    @Test(arguments: [
        (#"{"elicitation":{}}"#, [String](), "info the client answers elicitation: confirmations can be asked in it"),
        ("{}", [], "warning the client does not answer elicitation and no other approval channel reaches a person"),
        ("{}", ["terminal"], nil),
    ])
    func initializeSaysWhetherConfirmationsCanBeAnswered(
        capabilities: String, channels: [String], said: String?
    )
        throws
    {
        var relay = try RelayMachineDriver(
            policy: Self.policy("channels: [elicitation, terminal], timeout: 5s"), channels: Set(channels))
        relay.client(
            #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"elicitation":null,"x":1},"clientInfo":{"name":"c","version":"1"}}}"#
                .replacingOccurrences(of: #"{"elicitation":null,"x":1}"#, with: capabilities))
        let lines = Self.said(relay, since: 0)
        if let said {
            #expect(lines.count == 1)
            #expect(lines.first?.hasPrefix(said) == true, "\(lines)")
        } else {
            #expect(lines.isEmpty, "\(lines)")
        }
    }

    @Test func aRememberedApprovalExpiresByTheClockAndTheNextCallIsAskedAgain() throws {
        var relay = try RelayMachineDriver(
            policy: Self.policy("channels: [terminal], timeout: 5s, remember: 10m"), channels: ["terminal"])
        relay.client(Wire.call(1, "write_a"))
        relay.send(Self.answer(.approved, remember: true))
        relay.server(Wire.result(1))
        // The grant's expiry is the next deadline (no call is held).
        #expect(relay.machine.nextDeadline == relay.now.monotonic + 600)
        relay.advance(seconds: 599)
        #expect(relay.send(.tick) == [])
        #expect(relay.client(Wire.call(2, "write_a")).last == "server \(Wire.call(2, "write_a")) [decided 2]")
        relay.advance(seconds: 1)
        let before = relay.log.count
        #expect(relay.send(.tick) == [])
        let said = relay.log[before...].compactMap { action -> String? in
            guard case .log(let line) = action else { return nil }
            return "\(line.message) \(line.metadata["grant.id"] ?? "")"
        }
        #expect(said == ["remembered approval expired; the next such call is asked again approval-1"])
        #expect(relay.machine.nextDeadline == nil)
        #expect(relay.client(Wire.call(3, "write_a")).last == "start approval-3 terminal")
    }

    @Test func theClientIsAskedWithElicitationAndItsAnswerDecides() throws {
        var relay = try RelayMachineDriver(policy: Self.policy("channels: [elicitation], timeout: 60s"))
        let initialize =
            #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"elicitation":{}},"clientInfo":{"name":"c","version":"1"}}}"#
        relay.client(initialize)
        let question = "\(RelayMachineDriver.prefix)-1"
        #expect(
            relay.client(Wire.call(1, "write_a"))
                == [
                    "audit message client_to_server request tools/call, approval_requested elicitation",
                    "audit message proxy_to_client request elicitation/create", "client during(1) elicitation/create",
                ])
        let accept =
            #"{"jsonrpc":"2.0","id":"\#(question)","result":{"action":"accept","content":{"decision":"approve"}}}"#
        #expect(
            relay.client(accept)
                == [
                    "audit message client_to_proxy response", "audit decision allow by client approved",
                    "server \(Wire.call(1, "write_a")) [decided 1]",
                ])
        // The same answer again is late: recorded, dropped.
        #expect(relay.client(accept) == ["audit message client_to_proxy response"])
    }

    @Test func aQuestionIsWithdrawnWhenAnotherChannelWinsOrTheClientCancelsIt() throws {
        let initialize =
            #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"elicitation":{}}}}"#
        var race = try RelayMachineDriver(
            policy: Self.policy("channels: [elicitation, terminal], race: true, timeout: 60s"), channels: ["terminal"])
        race.client(initialize)
        #expect(race.client(Wire.call(1, "write_a")).count == 4)
        #expect(
            race.send(Self.answer(.declined))
                == [
                    "withdraw approval-1", "audit message proxy_to_client notification",
                    "client during(1) notifications/cancelled",
                    "audit decision deny by human declined, message proxy_to_client response", "client reply(1) denied",
                ])

        var alone = try RelayMachineDriver(policy: Self.policy("channels: [elicitation], timeout: 60s"))
        alone.client(initialize)
        alone.client(Wire.call(1, "write_a"))
        #expect(
            alone.client(Wire.cancelled(#""\#(RelayMachineDriver.prefix)-1""#))
                == [
                    "audit message client_to_proxy notification notifications/cancelled",
                    "audit decision deny by policy unattended, message proxy_to_client response",
                    "client reply(1) denied",
                ])
    }

    @Test func aModernClientIsAskedByInputRequiredAndItsRetryIsSingleUse() throws {
        var relay = try RelayMachineDriver(policy: Self.policy("channels: [elicitation], timeout: 60s"))
        let meta =
            #"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"elicitation":{"form":{}}}}"#
        func call(_ id: Int, _ retry: String = "") -> String {
            #"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"write_a","arguments":{},"_meta":\#(meta)\#(retry)}}"#
        }
        #expect(
            relay.client(call(1))
                == [
                    "audit session_negotiated",
                    "audit message client_to_server request tools/call, approval_requested elicitation, message proxy_to_client response",
                    "client reply(1) input_required",
                ])
        let reply = try JSONParser.parse(try #require(relay.lastFrame(toClient: true)))
        let state = try #require(reply["result"]?["requestState"]?.stringValue)
        let retry =
            #","inputResponses":{"mcp-firewall.approval":{"action":"accept","content":{"decision":"approve"}}},"requestState":"\#(state)""#
        let approved = relay.client(call(2, retry))
        #expect(
            approved.first == "audit message client_to_server request tools/call, decision allow by client approved")
        let forwarded = try JSONParser.parse(try #require(relay.lastFrame(toClient: false)))
        #expect(forwarded["params"]?["requestState"] == nil)
        #expect(
            relay.client(call(3, retry))
                == [
                    "audit message client_to_server request tools/call, decision deny by policy invalid, message proxy_to_client response",
                    "client reply(3) denied",
                ])
    }

    @Test func aServerInputRequiredContinuesTheApprovalOnce() throws {
        var relay = try RelayMachineDriver(policy: Wire.policy, channels: ["terminal"])
        let meta = #"{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}"#
        func call(_ id: Int, _ state: String = "") -> String {
            #"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"write_a","arguments":{},"_meta":\#(meta)\#(state)}}"#
        }
        relay.client(call(1))
        relay.send(Self.answer(.approved))
        relay.server(#"{"jsonrpc":"2.0","id":1,"result":{"resultType":"input_required","requestState":"server-7"}}"#)
        #expect(
            relay.client(call(2, #","requestState":"server-7""#)).last
                == "server \(call(2, #","requestState":"server-7""#)) [decided 2]")
        // Once only: the same state again is asked about.
        #expect(relay.client(call(3, #","requestState":"server-7""#)).last == "start approval-3 terminal")
    }
}
