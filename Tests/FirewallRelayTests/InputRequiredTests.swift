import FirewallCore
import FirewallTestSupport
import Foundation
import Testing

@testable import FirewallRelay

/// Confirmation for 2026-07-28 clients: an `InputRequiredResult` and a signed, single-use retry.
@Suite(.timeLimit(.minutes(1)))
struct InputRequiredTests {
    /// A long timeout: a loaded test machine must not expire the state between question and retry.
    static let policy = ClientElicitationTests.policy

    static func meta(elicitation: Bool = true) -> String {
        let capabilities = elicitation ? #"{"elicitation":{"form":{}}}"# : "{}"
        return
            #"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"modern-client","version":"2"},"io.modelcontextprotocol/clientCapabilities":\#(capabilities)}"#
    }

    static func call(
        _ id: Int, _ tool: String = "write_a", arguments: String = #"{"n":1}"#, elicitation: Bool = true,
        retry: String = ""
    ) -> String {
        #"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"\#(tool)","arguments":\#(arguments),"_meta":\#(meta(elicitation: elicitation))\#(retry)}}"#
    }

    static func retry(
        state: String, answer: String = #"{"action":"accept","content":{"decision":"approve"}}"#
    ) -> String {
        #","inputResponses":{"mcp-firewall.approval":\#(answer)},"requestState":"\#(state)""#
    }

    /// Sends the first call and returns the proxy's `requestState`.
    func question(_ relay: RelayHarness, id: Int = 1, arguments: String = #"{"n":1}"#) async throws -> String {
        relay.client(Self.call(id, arguments: arguments))
        let reply = try await relay.nextToClientJSON()
        #expect(reply["id"]?.doubleValue == Double(id))
        #expect(reply["result"]?["resultType"]?.stringValue == "input_required")
        let request = try #require(reply["result"]?["inputRequests"]?["mcp-firewall.approval"])
        #expect(request["method"]?.stringValue == "elicitation/create")
        #expect(request["params"]?["mode"]?.stringValue == "form")
        return try #require(reply["result"]?["requestState"]?.stringValue)
    }

