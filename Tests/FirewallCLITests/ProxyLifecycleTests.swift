import FirewallClient
import FirewallCore
import FirewallRelay
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Crashes, hang-ups, signals and failures: the proxy must answer what is outstanding, flush the
/// audit log and exit with a code that says what happened, within bounded time.
@Suite(.timeLimit(.minutes(1)))
struct ProxyLifecycleTests {
    @Test func serverCrashAnswersInFlightRequestsAndExitsNonZero() async throws {
        let folder = try E2E.temporaryFolder()
        // Answers initialize, reads the initialized notification, then dies on the tools/call.
        let script = #"""
            read line; echo '{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-11-25","capabilities":{},"serverInfo":{"name":"crash","version":"1"}}}'
            read line; read line; exit 3
            """#
        let argv = try E2E.proxyArgv(folder: folder, policy: E2E.hrPolicy, server: ["/bin/sh", "-c", script])
        let (reply, status) = try await StdioClient.with(argv: argv) { client in
            try await E2E.initialize(client)
            let reply = await E2E.callTool(client, id: 1, "get_employee", [.string("employee_id", "E-1001")])
            return (reply, await client.process.termination())
        }
        #expect(reply?["error"]?["code"]?.doubleValue == -32000)
        #expect(reply?["error"]?["message"]?.stringValue?.contains("exit status 3") == true)
        #expect(status == .exited(69))
        let records = try E2E.auditRecords(folder)
        let end = try #require(E2E.records(records, event: "session_end").last)
        #expect(end["server_exit"]?.stringValue == "exit status 3")
        #expect(E2E.records(records, event: "result").first?["outcome"]?.stringValue == "server_exited")
    }

    @Test func clientHangUpStopsTheServerAndExitsZero() async throws {
        let folder = try E2E.temporaryFolder()
        let argv = try E2E.proxyArgv(folder: folder, policy: E2E.hrPolicy)
        let status = try await StdioClient.with(argv: argv) { client in
            try await E2E.initialize(client)
            return await client.close()
        }
        #expect(status == .exited(0))
        let end = try #require(E2E.records(try E2E.auditRecords(folder), event: "session_end").last)
        #expect(end["reason"]?.stringValue?.hasPrefix("client closed") == true)
        #expect(end["server_exit"]?.stringValue == "exit status 0")
    }

    /// A client that sends its calls and closes stdin at once: every call it sent is decided and
    /// reaches the server before the server's stdin is closed, so each is answered, none "server exited".
    @Test func callsSentJustBeforeTheClientHangsUpAllReachTheServer() async throws {
        let folder = try E2E.temporaryFolder()
        let argv = try E2E.proxyArgv(folder: folder, policy: E2E.hrPolicy)
        let status = try await StdioClient.with(argv: argv) { client in
            try await E2E.initialize(client)
            for id in 1...50 {
                _ = client.send(
                    Array(
                        #"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"get_employee","arguments":{"employee_id":"E-1001"}}}"#
                            .utf8))
            }
            return await client.close()
        }
        #expect(status == .exited(0))
        let records = try E2E.auditRecords(folder)
        let outcomes = E2E.records(records, event: "result").compactMap { $0["outcome"]?.stringValue }
        #expect(E2E.records(records, event: "decision").count == 50)
        #expect(outcomes == Array(repeating: "ok", count: 50), "\(outcomes)")
        let end = try #require(E2E.records(records, event: "session_end").last)
        #expect(end["reason"]?.stringValue == "client closed its input (endOfFile)")
        #expect(records.last?["event"]?.stringValue == "session_end", "nothing is recorded after the end")
    }

    @Test func serverIgnoringHangUpAndSIGTERMIsKilled() async throws {
        let folder = try E2E.temporaryFolder()
        // A server that ignores both its closed stdin and SIGTERM.
        let stubborn = ["/bin/sh", "-c", "trap '' TERM; while :; do sleep 1; done"]
        let argv = try E2E.proxyArgv(folder: folder, policy: E2E.hrPolicy, server: stubborn)
        let started = ContinuousClock.now
        let status = try await StdioClient.with(argv: argv) { client in await client.close(grace: .seconds(20)) }
        #expect(status == .exited(0))
        // Grace 1 s, then SIGTERM, then SIGKILL: about 2 s alone. Exiting 0 before the client's own 20 s
        // grace ran out already shows the proxy escalated by itself; the bound only catches a wait on the
        // client's grace (a loaded 2-core run of the whole suite has taken 15 s).
        #expect(ContinuousClock.now - started < .seconds(20), "grace 1 s, then SIGTERM, then SIGKILL")
        let end = try #require(E2E.records(try E2E.auditRecords(folder), event: "session_end").last)
        #expect(end["server_exit"]?.stringValue == "killed by signal 9")
    }

    @Test func whatTheServerStartedDiesWithIt() async throws {
        let folder = try E2E.temporaryFolder()
        let marker = "4\(Int.random(in: 100...999))"
        let server = ["/bin/sh", "-c", "trap '' TERM; sleep \(marker) & wait; wait"]
        let argv = try E2E.proxyArgv(folder: folder, policy: E2E.hrPolicy, server: server)
        _ = try await StdioClient.with(argv: argv) { client in await client.close(grace: .seconds(20)) }
        let (_, survivors) = try Shell.output(["/usr/bin/pgrep", "-f", "sleep \(marker)"])
        #expect(survivors.isEmpty, "the server's own children are stopped with it: \(survivors)")
    }

    @Test func sigtermStopsAServerThatNoLongerReadsItsInput() async throws {
        let folder = try E2E.temporaryFolder()
        let argv = try E2E.proxyArgv(folder: folder, policy: E2E.hrPolicy, server: ["/bin/sh", "-c", "exec sleep 60"])
        let started = ContinuousClock.now
        let status = try await StdioClient.with(argv: argv) { client in
            let notification = Array(#"{"jsonrpc":"2.0","method":"notifications/message","params":{"x":1}}"#.utf8)
            // About 105 KB: enough to fill the pipe to a server that never reads (64 KB), and block the
            // proxy in a write, without filling the pipe from this test to the proxy as well.
            for _ in 0..<1_500 { client.send(notification) }
            try await Task.sleep(for: .milliseconds(300))
            client.process.send(SIGTERM)
            return await client.process.termination()
        }
        #expect(status == .exited(0))
        #expect(ContinuousClock.now - started < .seconds(15), "grace 1 s, then SIGTERM, then SIGKILL")
    }

    @Test func sigtermShutsDownGracefully() async throws {
        let folder = try E2E.temporaryFolder()
        let argv = try E2E.proxyArgv(folder: folder, policy: E2E.hrPolicy)
        let status = try await StdioClient.with(argv: argv) { client in
            try await E2E.initialize(client)
            client.process.send(SIGTERM)
            return await client.process.termination()
        }
        #expect(status == .exited(0))
        let end = try #require(E2E.records(try E2E.auditRecords(folder), event: "session_end").last)
        #expect(end["reason"]?.stringValue?.contains("signal") == true)
    }

    @Test func badPolicyRefusesToStartAndNamesEveryProblem() async throws {
        let folder = try E2E.temporaryFolder()
        let policy = """
            version: 1
            defaults: {read: allow, write: confrim}
            tools:
              - name: x
                decision: no
            """
        let argv = try E2E.proxyArgv(folder: folder, policy: policy)
        let (status, stderr) = try Shell.run(argv)
        #expect(status == 1)
        #expect(stderr.contains("policy.yaml:2:"))
        #expect(stderr.contains("did you mean `confirm`?"))
        #expect(stderr.contains("policy.yaml:5:"))
        #expect(stderr.contains("did you mean `deny`?"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/audit.jsonl"), "nothing starts on a bad policy")
    }

    @Test func unwritableAuditLogRefusesToStart() throws {
        let folder = try E2E.temporaryFolder()
        var argv = try E2E.proxyArgv(folder: folder, policy: E2E.hrPolicy)
        let auditFlag = try #require(argv.firstIndex(of: "--audit"))
        argv[auditFlag + 1] = "/dev/full"
        let (status, stderr) = try Shell.run(argv)
        #expect(status == 1)
        #expect(stderr.contains("refusing to start"))
        #expect(stderr.contains("No space left on device"))
    }

    @Test func auditFailureMidSessionDeniesCallsAndExits74() async throws {
        let folder = try E2E.temporaryFolder()
        let proxy = try E2E.proxyArgv(folder: folder, policy: E2E.hrPolicy)
        // A 4 KiB file-size limit: the session starts, then the audit log hits the limit mid-session.
        let argv = ["/bin/sh", "-c", "ulimit -f 8 && exec \"$@\"", "sh"] + proxy
        let (replies, status) = try await StdioClient.with(argv: argv) { client in
            try await E2E.initialize(client)
            var replies: [JSONValue?] = []
            for id in 1...6 {
                replies.append(await E2E.callTool(client, id: id, "get_employee", [.string("employee_id", "E-1001")]))
            }
            return (replies, await client.close())
        }
        let denied = replies.filter { E2E.text($0).contains("cannot be written") }
        #expect(!denied.isEmpty, "calls after the failure are denied, naming the cause")
        #expect(replies.last.map { E2E.text($0).contains("cannot be written") } == true)
        #expect(status == .exited(74))
        let data = try #require(FileManager.default.contents(atPath: folder + "/audit.jsonl"))
        #expect(data.count <= 4096)
        #expect(data.last == UInt8(ascii: "\n"), "a batch cut short by the limit is taken back: no half record")
    }

    @Test func missingServerCommandExits69() throws {
        let folder = try E2E.temporaryFolder()
        let argv = try E2E.proxyArgv(folder: folder, policy: E2E.hrPolicy, server: ["/nonexistent/mcp-server"])
        let (status, stderr) = try Shell.run(argv)
        #expect(status == 69)
        #expect(stderr.contains("/nonexistent/mcp-server"))
    }
}

/// Runs a command to completion with stdin closed, capturing stderr.
enum Shell {
    static func run(_ argv: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        let errorPipe = Pipe()
        process.standardError = errorPipe
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = errorPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Runs a command to completion, capturing stdout and stderr together.
    static func output(_ argv: [String], directory: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
