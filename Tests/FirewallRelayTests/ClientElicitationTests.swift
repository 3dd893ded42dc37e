import FirewallCore
import FirewallTestSupport
import Foundation
import Testing

@testable import FirewallRelay

/// Asking a 2025-11-25 client's user with `elicitation/create`, in the proxy's own id space.
@Suite(.timeLimit(.minutes(1)))
struct ClientElicitationTests {
    static let policy = """
        version: 1
        defaults: {read: allow, write: confirm, sensitive: deny}
        approval: {channels: [elicitation], timeout: 60s, remember: session}
        tools:
          - name: read_*
            class: read
          - name: write_*
            class: write
        """

    static func initialize(elicitation: String? = "{}") -> String {
        let capabilities = elicitation.map { #"{"elicitation":\#($0)}"# } ?? "{}"
        return
            #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":\#(capabilities),"clientInfo":{"name":"test-client","version":"1.0"}}}"#
    }

    /// Initializes with the capability, sends a write call and returns the question the proxy asked.
    func ask(_ relay: RelayHarness, call id: Int = 1, tool: String = "write_a") async throws -> JSONValue {
        relay.client(Self.initialize())
        _ = await relay.nextToServer()
        relay.client(Frames.call(id, tool))
        let question = try await relay.nextToClientJSON()
        #expect(question["method"]?.stringValue == "elicitation/create")
        return question
    }

    func answer(_ relay: RelayHarness, _ question: JSONValue, _ result: String) throws {
        let id = try #require(question["id"]?.stringValue)
        relay.client(#"{"jsonrpc":"2.0","id":"\#(id)","result":\#(result)}"#)
    }

    @Test func acceptedApprovalForwardsTheCallAndCreditsTheClient() async throws {
        try await RelayHarness.with(policy: Self.policy) { relay in
            let question = try await ask(relay)
            let id = try #require(question["id"]?.stringValue)
            #expect(id.hasPrefix("mcp-firewall-"))
            let message = try #require(question["params"]?["message"]?.stringValue)
            #expect(message.contains("write_a") && message.contains("test-server"))
            #expect(question["params"]?["requestedSchema"]?["properties"]?["remember"] != nil)
            try answer(relay, question, #"{"action":"accept","content":{"decision":"approve"}}"#)
            #expect(await relay.nextToServer() == Frames.call(1, "write_a"))
            let decision = try #require(try relay.records("decision").first)
            #expect(decision["decided_by"]?["kind"]?.stringValue == "client")
            #expect(decision["decided_by"]?["channel"]?.stringValue == "elicitation")
            #expect(decision["decided_by"]?["identity"]?.stringValue == "test-client 1.0")
            #expect(decision["approval"]?["outcome"]?.stringValue == "approved")
            // The client's answer is audited and never reaches the server.
            #expect(try relay.records("message").contains { $0["direction"]?.stringValue == "client_to_proxy" })
        }
    }

    @Test(arguments: [
        (#"{"action":"decline"}"#, "declined"), (#"{"action":"cancel"}"#, "cancelled"),
        (#"{"action":"accept","content":{"decision":"deny"}}"#, "declined"),
        (#"{"action":"accept","content":{}}"#, "declined"),
    ])
    func everyOtherAnswerDeniesTheCall(result: String, outcome: String) async throws {
        try await RelayHarness.with(policy: Self.policy) { relay in
            let question = try await ask(relay)
            try answer(relay, question, result)
            let reply = try await relay.nextToClientJSON()
            #expect(reply["id"]?.doubleValue == 1)
            #expect(reply["result"]?["isError"]?.boolValue == true)
            #expect(await relay.nextToServer(timeout: 0.2) == nil)
            let decision = try #require(try relay.records("decision").first)
            #expect(decision["approval"]?["outcome"]?.stringValue == outcome)
            #expect(decision["decision"]?.stringValue == "deny")
        }
    }

    @Test func clientErrorIsADenialNamingTheCause() async throws {
        try await RelayHarness.with(policy: Self.policy) { relay in
            let question = try await ask(relay)
            let id = try #require(question["id"]?.stringValue)
            relay.client(#"{"jsonrpc":"2.0","id":"\#(id)","error":{"code":-32601,"message":"no elicitation"}}"#)
            let reply = try await relay.nextToClientJSON()
            guard case .array(let content)? = reply["result"]?["content"] else {
                Issue.record("no content in \(reply)")
                return
            }
            let text = try #require(content.first?["text"]?.stringValue)
            #expect(text.contains("no elicitation"))
        }
    }

    @Test func anErrorCodeNoIntegerHoldsStillDenies() async throws {
        try await RelayHarness.with(policy: Self.policy) { relay in
            let question = try await ask(relay)
            let id = try #require(question["id"]?.stringValue)
            relay.client(#"{"jsonrpc":"2.0","id":"\#(id)","error":{"code":1e300,"message":"huge"}}"#)
            let reply = try await relay.nextToClientJSON()
            #expect(reply["result"]?["isError"]?.boolValue == true)
        }
    }

    @Test func theClientCancellingTheQuestionDeniesAndTheServerNeverHearsOfIt() async throws {
        try await RelayHarness.with(policy: Self.policy) { relay in
            let question = try await ask(relay)
            let id = try #require(question["id"]?.stringValue)
            relay.client(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"\#(id)"}}"#)
            let reply = try await relay.nextToClientJSON()
            #expect(reply["result"]?["isError"]?.boolValue == true)
            #expect(await relay.nextToServer(timeout: 0.3) == nil, "the proxy's id prefix reached the server")
        }
    }

    @Test func aServerRequestInTheProxysIdSpaceIsDropped() async throws {
        try await RelayHarness.with(policy: Self.policy) { relay in
            let question = try await ask(relay)
            let prefix = try #require(
                question["id"]?.stringValue?.split(separator: "-").dropLast().joined(separator: "-"))
            relay.server(#"{"jsonrpc":"2.0","id":"\#(prefix)-1","method":"elicitation/create","params":{}}"#)
            #expect(await relay.nextToClient(timeout: 0.3) == nil)
            #expect(try relay.records("message").contains { $0["kind"]?.stringValue == "dropped" })
        }
    }

    @Test func clientWithoutTheCapabilityIsDeniedAtOnce() async throws {
        try await RelayHarness.with(policy: Self.policy) { relay in
            relay.client(Self.initialize(elicitation: nil))
            _ = await relay.nextToServer()
            relay.client(Frames.call(1, "write_a"))
            let reply = try await relay.nextToClientJSON(timeout: 5)
            #expect(reply["result"]?["isError"]?.boolValue == true)
            let decision = try #require(try relay.records("decision").first)
            #expect(decision["approval"]?["outcome"]?.stringValue == "unattended")
        }
    }

    @Test func urlOnlyElicitationCannotCarryTheForm() async throws {
        try await RelayHarness.with(policy: Self.policy) { relay in
            relay.client(Self.initialize(elicitation: #"{"url":{}}"#))
            _ = await relay.nextToServer()
            relay.client(Frames.call(1, "write_a"))
            let reply = try await relay.nextToClientJSON(timeout: 5)
            #expect(reply["result"]?["isError"]?.boolValue == true)
        }
    }

    @Test func timeoutWithdrawsTheQuestionFromTheClient() async throws {
        try await RelayHarness.with(
            policy: Self.policy.replacingOccurrences(of: "timeout: 60s", with: "timeout: 200ms")
        ) { relay in
            let question = try await ask(relay)
            let withdrawn = try await relay.nextToClientJSON()
            #expect(withdrawn["method"]?.stringValue == "notifications/cancelled")
            #expect(withdrawn["params"]?["requestId"] == question["id"])
            let reply = try await relay.nextToClientJSON()
            #expect(reply["result"]?["isError"]?.boolValue == true)
            // A late answer is recorded and dropped: the call stays denied and nothing reaches the server.
            try answer(relay, question, #"{"action":"accept","content":{"decision":"approve"}}"#)
            #expect(await relay.nextToServer(timeout: 0.3) == nil)
            let decision = try #require(try relay.records("decision").first)
            #expect(decision["approval"]?["outcome"]?.stringValue == "timeout")
            // The withdrawal the client was sent is in the audit log too.
            #expect(
                try relay.records("message").contains {
                    $0["direction"]?.stringValue == "proxy_to_client" && $0["kind"]?.stringValue == "notification"
                })
        }
    }

    @Test func readsFlowWhileTheQuestionWaits() async throws {
        try await RelayHarness.with(policy: Self.policy) { relay in
            _ = try await ask(relay)
            relay.client(Frames.call(2, "read_b"))
            #expect(await relay.nextToServer() == Frames.call(2, "read_b"))
        }
    }

    @Test func clientCancellationWithdrawsTheQuestionAndGetsNoAnswer() async throws {
        try await RelayHarness.with(policy: Self.policy) { relay in
            let question = try await ask(relay)
            relay.client(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}"#)
            let withdrawn = try await relay.nextToClientJSON()
            #expect(withdrawn["method"]?.stringValue == "notifications/cancelled")
            #expect(withdrawn["params"]?["requestId"] == question["id"])
            #expect(await relay.nextToClient(timeout: 0.3) == nil)
        }
    }

    @Test func rememberedApprovalCoversLaterCallsAndTheyCiteIt() async throws {
        try await RelayHarness.with(policy: Self.policy) { relay in
            let question = try await ask(relay)
            try answer(relay, question, #"{"action":"accept","content":{"decision":"approve","remember":true}}"#)
            #expect(await relay.nextToServer() == Frames.call(1, "write_a"))
            relay.client(Frames.call(2, "write_a", #"{"x":1}"#))
            #expect(await relay.nextToServer() == Frames.call(2, "write_a", #"{"x":1}"#))
            // Another tool is not covered.
            relay.client(Frames.call(3, "write_b"))
            let next = try await relay.nextToClientJSON()
            #expect(next["method"]?.stringValue == "elicitation/create")
            let decisions = try relay.records("decision")
            #expect(decisions[0]["approval"]?["grant"]?["id"]?.stringValue == "approval-1")
            #expect(decisions[1]["approval"]?["grant_id"]?.stringValue == "approval-1")
            #expect(decisions[1]["decided_by"]?["channel"]?.stringValue == "elicitation")
        }
    }

    @Test func rememberNeverIgnoresTheBox() async throws {
        let policy = Self.policy.replacingOccurrences(of: "remember: session", with: "remember: never")
        try await RelayHarness.with(policy: policy) { relay in
            let question = try await ask(relay)
            #expect(question["params"]?["requestedSchema"]?["properties"]?["remember"] == nil)
            try answer(relay, question, #"{"action":"accept","content":{"decision":"approve","remember":true}}"#)
            _ = await relay.nextToServer()
            relay.client(Frames.call(2, "write_a"))
            #expect(try await relay.nextToClientJSON()["method"]?.stringValue == "elicitation/create")
        }
    }

    @Test func grantsBoundToArgumentsCoverOnlyThoseValues() async throws {
        let policy = Self.policy.replacingOccurrences(
            of: "remember: session", with: "remember: {for: 10m, arguments: [path]}")
        try await RelayHarness.with(policy: policy) { relay in
            relay.client(Self.initialize())
            _ = await relay.nextToServer()
            relay.client(Frames.call(1, "write_a", #"{"path":"/tmp/a"}"#))
            let question = try await relay.nextToClientJSON()
            try answer(relay, question, #"{"action":"accept","content":{"decision":"approve","remember":true}}"#)
            _ = await relay.nextToServer()
            relay.client(Frames.call(2, "write_a", #"{"path":"/tmp/a","mode":"w"}"#))
            #expect(await relay.nextToServer() == Frames.call(2, "write_a", #"{"path":"/tmp/a","mode":"w"}"#))
            relay.client(Frames.call(3, "write_a", #"{"path":"/etc/passwd"}"#))
            #expect(try await relay.nextToClientJSON()["method"]?.stringValue == "elicitation/create")
            let grant = try #require(try relay.records("decision").first?["approval"]?["grant"])
            #expect(grant["arguments"]?["path"]?.stringValue == "/tmp/a")
            #expect(grant["expires_at"]?.stringValue != nil)
        }
    }
}