    @Test func approvedRetryReachesTheServerWithoutTheProxysState() async throws {
        try await RelayHarness.with(policy: Self.policy) { relay in
            let state = try await question(relay)
            #expect(await relay.nextToServer(timeout: 0.2) == nil)
            relay.client(Self.call(2, retry: Self.retry(state: state)))
            let forwarded = try JSONParser.parse(Array(try #require(await relay.nextToServer()).utf8))
            #expect(forwarded["id"]?.doubleValue == 2)
            #expect(forwarded["params"]?["requestState"] == nil)
            #expect(forwarded["params"]?["inputResponses"] == nil)
            #expect(forwarded["params"]?["arguments"]?["n"]?.doubleValue == 1)
            #expect(forwarded["params"]?["_meta"]?["io.modelcontextprotocol/protocolVersion"] != nil)
            let decision = try #require(try relay.records("decision").first)
            #expect(decision["id"]?.doubleValue == 2)
            #expect(decision["decided_by"]?["kind"]?.stringValue == "client")
            #expect(decision["decided_by"]?["identity"]?.stringValue == "modern-client 2")
            #expect(decision["approval"]?["id"]?.stringValue == "approval-1")
            let requested = try #require(try relay.records("approval_requested").first)
            #expect(requested["channel"]?.stringValue == "elicitation")
        }
    }

    @Test func anApprovedStateRunsTheCallOnce() async throws {
        try await RelayHarness.with(policy: Self.policy) { relay in
            let state = try await question(relay)
            relay.client(Self.call(2, retry: Self.retry(state: state)))
            _ = await relay.nextToServer()
            relay.client(Self.call(3, retry: Self.retry(state: state)))
            let reply = try await relay.nextToClientJSON()
            #expect(reply["id"]?.doubleValue == 3)
            #expect(reply["result"]?["isError"]?.boolValue == true)
            #expect(reply["result"]?["resultType"]?.stringValue == "complete")
            #expect(await relay.nextToServer(timeout: 0.2) == nil)
            let decision = try #require(try relay.records("decision").last)
            #expect(decision["approval"]?["outcome"]?.stringValue == "invalid")
            #expect(decision["approval"]?["detail"]?.stringValue?.contains("already used") == true)
        }
    }

    @Test func changedArgumentsAreRefused() async throws {
        try await RelayHarness.with(policy: Self.policy) { relay in
            let state = try await question(relay)
            relay.client(Self.call(2, arguments: #"{"n":2}"#, retry: Self.retry(state: state)))
            let reply = try await relay.nextToClientJSON()
            #expect(reply["result"]?["isError"]?.boolValue == true)
            #expect(await relay.nextToServer(timeout: 0.2) == nil)
            let decision = try #require(try relay.records("decision").last)
            #expect(decision["approval"]?["detail"]?.stringValue?.contains("differs") == true)
        }
    }

    @Test func reorderedArgumentsAreTheSameCall() async throws {
        try await RelayHarness.with(policy: Self.policy) { relay in
            let state = try await question(relay, arguments: #"{"a":1,"b":[true,null]}"#)
            relay.client(Self.call(2, arguments: #"{"b":[true,null],"a":1}"#, retry: Self.retry(state: state)))
            #expect(await relay.nextToServer() != nil)
        }
    }

    @Test(arguments: ["forged", "truncated", "foreign-key"])
    func forgedStatesAreRefused(kind: String) async throws {
        try await RelayHarness.with(policy: Self.policy) { relay in
            var state = try await question(relay)
            switch kind {
            case "forged":
                // Re-sign nothing: change the payload and keep the old MAC.
                let parts = state.split(separator: ".")
                var payload = try #require(Base64URL.decode(parts[1]))
                payload[payload.count / 2] ^= 0x01
                state = "\(parts[0]).\(Base64URL.encode(payload)).\(parts[2])"
            case "truncated":
                state = String(state.dropLast(4))
            default:
                let token = RequestStateToken(
                    approvalID: "approval-1", tool: "write_a", binding: "x", nonce: "n", issuedAt: 0,
                    expiresAt: 9e12, inputKey: ElicitationForm.inputKey)
                state = token.encoded(key: RequestStateKey())
            }
            relay.client(Self.call(2, retry: Self.retry(state: state)))
            let reply = try await relay.nextToClientJSON()
            #expect(reply["result"]?["isError"]?.boolValue == true)
            #expect(await relay.nextToServer(timeout: 0.2) == nil)
            #expect(try relay.records("decision").last?["approval"]?["outcome"]?.stringValue == "invalid")
        }
    }

    @Test func expiredStateIsATimeout() async throws {
        let policy = Self.policy.replacingOccurrences(of: "timeout: 60s", with: "timeout: 100ms")
        try await RelayHarness.with(policy: policy) { relay in
            let state = try await question(relay)
            try await Task.sleep(for: .milliseconds(250))
            relay.client(Self.call(2, retry: Self.retry(state: state)))
            let reply = try await relay.nextToClientJSON()
            #expect(reply["result"]?["isError"]?.boolValue == true)
            #expect(await relay.nextToServer(timeout: 0.2) == nil)
            #expect(try relay.records("decision").last?["approval"]?["outcome"]?.stringValue == "timeout")
        }
    }

    @Test(arguments: [(#"{"action":"decline"}"#, "declined"), (#"{"action":"cancel"}"#, "cancelled")])
    func declinedRetryIsDenied(answer: String, outcome: String) async throws {
        try await RelayHarness.with(policy: Self.policy) { relay in
            let state = try await question(relay)
            relay.client(Self.call(2, retry: Self.retry(state: state, answer: answer)))
            let reply = try await relay.nextToClientJSON()
            #expect(reply["result"]?["isError"]?.boolValue == true)
            #expect(await relay.nextToServer(timeout: 0.2) == nil)
            #expect(try relay.records("decision").last?["approval"]?["outcome"]?.stringValue == outcome)
        }
    }

    @Test func retryWithoutAnAnswerIsAskedAgain() async throws {
        try await RelayHarness.with(policy: Self.policy) { relay in
            let state = try await question(relay)
            relay.client(Self.call(2, retry: #","requestState":"\#(state)""#))
            let reply = try await relay.nextToClientJSON()
            #expect(reply["result"]?["resultType"]?.stringValue == "input_required")
            #expect(reply["result"]?["requestState"]?.stringValue != state)
        }
    }

    @Test func clientWithoutElicitationIsDeniedAtOnce() async throws {
        try await RelayHarness.with(policy: Self.policy) { relay in
            relay.client(Self.call(1, elicitation: false))
            let reply = try await relay.nextToClientJSON(timeout: 5)
            #expect(reply["result"]?["isError"]?.boolValue == true)
            #expect(reply["result"]?["resultType"]?.stringValue == "complete")
        }
    }

    @Test func theServerAskingForMoreInputDoesNotMakeThePersonApproveTwice() async throws {
        try await RelayHarness.with(policy: Self.policy) { relay in
            let state = try await question(relay)
            relay.client(Self.call(2, retry: Self.retry(state: state)))
            _ = await relay.nextToServer()
            relay.server(
                #"{"jsonrpc":"2.0","id":2,"result":{"resultType":"input_required","inputRequests":{"otp":{"method":"elicitation/create","params":{"mode":"form","message":"code?","requestedSchema":{"type":"object","properties":{}}}}},"requestState":"srv-1"}}"#
            )
            _ = await relay.nextToClient()
            let continued = Self.call(
                3, retry: #","inputResponses":{"otp":{"action":"accept","content":{}}},"requestState":"srv-1""#)
            relay.client(continued)
            #expect(await relay.nextToServer() == continued)
            let decision = try #require(try relay.records("decision").last)
            #expect(decision["approval"]?["grant_id"]?.stringValue == "approval-1")
            #expect(decision["decided_by"]?["channel"]?.stringValue == "elicitation")
            // The server's state continues the approval once; presented again, it is asked about anew.
            relay.client(Self.call(4, retry: #","requestState":"srv-1""#))
            #expect(try await relay.nextToClientJSON()["result"]?["resultType"]?.stringValue == "input_required")
        }
    }

    @Test func aServerStateDoesNotCarryTheApprovalToOtherArguments() async throws {
        try await RelayHarness.with(policy: Self.policy) { relay in
            let state = try await question(relay)
            relay.client(Self.call(2, retry: Self.retry(state: state)))
            _ = await relay.nextToServer()
            relay.server(#"{"jsonrpc":"2.0","id":2,"result":{"resultType":"input_required","requestState":"srv-1"}}"#)
            _ = await relay.nextToClient()
            relay.client(Self.call(3, arguments: #"{"n":99}"#, retry: #","requestState":"srv-1""#))
            #expect(try await relay.nextToClientJSON()["result"]?["resultType"]?.stringValue == "input_required")
            #expect(await relay.nextToServer(timeout: 0.2) == nil)
        }
    }

    @Test func serversOwnStateIsLeftAlone() async throws {
        try await RelayHarness.with(
            policy: Frames.policy.replacingOccurrences(of: "write: confirm", with: "write: allow")
        ) {
            relay in
            let frame = Self.call(
                5, retry: #","requestState":"server-state-123","inputResponses":{"k":{"action":"accept"}}"#)
            relay.client(frame)
            #expect(await relay.nextToServer() == frame)
        }
    }
}
