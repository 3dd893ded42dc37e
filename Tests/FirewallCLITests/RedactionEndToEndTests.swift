import FirewallClient
import FirewallCore
import Foundation
import Testing

/// The built proxy with `audit.redaction` in its policy: keyed hashes from a key in the environment,
/// and a refusal to start without the key.
@Suite(.timeLimit(.minutes(1)))
struct RedactionEndToEndTests {
    static let policy =
        E2E.hrPolicy + """

            audit:
              redaction:
                mode: hmac
                hmac_key_env: MCP_FIREWALL_TEST_REDACTION_KEY
                keys: [employee_id]
            """

    @Test func hashesSecretsWithTheKeyFromTheEnvironment() async throws {
        let folder = try E2E.temporaryFolder()
        let argv = try E2E.proxyArgv(folder: folder, policy: Self.policy)
        let keyed = ["/usr/bin/env", "MCP_FIREWALL_TEST_REDACTION_KEY=" + String(repeating: "k3y-", count: 8)] + argv
        let status = try await StdioClient.with(argv: keyed) { client in
            try await E2E.initialize(client)
            let reply = await E2E.callTool(
                client, id: 1, "get_employee", [.string("employee_id", "E-1001"), .string("password", "hunter2")])
            #expect(E2E.text(reply).contains("Ada Lovelace"), "the server must get the call as sent")
            return await client.close()
        }
        #expect(status == .exited(0))
        let log = String(
            decoding: try #require(FileManager.default.contents(atPath: folder + "/audit.jsonl")), as: UTF8.self)
        #expect(!log.contains("hunter2"))
        let records = try E2E.auditRecords(folder)
        let decision = try #require(E2E.records(records, event: "decision").first)
        let hashed = try #require(decision["arguments"]?["employee_id"]?.stringValue)
        #expect(hashed.hasPrefix("hmac:"))
        // The same value in the request's message record gets the same hash: records still correlate.
        let request = try #require(
            E2E.records(records, event: "message").first { $0["method"]?.stringValue == "tools/call" })
        #expect(request["payload"]?["params"]?["arguments"]?["employee_id"]?.stringValue == hashed)
        #expect(request["redactions"] != nil)
    }

    @Test func refusesToStartWithoutTheKey() throws {
        let folder = try E2E.temporaryFolder()
        let argv = try E2E.proxyArgv(folder: folder, policy: Self.policy)
        let (status, stderr) = try Shell.run(["/usr/bin/env", "-u", "MCP_FIREWALL_TEST_REDACTION_KEY"] + argv)
        #expect(status == 1)
        #expect(stderr.contains("refusing to start"))
        #expect(stderr.contains("MCP_FIREWALL_TEST_REDACTION_KEY"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/audit.jsonl"))
    }

    @Test func policyCheckWarnsWhenRedactionIsOff() throws {
        let folder = try E2E.temporaryFolder()
        let path = folder + "/off.yaml"
        try "version: 1\naudit:\n  redaction:\n    enabled: false\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        let (status, stderr) = try Shell.run([E2E.binary, "policy", "check", path])
        #expect(status == 0)
        #expect(stderr.contains("\(path):4:14: warning: audit redaction is off"))
    }
}
