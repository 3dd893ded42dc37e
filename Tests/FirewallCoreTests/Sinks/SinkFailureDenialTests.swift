import Testing

@testable import FirewallCore

/// `on_sink_failure: deny`: while a sink fails, calls the policy would run are denied naming it.
struct SinkFailureDenialTests {
    static let failing =
        "audit sink `siem` cannot deliver (the collector answered 400: bad schema); the policy says on_sink_failure: deny"

    @Test func callsAreDeniedNamingTheSinkUntilItDeliversAgain() throws {
        var relay = try RelayMachineDriver(policy: Wire.policy)
        relay.send(.auditSinkFailing(message: Self.failing))
        #expect(
            relay.client(Wire.call(1, "read_a"))
                == [
                    "audit message client_to_server request tools/call, decision deny by policy, message proxy_to_client response",
                    "client reply(1) denied",
                ])
        let denial = String(decoding: try #require(relay.lastFrame(toClient: true)), as: UTF8.self)
        #expect(denial.contains("audit sink `siem` cannot deliver (the collector answered 400: bad schema)"))
        guard case .decision(let record)? = relay.records.dropLast().last else {
            Issue.record("no decision record")
            return
        }
        #expect(record.final == .deny)
        #expect(record.policy.decision == .allow, "what the policy said stays recorded")
        #expect(record.policy.reason == Self.failing)

        relay.send(.auditSinkFailing(message: nil))
        #expect(
            relay.client(Wire.call(2, "read_a"))
                == [
                    "audit message client_to_server request tools/call, decision allow by policy",
                    "server \(Wire.call(2, "read_a")) [decided 2]",
                ])
    }
}
