import FirewallCore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import FirewallRelay

#if canImport(Glibc)
import Glibc
#endif

/// The session's services in one `ServiceGroup`, as the CLI runs them: each way a session ends stops
/// every service in order (a service that returned out of turn would make `run()` throw) and leaves a
/// typed outcome and a `session_end` record that names the cause.
@Suite struct ProxySessionTests {
    /// A session over pipes, a server command, and what it recorded.
    final class Rig: Sendable {
        let session: ProxySession
        let group: ServiceGroup
        let auditPath: String
        /// Our ends of the client's pipes, and the proxy's (which it never closes: they are its stdio).
        private let descriptors: Mutex<[String: Int32]>

        init(server: [String]) async throws {
            signal(SIGPIPE, SIG_IGN)
            let folder = NSTemporaryDirectory() + "proxy-session-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            auditPath = folder + "/audit.jsonl"
            let policy = try PolicyLoader.load(text: "version: 1\ndefaults: {read: allow}\n", path: "test.yaml").policy
            let input = try Posix.pipe()
            let output = try Posix.pipe()
            descriptors = Mutex([
                "client input": input.write, "client output": output.read, "proxy input": input.read,
                "proxy output": output.write,
            ])
            let logger = Logger(label: "test")
            session = try await ProxySession.open(
                configuration: ProxyConfiguration(
                    serverArgv: server, policy: policy, auditPath: auditPath, gracePeriod: .milliseconds(300)),
                channels: [], logger: logger, clientInput: input.read, clientOutput: output.write)
            group = ServiceGroup(configuration: .init(services: session.services, logger: logger))
        }

        deinit {
            for fd in descriptors.withLock({ $0.values }) { close(fd) }
        }

        /// The client closes its end of the proxy's stdin (once: a descriptor number is soon reused).
        func closeClientInput() {
            if let fd = descriptors.withLock({ $0.removeValue(forKey: "client input") }) { close(fd) }
        }

        /// The last record's `reason`, from the bytes on disk.
        func sessionEndReason() throws -> String? {
            let lines = try String(contentsOfFile: auditPath, encoding: .utf8).split(separator: "\n")
            let last = try JSONSerialization.jsonObject(with: Data(lines.last!.utf8)) as? [String: Any]
            #expect(last?["event"] as? String == "session_end")
            return last?["reason"] as? String
        }
    }

    @Test func aServerThatExitsEndsTheSessionWithItsStatus() async throws {
        let rig = try await Rig(server: ["/bin/sh", "-c", "exit 3"])
        try await rig.group.run()
        #expect(rig.session.outcome == .serverExited("exit status 3"))
        #expect(try rig.sessionEndReason() == "server exited (exit status 3)")
    }

    @Test func theClientClosingItsInputStopsTheServerAndEndsTheSession() async throws {
        let rig = try await Rig(server: ["/bin/cat"])
        rig.closeClientInput()
        try await rig.group.run()
        #expect(rig.session.outcome == .clientClosed)
        #expect(try rig.sessionEndReason() == "client closed its input (endOfFile)")
    }

    @Test func aGracefulShutdownStopsAServerThatIgnoresItsInput() async throws {
        // The server neither reads nor exits on its own: only the shutdown's SIGTERM ends it.
        let rig = try await Rig(server: ["/bin/sh", "-c", "exec sleep 30"])
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await rig.group.run() }
            await rig.group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(rig.session.outcome == .clientClosed)
        #expect(try rig.sessionEndReason() == "shutdown requested (signal)")
    }
}
