import FirewallCore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Runs one proxy session over stdio as a `Service`: spawns the server, pumps both directions,
/// runs approvals, and on any ending (client hang-up, server exit, SIGTERM/SIGINT) shuts the server
/// down with a grace period, answers what is outstanding, and closes the audit log with a
/// `session_end` record.
package final class ProxyService: Service, Sendable {
    package static let version = "0.1.0"

    private let configuration: ProxyConfiguration
    private let logger: Logger
    private let clientInput: Int32
    private let clientOutput: Int32
    private let outcomeBox = Mutex<ProxyOutcome?>(nil)
    private let sessionID: String
    private let channels: [any ApprovalChannel]

    /// `clientInput`/`clientOutput` default to our stdin/stdout; tests pass pipes. `channels` replaces
    /// the built-in channels (tests); `additionalChannels` adds to them (the web page, owned by the CLI).
    package init(
        configuration: ProxyConfiguration, logger: Logger, clientInput: Int32 = 0, clientOutput: Int32 = 1,
        channels: [any ApprovalChannel]? = nil, additionalChannels: [any ApprovalChannel] = []
    ) {
        self.configuration = configuration
        self.logger = logger
        self.clientInput = clientInput
        self.clientOutput = clientOutput
        self.sessionID = UUID().uuidString.lowercased()
        self.channels =
            (channels ?? [TerminalApprovalChannel(disabled: configuration.disableTerminal)]) + additionalChannels
    }

    /// How the session ended; set when `run()` returns.
    package var outcome: ProxyOutcome? { outcomeBox.withLock { $0 } }

    package func run() async throws {
        let audit = try AuditLog(
            path: configuration.auditPath, sessionID: sessionID, syncEachBatch: configuration.auditSync)
        var start = AuditEvent.SessionStart(
            proxyVersion: Self.version, pid: Int(getpid()), serverArgv: configuration.serverArgv,
            policy: configuration.policy.source, environment: configuration.environment,
            payloadLimit: configuration.auditPayloadLimit)
        start.layers = configuration.policy.layers
        start.environmentOverlay = configuration.policy.environment != nil
        let started = audit.append(.sessionStart(start))
        // Nothing runs unaudited: if the first record cannot be written, refuse to start.
        guard started else {
            throw AuditLogError(message: audit.failure ?? "audit log \(configuration.auditPath) cannot be written")
        }
        let child: ChildProcess
        do {
            child = try ChildProcess(
                argv: configuration.serverArgv,
                environment: Posix.environment(withholding: configuration.withheldEnvironment))
        } catch {
            audit.append(
                .sessionEnd(
                    .init(
                        reason: "server failed to start: \(error)", serverExit: nil, counts: [], durationMilliseconds: 0
                    )))
            throw error
        }
        logger.info(
            "server started", metadata: ["server.pid": "\(child.pid)", "audit.path": "\(configuration.auditPath)"])
        let approvals = ApprovalCoordinator(channels: channels)
        let session = RelaySession(
            policy: configuration.policy, audit: audit, toServer: FrameWriter(fd: child.stdinFD),
            toClient: FrameWriter(fd: clientOutput), approvals: approvals,
            configuration: .init(
                auditPayloadLimit: configuration.auditPayloadLimit, maxHeldCalls: configuration.maxHeldCalls,
                serverDescription: configuration.serverArgv.joined(separator: " ")
            ),
            logger: logger
        )
        let clientReader = try PipeReader(fd: clientInput)
        let serverReader = try PipeReader(fd: child.stdoutFD)
        let serverDrained = OneShot<Void>()
        let stopServer = OneShot<Void>()
        let grace = configuration.gracePeriod
        let maxBytes = configuration.maxMessageBytes

        let termination: ChildProcess.Termination = await withGracefulShutdownHandler {
            await withTaskGroup(of: ChildProcess.Termination?.self) { group in
                group.addTask {
                    let end = await Self.pump(
                        clientReader, name: "mcp-firewall.client-reader", maxBytes: maxBytes, logger: self.logger
                    ) {
                        session.handleClientFrames($0)
                    } oversized: { size in
                        session.rejectOversized(size)
                    }
                    switch end {
                    case .endOfFile: session.clientEnded(.endOfFile)
                    case .stopped: session.clientEnded(.stopped)
                    case .failed(let reason): session.clientEnded(.failed(reason))
                    }
                    _ = await child.shutDown(grace: grace)
                    return nil
                }
                group.addTask {
                    _ = await Self.pump(
                        serverReader, name: "mcp-firewall.server-reader", maxBytes: maxBytes, logger: self.logger
                    ) {
                        session.handleServerFrames($0)
                    } oversized: { size in
                        session.dropOversizedServerMessage(size)
                    }
                    serverDrained.fulfil(())
                    return nil
                }
                group.addTask {
                    await approvals.run()
                    return nil
                }
                group.addTask {
                    // On a shutdown signal, stop the server at once: the client reader may be blocked
                    // writing to a server that no longer reads, and only the server going away frees it.
                    _ = await stopServer.value()
                    _ = await child.shutDown(grace: grace)
                    return nil
                }
                group.addTask {
                    let status = await child.termination() ?? .signaled(SIGKILL)
                    // Let the server's last words through before answering what is left.
                    if await ChildProcess.wait(serverDrained, upTo: .seconds(2)) == nil { serverReader.stop() }
                    _ = await serverDrained.value()
                    session.serverEnded(status.description)
                    clientReader.stop()
                    approvals.finish()
                    stopServer.fulfil(())
                    return status
                }
                var status: ChildProcess.Termination?
                for await result in group where result != nil { status = result }
                return status ?? .signaled(SIGKILL)
            }
        } onGracefulShutdown: {
            session.shutdownRequested()
            clientReader.stop()
            stopServer.fulfil(())
        }

        // The session's own ending record was written when the server's exit was delivered.
        let ending = session.sessionEnding
        let outcome: ProxyOutcome
        if let failure = audit.failure {
            outcome = .auditFailed(failure)
        } else if ending?.unattendedFailure == true {
            outcome = .unattendedFailure
        } else if case .serverExited? = ending?.cause {
            outcome = .serverExited(termination.description)
        } else {
            outcome = .clientClosed
        }
        audit.sync()
        outcomeBox.withLock { $0 = outcome }
    }

    /// Reads frames from `reader` until it ends, handing each complete frame to `handle`.
    private static func pump(
        _ reader: PipeReader, name: String, maxBytes: Int, logger: Logger,
        handle: @escaping @Sendable ([[UInt8]]) -> Void, oversized: @escaping @Sendable (Int) -> Void
    ) async -> PipeReader.End {
        let framer = Mutex(LineFramer(maxFrameBytes: maxBytes))
        let end = await reader.run(name: name) { chunk in
            var frames: [[UInt8]] = []
            for event in framer.withLock({ $0.append(chunk) }) {
                switch event {
                case .frame(let frame): frames.append(frame)
                case .oversized(let size):
                    if !frames.isEmpty { handle(frames) }
                    frames.removeAll()
                    oversized(size)
                }
            }
            if !frames.isEmpty { handle(frames) }
        }
        // A final line without a newline is still a message, but only at end of input: a reader that
        // was stopped may hold the front half of a frame.
        if end == .endOfFile, case .frame(let frame)? = framer.withLock({ $0.finish() }) { handle([frame]) }
        if case .failed(let reason) = end {
            logger.error("read failed", metadata: ["reader": "\(name)", "reason": "\(reason)"])
        }
        return end
    }
}
