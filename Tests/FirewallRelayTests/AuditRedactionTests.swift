import FirewallCore
import FirewallTestSupport
import Foundation
import Testing

@testable import FirewallRelay

/// Redaction end to end: the server and the client get the bytes as sent, the audit log never holds
/// the secret, and the policy judges the call as sent.
@Suite(.timeLimit(.minutes(1)))
struct AuditRedactionTests {
    static let secret = "hunter2"
    static let token = "ghp_" + String(repeating: "a1B2c3", count: 6)

    /// The whole audit file as text, once every record handed to the writer is on disk.
    private func auditText(_ relay: RelayHarness) throws -> String {
        _ = try relay.auditRecords()
        let data = try #require(FileManager.default.contents(atPath: relay.folder + "/audit.jsonl"))
        return String(decoding: data, as: UTF8.self)
    }

    @Test func forwardsTheCallAsSentButKeepsTheSecretOutOfTheLog() async throws {
        try await RelayHarness.with(policy: Frames.policy) { relay in
            let call = Frames.call(1, "read_login", #"{"user":"ada","password":"\#(Self.secret)"}"#)
            relay.client(call)
            #expect(await relay.nextToServer() == call)
            let result = Frames.result(1, text: "logged in; your token is \(Self.token)")
            relay.server(result)
            #expect(await relay.nextToClient() == result)
            let log = try auditText(relay)
            #expect(!log.contains(Self.secret))
            #expect(!log.contains(Self.token))
            let records = try relay.auditRecords()
            let decision = try #require(records.first { $0["event"]?.stringValue == "decision" })
            #expect(decision["arguments"]?["password"]?.stringValue == "[REDACTED:key:password]")
            #expect(decision["arguments"]?["user"]?.stringValue == "ada")
            #expect(decision["redactions"]?[0]?["path"]?.stringValue == "/arguments/password")
            let messages = records.filter { $0["event"]?.stringValue == "message" }
            #expect(
                messages.compactMap { $0["redactions"]?[0]?["path"]?.stringValue } == [
                    "/payload/params/arguments/password", "/payload/result/content/0/text",
                ])
        }
    }

    @Test func judgesTheCallAsSent() async throws {
        let policy = Frames.policy + "\n  - name: read_login\n    decision: deny\n    when: {password: hunter2}\n"
        try await RelayHarness.with(policy: policy) { relay in
            relay.client(Frames.call(1, "read_login", #"{"password":"\#(Self.secret)"}"#))
            let denial = try #require(await relay.nextToClient())
            #expect(denial.contains(#""isError":true"#))
            let decision = try #require(try relay.auditRecords().first { $0["event"]?.stringValue == "decision" })
            #expect(decision["decision"]?.stringValue == "deny")
            let log = try auditText(relay)
            #expect(!log.contains(Self.secret))
        }
    }

    @Test func logsEverythingWhenThePolicyTurnsRedactionOff() async throws {
        try await RelayHarness.with(policy: Frames.policy + "\naudit: {redaction: {enabled: false}}\n") { relay in
            let call = Frames.call(1, "read_login", #"{"password":"\#(Self.secret)"}"#)
            relay.client(call)
            #expect(await relay.nextToServer() == call)
            let log = try auditText(relay)
            #expect(log.contains(Self.secret))
        }
    }

    @Test func configurationFollowsThePolicyUnlessGivenARedactor() throws {
        let policy = try PolicyLoader.load(
            text: "version: 1\naudit: {redaction: {keys: [ssn]}}\n", path: "p.yaml"
        ).policy
        var configuration = ProxyConfiguration(serverArgv: ["x"], policy: policy, auditPath: "/dev/null")
        #expect(configuration.auditRedactor.keyRule(for: "customer_ssn") == "key:ssn")
        configuration.redactor = .disabled
        #expect(configuration.auditRedactor.keyRule(for: "customer_ssn") == nil)
    }
}

extension JSONValue {
    fileprivate subscript(index: Int) -> JSONValue? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }
}
