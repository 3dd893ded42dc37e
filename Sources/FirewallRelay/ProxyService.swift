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
        let audit = try AuditWriter(path: configuration.auditPath, syncEachBatch: configuration.auditSync)
        var encoder = AuditRecordEncoder(sessionID: sessionID)
        var start = AuditEvent.SessionStart(
            proxyVersion: Self.version, pid: Int(getpid()), serverArgv: configuration.serverArgv,
            policy: configuration.policy.source, environment: configuration.environment,
            payloadLimit: configuration.auditPayloadLimit)
        start.layers = configuration.policy.layers
        start.environmentOverlay = configuration.policy.environment != nil
        // Nothing runs unaudited: if the first record cannot be written, refuse to start.
        guard await audit.durable(audit.enqueue([encoder.encode(.sessionStart(start), time: Posix.now())])) else {
            let failure = audit.failure ?? "audit log \(configuration.auditPath) cannot be written"
            await audit.close()
            throw AuditLogError(message: failure)
        }
        let child: ChildProcess
        do {
            child = try ChildProcess(
                argv: configuration.serverArgv,
                environment: Posix.environment(withholding: configuration.withheldEnvironment))
        } catch {
            let end = AuditEvent.sessionEnd(
                .init(reason: "server failed to start: \(error)", serverExit: nil, counts: [], durationMilliseconds: 0))
            _ = await audit.durable(audit.enqueue([encoder.encode(end, time: Posix.now())]))
            await audit.close()
            throw error
        }
        logger.info(
            "server started", metadata: ["server.pid": "\(child.pid)", "audit.path": "\(configuration.auditPath)"])
        let inbox = SessionInbox()
        let approvals = ApprovalCoordinator(channels: channels)
        let toServer: DescriptorWriter
        let toClient: DescriptorWriter
        let clientReader: PipeReader
        let serverReader: PipeReader
        do {
            // The child's stdin is ours alone: its writer owns it (non-blocking, closed when it ends).
            toServer = try DescriptorWriter(
                fd: child.stdinFD, name: "mcp-firewall.server-writer", audit: audit, nonBlocking: true,
                closeWhenFinished: true, onPressureChange: { inbox.serverWriterBackedUp($0) },
                onUnsent: { [audit] ids in
                    inbox.post(.auditFailed(reason: audit.failure ?? "audit log unavailable", unsent: ids))
                })
            child.handOverStdin()
            // Our stdout may be a terminal others share: it stays blocking, and its writer may stay blocked.
            toClient = try DescriptorWriter(
                fd: clientOutput, name: "mcp-firewall.client-writer", audit: audit,
                onPressureChange: { inbox.clientWriterBackedUp($0) })
            clientReader = try PipeReader(fd: clientInput)
            serverReader = try PipeReader(fd: child.stdoutFD)
        } catch {
            // The server is running: stop it, and record why the session never began.
            let status = await child.shutDown(grace: configuration.gracePeriod)
            let end = AuditEvent.sessionEnd(
                .init(
                    reason: "the proxy could not set up its pipes: \(error)", serverExit: status.description,
                    counts: [], durationMilliseconds: 0))
            _ = await audit.durable(audit.enqueue([encoder.encode(end, time: Posix.now())]))
            await audit.close()
            throw error
        }
        let machine = RelayStateMachine(
            policy: configuration.policy,
            configuration: .init(
                auditPayloadLimit: configuration.auditPayloadLimit, maxHeldCalls: configuration.maxHeldCalls,
                serverDescription: configuration.serverArgv.joined(separator: " "),
                externalChannels: approvals.availableChannels),
            startedAt: RelaySessionLoop.now())
        let loop = RelaySessionLoop(
            machine: machine, encoder: encoder, audit: audit, toServer: toServer, toClient: toClient, inbox: inbox,
            approvals: approvals, logger: logger)
        let clientEndPushed = OneShot<Void>()
        let serverDrained = OneShot<Void>()
        let stopServer = OneShot<Void>()
        let grace = configuration.gracePeriod
        let maxBytes = configuration.maxMessageBytes
        let ending = LockedValue<SessionEnding?>(nil)

        /// Lets the server read what is queued for it, then closes its stdin and stops it.
        @Sendable func shutDownServer() async -> ChildProcess.Termination {
            toServer.finish()
            if await toServer.ended(upTo: grace) == nil { toServer.stop() }
            _ = await toServer.ended()
            return await child.shutDown(grace: grace)
        }

        let termination: ChildProcess.Termination = await withGracefulShutdownHandler {
            await withTaskGroup(of: ChildProcess.Termination?.self) { group in
                group.addTask {
                    let end = await loop.run()
                    ending.withLock { $0 = end }
                    return nil
                }
                group.addTask {
                    let end = await Self.pump(
                        clientReader, name: "mcp-firewall.client-reader", maxBytes: maxBytes, loop: loop,
                        logger: self.logger, decode: RelayStateMachine.clientInput, oversized: ClientInput.oversized
                    ) { inputs, bytes in
                        inbox.pushClient(.frames(inputs), bytes: bytes)
                    }
                    switch end {
                    case .endOfFile: inbox.pushClient(.ended(.endOfFile), bytes: 0)
                    case .stopped: inbox.pushClient(.ended(.stopped), bytes: 0)
                    case .failed(let reason): inbox.pushClient(.ended(.failed(reason)), bytes: 0)
                    }
                    clientEndPushed.fulfil(())
                    // Ends are pushed from the pool: the loop's thread runs them. Every frame the client sent
                    // is decided (and its forward queued) before the server's stdin is closed.
                    inbox.wakeServing()
                    _ = await ChildProcess.wait(loop.clientEndRun, upTo: grace)
                    _ = await shutDownServer()
                    return nil
                }
                group.addTask {
                    _ = await Self.pump(
                        serverReader, name: "mcp-firewall.server-reader", maxBytes: maxBytes, loop: loop,
                        logger: self.logger, decode: RelayStateMachine.serverInput, oversized: ServerInput.oversized
                    ) { inputs, bytes in
                        inbox.pushServer(.frames(inputs), bytes: bytes)
                    }
                    serverDrained.fulfil(())
                    return nil
                }
                group.addTask {
                    await approvals.run()
                    return nil
                }
                group.addTask {
                    // On a shutdown signal, stop the server at once: only the server going away ends a
                    // session whose server no longer reads.
                    _ = await stopServer.value()
                    _ = await shutDownServer()
                    return nil
                }
                group.addTask {
                    let status = await child.termination() ?? .signaled(SIGKILL)
                    // Let the server's last words through before answering what is left.
                    if await ChildProcess.wait(serverDrained, upTo: .seconds(2)) == nil { serverReader.stop() }
                    _ = await serverDrained.value()
                    // No client frame may follow the session's end: stop reading the client first, and let
                    // what it read go ahead of the exit (arrival order).
                    clientReader.stop()
                    _ = await ChildProcess.wait(clientEndPushed, upTo: .seconds(2))
                    // After its last frames, in the same lane: the machine answers what is left, ends.
                    inbox.pushServer(.exited(status.description), bytes: 0)
                    inbox.wakeServing()
                    approvals.finish()
                    stopServer.fulfil(())
                    return status
                }
                var status: ChildProcess.Termination?
                for await result in group where result != nil { status = result }
                return status ?? .signaled(SIGKILL)
            }
        } onGracefulShutdown: {
            inbox.post(.shutdownRequested)
            clientReader.stop()
            stopServer.fulfil(())
        }

        // The answers to what was outstanding go out before we exit, unless the client stopped reading.
        toClient.finish()
        _ = await toClient.ended(upTo: grace)
        await audit.sync()
        let auditFailure = audit.failure
        await audit.close()
        let sessionEnding = ending.withLock { $0 }
        let outcome: ProxyOutcome
        if let failure = auditFailure {
            outcome = .auditFailed(failure)
        } else if sessionEnding?.unattendedFailure == true {
            outcome = .unattendedFailure
        } else if case .serverExited? = sessionEnding?.cause {
            outcome = .serverExited(termination.description)
        } else {
            outcome = .clientClosed
        }
        outcomeBox.withLock { $0 = outcome }
    }

    /// Reads frames from `reader` until it ends: each read's frames are decoded on the reader's thread,
    /// queued with `push` (which waits there while the session's lane is full) and run there too,
    /// unless the session is already running elsewhere.
    private static func pump<Input: Sendable>(
        _ reader: PipeReader, name: String, maxBytes: Int, loop: RelaySessionLoop, logger: Logger,
        decode: @escaping @Sendable ([UInt8]) -> Input?, oversized: @escaping @Sendable (Int) -> Input,
        push: @escaping @Sendable (_ inputs: [Input], _ bytes: Int) -> Void
    ) async -> PipeReader.End {
        /// `onReaderThread` false: the last line, handled on the pool after the reader ended, where
        /// nothing may wait for room or run the session; the loop's own thread runs it.
        @Sendable func hand(_ frames: [[UInt8]], oversize: Int? = nil, onReaderThread: Bool = true) {
            var inputs = frames.compactMap(decode)
            if let oversize { inputs.append(oversized(oversize)) }
            guard !inputs.isEmpty else { return }
            push(inputs, onReaderThread ? frames.reduce(0) { $0 + $1.count } : 0)
            if onReaderThread { loop.drainHere() } else { loop.inbox.wakeServing() }
        }
        let framer = Mutex(LineFramer(maxFrameBytes: maxBytes))
        let end = await reader.run(name: name) { chunk in
            var frames: [[UInt8]] = []
            for event in framer.withLock({ $0.append(chunk) }) {
                switch event {
                case .frame(let frame): frames.append(frame)
                case .oversized(let size):
                    // In order: the frames before it, then the refusal.
                    hand(frames, oversize: size)
                    frames.removeAll()
                }
            }
            if !frames.isEmpty { hand(frames) }
        }
        // A final line without a newline is still a message, but only at end of input: a reader that
        // was stopped may hold the front half of a frame.
        if end == .endOfFile, case .frame(let frame)? = framer.withLock({ $0.finish() }) {
            hand([frame], onReaderThread: false)
        }
        if case .failed(let reason) = end {
            logger.error("read failed", metadata: ["reader": "\(name)", "reason": "\(reason)"])
        }
        return end
    }
}
