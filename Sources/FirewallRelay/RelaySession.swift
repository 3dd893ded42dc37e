import FirewallCore
import Logging
import Synchronization

/// Runs one `RelayStateMachine` over blocking descriptors: frames and approval answers become
/// events, and the machine's actions are carried out in order by the thread that delivered the event.
///
/// The machine decides everything (what is forwarded, refused, held, timed out) inside one lock that
/// no syscall runs under; this executor only writes what it is told, audit first (write-ahead), and
/// reports an audit failure back so that no call runs unaudited.
package final class RelaySession: Sendable {
    package struct Configuration: Sendable {
        /// Largest payload embedded whole in an audit record; larger ones are truncated with a digest.
        package var auditPayloadLimit: Int
        /// How many calls may wait for approval at once; more are denied.
        package var maxHeldCalls: Int
        /// The server command line, shown to approvers.
        package var serverDescription: String

        package init(auditPayloadLimit: Int = 64 << 10, maxHeldCalls: Int = 32, serverDescription: String) {
            self.auditPayloadLimit = auditPayloadLimit
            self.maxHeldCalls = maxHeldCalls
            self.serverDescription = serverDescription
        }
    }

    let audit: AuditLog
    let toServer: FrameWriter
    let toClient: FrameWriter
    let approvals: ApprovalCoordinator
    let logger: Logger
    private let machine: Mutex<RelayStateMachine>
    private let timer = DeadlineTimer()
    private let ending = Mutex<SessionEnding?>(nil)

    package init(
        policy: Policy, audit: AuditLog, toServer: FrameWriter, toClient: FrameWriter, approvals: ApprovalCoordinator,
        configuration: Configuration, logger: Logger
    ) {
        self.audit = audit
        self.toServer = toServer
        self.toClient = toClient
        self.approvals = approvals
        self.logger = logger
        self.machine = Mutex(
            RelayStateMachine(
                policy: policy,
                configuration: .init(
                    auditPayloadLimit: configuration.auditPayloadLimit, maxHeldCalls: configuration.maxHeldCalls,
                    serverDescription: configuration.serverDescription, externalChannels: approvals.availableChannels),
                startedAt: Self.now()))
    }

    /// Whether a confirmation met nobody to ask under `unattended: fail`, or timed out under `on_timeout: fail`.
    package var unattendedFailure: Bool { machine.withLock { $0.hasFailedSession } }

    /// Session totals so far.
    package var counts: RelayCounts { machine.withLock { $0.sessionCounts } }

    /// How the session ended, once the server has exited.
    package var sessionEnding: SessionEnding? { ending.withLock { $0 } }

    // MARK: - Events

    /// Handles one complete frame from the client.
    package func handleClientFrame(_ frame: [UInt8]) {
        handleClientFrames([frame])
    }

    /// Handles the frames of one read from the client; decoding runs here, outside the machine's lock.
    package func handleClientFrames(_ frames: [[UInt8]]) {
        let inputs = frames.compactMap(RelayStateMachine.clientInput)
        if !inputs.isEmpty { deliver(.clientFrames(inputs)) }
    }

    /// Handles one complete frame from the server.
    package func handleServerFrame(_ frame: [UInt8]) {
        handleServerFrames([frame])
    }

    /// Handles the frames of one read from the server.
    package func handleServerFrames(_ frames: [[UInt8]]) {
        let inputs = frames.compactMap(RelayStateMachine.serverInput)
        if !inputs.isEmpty { deliver(.serverFrames(inputs)) }
    }

    /// A client frame exceeded the size cap.
    package func rejectOversized(_ size: Int) {
        deliver(.clientFrames([.oversized(size)]))
    }

    /// A server frame exceeded the size cap and was discarded unread.
    package func dropOversizedServerMessage(_ size: Int) {
        deliver(.serverFrames([.oversized(size)]))
    }

    /// The server is gone: everything outstanding is answered, and the session's end recorded.
    package func serverEnded(_ termination: String) {
        deliver(.serverExited(termination: termination))
    }

    /// The client's input ended: held calls are withdrawn (silently when the client hung up).
    package func clientEnded(_ end: ClientEnd = .endOfFile) {
        deliver(.clientEnded(end))
    }

    /// A shutdown signal: held calls are refused.
    package func shutdownRequested() {
        deliver(.shutdownRequested)
    }

    /// Runs one event through the machine, then carries out its actions outside the lock.
    func deliver(_ event: RelayEvent) {
        var actions: [RelayAction] = []
        let deadline = machine.withLock { machine in
            machine.receive(event, at: Self.now(), into: &actions)
            return machine.nextDeadline
        }
        execute(actions)
        timer.arm(deadline) { [weak self] in self?.deliver(.tick) }
    }

    static func now() -> RelayTime {
        RelayTime(wall: Posix.now(), monotonic: Posix.monotonic())
    }

    // MARK: - Actions

    /// Carries out actions in order, with the write-ahead rules of `RelayAction`: every audit of the
    /// list goes out in one write before the first send that follows one (an audit may move earlier,
    /// never later), and a decided forward whose records were not written is withheld and reported.
    private func execute(_ actions: [RelayAction]) {
        var audited = false
        var unsent: [RequestID] = []
        var toServerBatch: [[UInt8]] = []
        var toClientBatch: [[UInt8]] = []
        let failedBefore = audit.failure != nil
        var auditWritten = true
        func flushSends() {
            if !toServerBatch.isEmpty { toServer.write(batch: toServerBatch) }
            if !toClientBatch.isEmpty { toClient.write(batch: toClientBatch) }
            toServerBatch.removeAll()
            toClientBatch.removeAll()
        }
        for action in actions {
            switch action {
            case .audit:
                guard !audited else { continue }
                audited = true
                flushSends()
                let events = actions.flatMap { action -> [AuditEvent] in
                    if case .audit(let events) = action { events } else { [] }
                }
                auditWritten = audit.append(events)
            case .sendToServer(let frame, let decided):
                if let decided, !auditWritten {
                    unsent.append(decided)
                    continue
                }
                // Sends keep their order across peers (a refusal reaches the client before anything the
                // next, forwarded, frame causes); only adjacent sends to one peer share a write.
                if !toClientBatch.isEmpty { flushSends() }
                toServerBatch.append(frame)
            case .sendToClient(let frame, _):
                if !toServerBatch.isEmpty { flushSends() }
                toClientBatch.append(frame)
            case .startApproval(let start):
                approvals.start(start) { [weak self] channel, response in
                    self?.deliver(
                        .approvalFinished(approvalID: start.request.id, channel: channel, response: response))
                }
            case .withdrawApproval(let approvalID):
                approvals.withdraw(approvalID: approvalID)
            case .log(let line):
                Self.log(line, to: logger)
            case .endSession(let sessionEnding):
                ending.withLock { $0 = sessionEnding }
                timer.cancel()
            }
        }
        flushSends()
        if !failedBefore, let failure = audit.failure {
            deliver(.auditFailed(reason: failure, unsent: unsent))
        } else if !unsent.isEmpty {
            deliver(.auditFailed(reason: audit.failure ?? "audit log unavailable", unsent: unsent))
        }
    }

    static func log(_ line: RelayLog, to logger: Logger) {
        let level: Logger.Level
        switch line.level {
        case .debug: level = .debug
        case .info: level = .info
        case .warning: level = .warning
        case .error: level = .error
        }
        logger.log(level: level, "\(line.message)", metadata: line.metadata.mapValues { .string($0) })
    }
}
