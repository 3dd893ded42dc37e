import FirewallClient
import FirewallCore
import FirewallRelay
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A server that stops reading its stdin back-pressures the frames meant for it, and nothing else:
/// approvals still settle and are audited, timeouts still answer the client, SIGTERM still ends the
/// session with its record.
@Suite(.timeLimit(.minutes(1)))
struct StuckServerTests {
    /// A hook that never answers for `write_wait` and approves everything else, naming the approver.
    static func hook(in folder: String) throws -> String {
        let path = folder + "/hook.sh"
        let script = """
            #!/bin/sh
            if grep -q write_wait; then exec sleep 30; fi
            printf '%s\\n' '{"decision":"approve","approver":"oncall@example.com"}'
            """
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func policy(hook: String) -> String {
        """
        version: 1
        defaults: {read: allow, write: confirm, sensitive: deny}
        approval: {channels: [command], timeout: 1s, command: [/bin/sh, \(hook)]}
        tools:
          - name: write_*
            class: write
        """
    }

    static func call(_ id: Int, _ tool: String) -> [UInt8] {
        Array(#"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"\#(tool)","arguments":{}}}"#.utf8)
    }

    @Test func aServerThatNeverReadsStallsNeitherApprovalsNorTimeoutsNorSIGTERM() async throws {
        let folder = try E2E.temporaryFolder()
        let policy = Self.policy(hook: try Self.hook(in: folder))
        // Never reads stdin, never writes: every frame for it piles up in the proxy.
        let argv = try E2E.proxyArgv(
            folder: folder, policy: policy, server: ["/bin/sh", "-c", "exec sleep 60"], extra: ["--no-terminal"])
        let started = ContinuousClock.now
        let (denial, status) = try await StdioClient.with(argv: argv) { client in
            // The calls are held first: two are approved at once (their forwards join the queue below:
            // as many as a 2-core machine has pool threads, which a blocking write would each park), the
            // last waits for a hook that never answers.
            _ = client.send(Self.call(1, "write_go"))
            _ = client.send(Self.call(3, "write_go_too"))
            async let waiting = client.request(Self.call(2, "write_wait"), id: .number("2"))
            try await Task.sleep(for: .milliseconds(100))
            // Then 1.5 MB of notifications for the server: its 64 KB pipe fills, then the proxy's writer
            // queue past its high-water mark, so the proxy stops taking client frames for it. The timeout
            // must still answer the client, and the approval still be recorded.
            let notification = Array(
                #"{"jsonrpc":"2.0","method":"notifications/message","params":{"pad":"\#(String(repeating: "x", count: 1000))"}}"#
                    .utf8)
            for _ in 0..<1_500 { _ = client.send(notification) }
            let denial = await waiting
            client.process.send(SIGTERM)
            return (denial, await client.process.termination())
        }
        #expect(status == .exited(0))
        #expect(ContinuousClock.now - started < .seconds(20), "grace 1 s for the server, then SIGTERM, SIGKILL")
        let reply = try JSONParser.parse(try #require(denial))
        #expect(reply["result"]?["isError"]?.boolValue == true)
        #expect(E2E.text(reply).contains("timeout"), "\(E2E.text(reply))")
        let records = try E2E.auditRecords(folder)
        let decisions = E2E.records(records, event: "decision")
        let approved = decisions.filter { $0["decision"]?.stringValue == "allow" }
        #expect(approved.count == 2)
        #expect(approved.allSatisfy { $0["decided_by"]?["identity"]?.stringValue == "oncall@example.com" })
        let timedOut = try #require(decisions.first { $0["id"]?.doubleValue == 2 })
        #expect(timedOut["approval"]?["outcome"]?.stringValue == "timeout")
        let end = try #require(E2E.records(records, event: "session_end").last)
        #expect(end["reason"]?.stringValue == "shutdown requested (signal)")
    }
}
