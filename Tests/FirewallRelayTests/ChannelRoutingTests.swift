import FirewallCore
import FirewallTestSupport
import Foundation
import Testing

@testable import FirewallRelay

/// Which channels a confirmation goes to: the policy's order, racing, failures.
@Suite(.timeLimit(.minutes(1)))
struct ChannelRoutingTests {
    static func policy(_ approval: String) -> String {
        """
        version: 1
        defaults: {read: allow, write: confirm, sensitive: deny}
        approval: {\(approval)}
        tools:
          - name: write_*
            class: write
        """
    }

    @Test func theFirstAvailableChannelInThePolicysOrderIsAsked() async throws {
        let channels: [any ApprovalChannel] = [
            ScriptedChannel(behaviour: .approve, name: "terminal"),
            ScriptedChannel(behaviour: .decline, name: "web"),
            ScriptedChannel(behaviour: .approve, name: "command", isAvailable: false),
        ]
        try await RelayHarness.with(
            policy: Self.policy("channels: [command, web, terminal], timeout: 30s"), channels: channels
        ) { (relay: RelayHarness) async throws in
            relay.client(Frames.call(1, "write_a"))
            #expect(try await relay.nextToClientJSON()["result"]?["isError"]?.boolValue == true)
            #expect(try relay.records("decision").first?["decided_by"]?["channel"]?.stringValue == "web")
            #expect(try relay.records("approval_requested").first?["channel"]?.stringValue == "web")
        }
    }

    @Test func racingChannelsAreAskedAtOnceAndTheFirstAnswerWins() async throws {
        let channels: [any ApprovalChannel] = [
            ScriptedChannel(behaviour: .hang, name: "web"), ScriptedChannel(behaviour: .approve, name: "terminal"),
        ]
        try await RelayHarness.with(
            policy: Self.policy("channels: [web, terminal], race: true, timeout: 30s"), channels: channels
        ) { (relay: RelayHarness) async throws in
            relay.client(Frames.call(1, "write_a"))
            #expect(await relay.nextToServer() == Frames.call(1, "write_a"))
            #expect(try relay.records("decision").first?["decided_by"]?["channel"]?.stringValue == "terminal")
            let requested = try #require(try relay.records("approval_requested").first)
            #expect(requested["racing"] == .array([.string("web"), .string("terminal")]))
        }
    }

    @Test func aFailingChannelLosesTheRaceUnlessAllFail() async throws {
        let oneFails: [any ApprovalChannel] = [
            ScriptedChannel(behaviour: .fail, name: "command"), ScriptedChannel(behaviour: .approve, name: "web"),
        ]
        try await RelayHarness.with(
            policy: Self.policy("channels: [command, web], race: true, timeout: 30s"), channels: oneFails
        ) { (relay: RelayHarness) async throws in
            relay.client(Frames.call(1, "write_a"))
            #expect(await relay.nextToServer() == Frames.call(1, "write_a"))
        }
        let allFail: [any ApprovalChannel] = [
            ScriptedChannel(behaviour: .fail, name: "command"), ScriptedChannel(behaviour: .fail, name: "web"),
        ]
        try await RelayHarness.with(
            policy: Self.policy("channels: [command, web], race: true, timeout: 30s"), channels: allFail
        ) { (relay: RelayHarness) async throws in
            relay.client(Frames.call(1, "write_a"))
            let text = try #require(
                try await relay.nextToClientJSON()["result"].flatMap { result -> String? in
                    guard case .array(let content)? = result["content"] else { return nil }
                    return content.first?["text"]?.stringValue
                })
            #expect(text.contains("command is down") && text.contains("web is down"), "\(text)")
            #expect(try relay.records("decision").first?["decided_by"]?["kind"]?.stringValue == "policy")
        }
    }

    @Test func aFailingChannelWithoutARaceDeniesAndDoesNotFallBack() async throws {
        let channels: [any ApprovalChannel] = [
            ScriptedChannel(behaviour: .fail, name: "command"), ScriptedChannel(behaviour: .approve, name: "terminal"),
        ]
        try await RelayHarness.with(
            policy: Self.policy("channels: [command, terminal], timeout: 30s"), channels: channels
        ) { (relay: RelayHarness) async throws in
            relay.client(Frames.call(1, "write_a"))
            #expect(try await relay.nextToClientJSON()["result"]?["isError"]?.boolValue == true)
            #expect(await relay.nextToServer(timeout: 0.2) == nil)
        }
    }

    @Test func anUnreachableApproverPassesTheCallToTheNextChannel() async throws {
        let channels: [any ApprovalChannel] = [
            ScriptedChannel(behaviour: .fail, name: "approver"), ScriptedChannel(behaviour: .approve, name: "terminal"),
        ]
        try await RelayHarness.with(
            policy: Self.policy("channels: [approver, terminal], timeout: 30s"), channels: channels
        ) { (relay: RelayHarness) async throws in
            relay.client(Frames.call(1, "write_a"))
            #expect(await relay.nextToServer() == Frames.call(1, "write_a"))
        }
    }

    @Test func anUnreachableApproverWithNoOtherChannelLeavesTheCallToUnattended() async throws {
        try await RelayHarness.with(
            policy: Self.policy("channels: [approver], timeout: 30s, unattended: allow"),
            channels: [ScriptedChannel(behaviour: .fail, name: "approver")]
        ) { (relay: RelayHarness) async throws in
            relay.client(Frames.call(1, "write_a"))
            #expect(await relay.nextToServer() == Frames.call(1, "write_a"), "unattended: allow lets it through")
        }
        try await RelayHarness.with(
            policy: Self.policy("channels: [approver], timeout: 30s, unattended: fail"),
            channels: [ScriptedChannel(behaviour: .fail, name: "approver")]
        ) { (relay: RelayHarness) async throws in
            relay.client(Frames.call(1, "write_a"))
            let reply = try await relay.nextToClientJSON()
            #expect(reply["result"]?["isError"]?.boolValue == true)
            #expect(relay.loop.unattendedFailure, "unattended: fail fails the session")
        }
    }

    @Test func onTimeoutFailDeniesAndFailsTheSession() async throws {
        try await RelayHarness.with(
            policy: Self.policy("channels: [terminal], timeout: 100ms, on_timeout: fail"),
            channels: [ScriptedChannel(behaviour: .hang)]
        ) { (relay: RelayHarness) async throws in
            relay.client(Frames.call(1, "write_a"))
            let reply = try await relay.nextToClientJSON()
            #expect(reply["result"]?["isError"]?.boolValue == true)
            #expect(relay.loop.unattendedFailure)
        }
    }

    @Test func aRulesOwnChannelsAndTimeoutApply() async throws {
        let policy = """
            version: 1
            approval: {channels: [terminal], timeout: 30s}
            tools:
              - name: write_a
                decision: confirm
                approval: {channels: [web], timeout: 100ms}
            """
        try await RelayHarness.with(
            policy: policy,
            channels: [ScriptedChannel(behaviour: .approve), ScriptedChannel(behaviour: .hang, name: "web")]
        ) { (relay: RelayHarness) async throws in
            relay.client(Frames.call(1, "write_a"))
            #expect(try await relay.nextToClientJSON()["result"]?["isError"]?.boolValue == true)
            let requested = try #require(try relay.records("approval_requested").first)
            #expect(requested["channel"]?.stringValue == "web")
            #expect(requested["timeout_ms"]?.doubleValue == 100)
            #expect(try relay.records("decision").first?["approval"]?["outcome"]?.stringValue == "timeout")
        }
    }
}
