import FirewallClient
import FirewallCore
import FirewallRelay
import FirewallTestSupport
import Foundation
import Synchronization
import Testing

/// Audit sinks and `audit tail` through the built binary.
@Suite(.timeLimit(.minutes(2)))
struct AuditSinkEndToEndTests {
    static func record(_ seq: Int, _ event: String, session: String, _ rest: String = "") -> String {
        #"{"v":1,"seq":\#(seq),"ts":"2026-11-25T21:27:40.516703Z","session":"\#(session)","event":"\#(event)""#
            + (rest.isEmpty ? "" : "," + rest) + "}\n"
    }

    static let log = [
        record(1, "session_start", session: "aaaaaaaa-1", #""policy":{"path":"p.yaml"}"#),
        record(2, "decision", session: "aaaaaaaa-1", #""tool":"update_salary","class":"write","decision":"allow""#),
        record(1, "session_start", session: "bbbbbbbb-2", #""policy":{"path":"p.yaml"}"#),
        record(2, "decision", session: "bbbbbbbb-2", #""tool":"list_employees","class":"read","decision":"allow""#),
        record(3, "result", session: "bbbbbbbb-2", #""tool":"list_employees","outcome":"ok","duration_ms":1.5"#),
    ]

    @Test func tailPrintsReadablyAndFilters() throws {
        let folder = try E2E.temporaryFolder()
        let path = folder + "/audit.jsonl"
        try (Self.log.joined() + #"{"v":1,"seq":4"#).write(toFile: path, atomically: true, encoding: .utf8)
        let (status, all) = try Shell.output([E2E.binary, "audit", "tail", path])
        #expect(status == 0, "\(all)")
        #expect(all.split(separator: "\n").count == 5, "the torn last line waits for its newline: \(all)")
        #expect(all.contains("aaaaaaaa #2 decision           update_salary write ALLOW"))
        let (_, filtered) = try Shell.output([
            E2E.binary, "audit", "tail", path, "--session", "bbbbbbbb", "--event", "decision", "--event", "result",
        ])
        #expect(filtered.split(separator: "\n").count == 2, "\(filtered)")
        #expect(!filtered.contains("aaaaaaaa"))
        let (_, tool) = try Shell.output([E2E.binary, "audit", "tail", path, "--tool", "update_salary", "--json"])
        #expect(tool == Self.log[1])
        let (missing, message) = try Shell.output([E2E.binary, "audit", "tail", folder + "/none.jsonl"])
        #expect(missing == 1)
        #expect(message.contains("cannot open the audit log"))
    }

    @Test func tailFollowsNewLinesAsTheyAreWritten() async throws {
        let folder = try E2E.temporaryFolder()
        let path = folder + "/audit.jsonl"
        let message = { (seq: Int) in Self.record(seq, "message", session: "cccccccc-3", #""kind":"notification""#) }
        try message(1).write(toFile: path, atomically: true, encoding: .utf8)
        try await StdioClient.with(argv: [E2E.binary, "audit", "tail", "--follow", "--json", path], grace: .seconds(1))
        {
            client in
            #expect(await client.nextUnsolicited().map { String(decoding: $0, as: UTF8.self) + "\n" } == message(1))
            let handle = try #require(FileHandle(forWritingAtPath: path))
            handle.seekToEndOfFile()
            let second = Array(message(2).utf8)
            handle.write(Data(second.prefix(10)))
            handle.write(Data(second.dropFirst(10)))
            try handle.close()
            #expect(await client.nextUnsolicited().map { String(decoding: $0, as: UTF8.self) + "\n" } == message(2))
        }
    }

    @Test func aFailingSinkUnderDenyDeniesCallsNamingIt() async throws {
        let folder = try E2E.temporaryFolder()
        let asked = OneShot<Void>()
        let collector = try TestHTTPServer { _ in
            asked.fulfil(())
            return .status(400, body: Array("schema mismatch".utf8))
        }
        let policy = """
            version: 1
            defaults: {read: allow, write: allow, sensitive: deny}
            audit:
              sinks:
                - url: http://127.0.0.1:\(collector.port)/ingest
                  name: siem
                  on_sink_failure: deny
            """
        let argv =
            ["/usr/bin/env", "MCP_FIREWALL_AUDIT_SINK_SECRET=e2e-secret"]
            + (try E2E.proxyArgv(folder: folder, policy: policy, extra: ["--audit-sink-drain", "1"]))
        let denial = try await StdioClient.with(argv: argv) { client -> String in
            try await E2E.initialize(client)
            await asked.valueIgnoringCancellation()
            // The collector has answered; the proxy hears of it a moment later. Each call is a round trip.
            for id in 1...200 {
                let reply = await E2E.callTool(client, id: id, "list_employees")
                if reply?["result"]?["isError"]?.boolValue == true { return E2E.text(reply) }
            }
            return "never denied"
        }
        await collector.stop()
        #expect(
            denial.contains("audit sink `siem` cannot deliver (the collector answered 400: schema mismatch)"),
            "\(denial)")
        let decision = try #require(
            E2E.records(try E2E.auditRecords(folder), event: "decision").first { $0["decision"]?.stringValue == "deny" }
        )
        #expect(decision["policy_decision"]?.stringValue == "allow")
        #expect(decision["reason"]?.stringValue?.contains("on_sink_failure: deny") == true)
        #expect(FileManager.default.fileExists(atPath: folder + "/audit.jsonl.sink-siem.cursor"))
    }

    @Test func aSinkWithoutItsSecretRefusesToStart() throws {
        let folder = try E2E.temporaryFolder()
        let argv = try E2E.proxyArgv(
            folder: folder, policy: "version: 1\n", extra: ["--audit-sink", "http://127.0.0.1:9/ingest"])
        let (status, stderr) = try Shell.run(["/usr/bin/env", "-u", "MCP_FIREWALL_AUDIT_SINK_SECRET"] + argv)
        #expect(status == 1)
        #expect(stderr.contains("refusing to start: audit sink"), "\(stderr)")
        #expect(stderr.contains("MCP_FIREWALL_AUDIT_SINK_SECRET"), "\(stderr)")
    }
}
