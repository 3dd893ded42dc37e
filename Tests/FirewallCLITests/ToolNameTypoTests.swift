import FirewallClient
import FirewallCore
import Foundation
import Testing

/// A rule naming a tool the server does not list is a typo until shown otherwise: the proxy records
/// the server's tool list with the unmatched rules, and `policy check --tools-from` finds the same
/// offline.
@Suite(.timeLimit(.minutes(1)))
struct ToolNameTypoTests {
    static let policy = E2E.hrPolicy + "\n  - name: udpate_salary\n    decision: deny\n    reason: typo\n"

    @Test func theProxyRecordsTheToolListAndTheRuleThatMatchesNoToolAndPolicyCheckFindsItOffline() async throws {
        let folder = try E2E.temporaryFolder()
        let argv = try E2E.proxyArgv(folder: folder, policy: Self.policy)
        try await StdioClient.with(argv: argv) { client in
            try await E2E.initialize(client)
            // Every page: the listing is complete (and recorded) with the page that names no next one.
            var cursor: String?
            var id = 1
            repeat {
                let params: JSONValue? = cursor.map { .object([.string("cursor", $0)]) }
                let page = try #require(await client.call(id: id, method: "tools/list", params: params))
                cursor = page["result"]?["nextCursor"]?.stringValue
                id += 1
            } while cursor != nil
            await client.close()
        }
        let listed = try #require(E2E.records(try E2E.auditRecords(folder), event: "tools_listed").first)
        guard case .array(let tools)? = listed["tools"], case .array(let unmatched)? = listed["unmatched_rules"] else {
            Issue.record("tools_listed lacks tools or unmatched_rules: \(listed)")
            return
        }
        #expect(tools.contains(.string("update_salary")))
        #expect(unmatched.count == 1)
        #expect(unmatched.first?["name"]?.stringValue == "udpate_salary")
        #expect(unmatched.first?["suggestion"]?.stringValue == "update_salary")

        let (status, stderr) = try Shell.run([
            E2E.binary, "policy", "check", folder + "/policy.yaml", "--tools-from", folder,
        ])
        #expect(status == 0, "a warning, not an error")
        #expect(
            stderr.contains(
                "warning: rule names `udpate_salary`, which no recorded server lists (did you mean `update_salary`?)"),
            "\(stderr)")
    }

    @Test func aLogWithoutAToolListIsSaidSo() throws {
        let folder = try E2E.temporaryFolder()
        try "version: 1\n".write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        try #"{"v":1,"seq":1,"event":"session_start"}"#.write(
            toFile: folder + "/old.jsonl", atomically: true, encoding: .utf8)
        let (status, stderr) = try Shell.run([
            E2E.binary, "policy", "check", folder + "/p.yaml", "--tools-from", folder + "/old.jsonl",
        ])
        #expect(status == 0)
        #expect(stderr.contains("the log records no server tool list (`tools_listed`)"), "\(stderr)")
    }
}
