import FirewallCore
import Foundation
import Logging
import ServiceLifecycle

/// One stdio proxy session, set up and ready to run as services in one `ServiceGroup`: the audit
/// log, the approval channels, the client on our stdin and stdout, the server as a child process,
/// and the session's state machine, in that order (they stop in reverse).
///
/// `open` does what must succeed before anything runs: the `session_start` record is on disk (nothing
/// runs unaudited), the server is started, both pipes are set up. Each failure is recorded and
/// thrown, and nothing is left running.
package struct ProxySession: Sendable {
    package static let version = "0.1.0"

    package let audit: AuditWriter
    /// The anchor file's writer, when checkpoints are copied to one.
    package let anchor: AuditWriter?
    /// The audit sinks, nil when there are none.
    package let sinks: AuditSinksService?
    package let approvals: ApprovalCoordinator
    package let client: StdioClientTransport
    package let upstream: ChildUpstream
    package let relay: RelayService

    /// `clientInput`/`clientOutput` default to our stdin/stdout; tests pass pipes. `channels` are the
    /// approval channels the proxy runs itself (terminal, web page, hooks).
    package static func open(
        configuration: ProxyConfiguration, channels: [any ApprovalChannel], logger: Logger,
        clientInput: Int32 = 0, clientOutput: Int32 = 1
    ) async throws -> ProxySession {
        let audit = try AuditWriter(path: configuration.auditPath, sync: configuration.auditSync)
        let inbox = SessionInbox()
        let sinks = try await openSinks(configuration, audit: audit, inbox: inbox, logger: logger)
        let anchor: AuditWriter?
        do {
            anchor = try configuration.auditAnchorPath.map { path throws(AuditLogError) in
                try AuditWriter(path: path, sync: .always)
            }
        } catch {
            sinks?.discard()
            await audit.close()
            throw AuditLogError(message: "audit anchor: \(error.message)")
        }
        var recorder = AuditRecorder(
            sessionID: UUID().uuidString.lowercased(), signer: configuration.auditSigningKey,
            checkpoints: configuration.auditSigningKey == nil && anchor == nil ? nil : configuration.auditCheckpoints,
            anchor: configuration.auditAnchorPath, context: configuration.auditContext,
            redactor: configuration.auditRedactor)
        /// Writes `events` as one batch (and its checkpoints to the anchor); true once both are durable.
        func write(_ events: [AuditEvent]) async -> Bool {
            let batch = recorder.record(events, at: RelaySessionLoop.now())
            let anchored = anchor.map { $0.enqueue(batch.checkpoints.map { batch.lines[$0] }) }
            let written = await audit.durable(audit.enqueue(batch.lines, decisive: batch.holdsDecision))
            guard let anchor, let anchored else { return written }
            return await anchor.durable(anchored) && written
        }
        var start = AuditEvent.SessionStart(
            proxyVersion: version, pid: Int(getpid()), serverArgv: configuration.serverArgv,
            policy: configuration.policy.source, environment: configuration.environment,
            payloadLimit: configuration.auditPayloadLimit)
        start.layers = configuration.policy.layers
        start.environmentOverlay = configuration.policy.environment != nil
        start.environmentSource = configuration.environmentSource
        guard await write([.sessionStart(start)]) else {
            let failure =
                audit.failure ?? anchor?.failure.map { "audit anchor: \($0)" }
                ?? "audit log \(configuration.auditPath) cannot be written"
            sinks?.discard()
            await audit.close()
            await anchor?.close()
            throw AuditLogError(message: failure)
        }
        /// Records why the session never began, and closes the log.
        func abandon(_ reason: String, serverExit: String? = nil) async {
            let end = AuditEvent.sessionEnd(
                .init(reason: reason, serverExit: serverExit, counts: [], durationMilliseconds: 0))
            _ = await write([end])
            sinks?.discard()
            await audit.close()
            await anchor?.close()
        }
        let child: ChildProcess
        do {
            child = try ChildProcess(
                argv: configuration.serverArgv,
                environment: Posix.environment(withholding: configuration.withheldEnvironment))
        } catch {
            await abandon("server failed to start: \(error)")
            throw error
        }
        logger.info(
            "server started", metadata: ["server.pid": "\(child.pid)", "audit.path": "\(configuration.auditPath)"])
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
            await abandon("the proxy could not set up its pipes: \(error)", serverExit: status.description)
            throw error
        }
        var settings = RelayStateMachine.Configuration(
            auditPayloadLimit: configuration.auditPayloadLimit, maxHeldCalls: configuration.maxHeldCalls,
            serverDescription: configuration.serverArgv.joined(separator: " "),
            externalChannels: approvals.availableChannels)
        settings.laterChannels = approvals.laterChannels
        for channel in channels where channel.isAvailable { settings.answerHints[channel.name] = channel.whereToAnswer }
        let machine = RelayStateMachine(
            policy: configuration.policy, configuration: settings, startedAt: RelaySessionLoop.now())
        let loop = RelaySessionLoop(
            machine: machine, recorder: recorder, audit: audit, anchor: anchor, toServer: toServer, toClient: toClient,
            inbox: inbox,
            approvals: approvals, logger: logger, rotation: configuration.auditRotation)
        let links = SessionLinks()
        return ProxySession(
            audit: audit, anchor: anchor, sinks: sinks, approvals: approvals,
            client: StdioClientTransport(
                writer: toClient, reader: clientReader, loop: loop, links: links, grace: configuration.gracePeriod,
                maxMessageBytes: configuration.maxMessageBytes, logger: logger),
            upstream: ChildUpstream(
                child: child, writer: toServer, reader: serverReader, loop: loop, links: links,
                grace: configuration.gracePeriod, maxMessageBytes: configuration.maxMessageBytes, logger: logger),
            relay: RelayService(loop: loop, links: links))
    }

    /// The session's services in start order. The session ending (the relay returning) shuts the group
    /// down; the others run until told to stop, so they stop one after another, in reverse.
    package var services: [ServiceGroupConfiguration.ServiceConfiguration] {
        // The sinks stop after the session's services, once its last record is queued, and before the
        // writer closes the file.
        [.init(service: audit), .init(service: AnchorService(anchor: anchor))]
            + (sinks.map { [.init(service: $0)] } ?? []) + [
                .init(service: approvals), .init(service: client), .init(service: upstream),
                .init(service: AuditReopenService(loop: relay.loop)),
                .init(service: relay, successTerminationBehavior: .gracefullyShutdownGroup),
            ]
    }

    /// Sets up the sinks before `session_start` is written, so they see every record of this run; a
    /// failing `on_sink_failure: deny` sink reaches the session as an event. Closes the log and throws
    /// when a sink cannot work at all.
    private static func openSinks(
        _ configuration: ProxyConfiguration, audit: AuditWriter, inbox: SessionInbox, logger: Logger
    ) async throws(AuditLogError) -> AuditSinksService? {
        guard !configuration.auditSinks.isEmpty else { return nil }
        let health = AuditSinkHealth { message in inbox.post(.auditSinkFailing(message: message)) }
        do {
            return try await AuditSinksService.open(
                configuration.auditSinks, writer: audit, logPath: configuration.auditPath,
                drain: configuration.auditSinkDrain, health: health, logger: logger)
        } catch {
            await audit.close()
            throw AuditLogError(message: error.message)
        }
    }

    /// How the session ended, once its services have returned.
    package var outcome: ProxyOutcome? {
        guard let ending = relay.ending else { return nil }
        if let failure = audit.failure { return .auditFailed(failure) }
        if let failure = anchor?.failure { return .auditFailed("audit anchor: \(failure)") }
        if ending.unattendedFailure { return .unattendedFailure }
        if case .serverExited(let termination) = ending.cause { return .serverExited(termination) }
        return .clientClosed
    }
}
