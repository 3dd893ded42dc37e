import FirewallCore
import Foundation
import Logging
import Synchronization

/// The stdio executor of one `RelayStateMachine`, fed from the session's inbox: its actions become
/// audit records for the shared audit writer and frames for the one writer of each descriptor, each
/// behind the audit ticket it must follow.
///
/// One thread at a time runs it (the inbox hands out that right): a reader thread for the frames it
/// read, the loop's own thread for approval answers, ticks and ends, never the cooperative pool. The
/// running thread writes the batch itself when the writers are idle (`AuditWriter.append`,
/// `DescriptorWriter.sendNow`); otherwise the writers' threads do. No lock is held across a syscall.
package final class RelaySessionLoop: Sendable {
    let audit: AuditWriter
    let anchor: AuditWriter?
    let toServer: DescriptorWriter
    let toClient: DescriptorWriter
    let inbox: SessionInbox
    let approvals: ApprovalCoordinator
    let logger: Logger
    private let timer = DeadlineTimer()
    private let core: Mutex<Core>
    private let ending = OneShot<SessionEnding>()
    private let failedSession = Atomic<Bool>(false)
    /// SIGHUP arrived: another program moved the log; reopen it at the next batch.
    private let reopenRequested = Atomic<Bool>(false)
    let rotation: AuditRotation
    /// Fulfilled once the client's end has been run: every client frame before it is decided and its
    /// forward handed to the server's writer, so the writer may be finished.
    package let clientEndRun = OneShot<Void>()

    /// Whether a confirmation met nobody to ask under `unattended: fail`, or timed out under
    /// `on_timeout: fail` (the session ending says so too).
    package var unattendedFailure: Bool { failedSession.load(ordering: .acquiring) }

    /// `recorder` carries on the session's record numbering and chain (its `session_start` was written
    /// before the server was started); checkpoint records also go to `anchor`, when there is one.
    package init(
        machine: RelayStateMachine, recorder: AuditRecorder, audit: AuditWriter, anchor: AuditWriter? = nil,
        toServer: DescriptorWriter,
        toClient: DescriptorWriter, inbox: SessionInbox, approvals: ApprovalCoordinator, logger: Logger,
        rotation: AuditRotation = AuditRotation()
    ) {
        self.rotation = rotation
        self.core = Mutex(Core(machine: machine, recorder: recorder))
        self.audit = audit
        self.anchor = anchor
        self.toServer = toServer
        self.toClient = toClient
        self.inbox = inbox
        self.approvals = approvals
        self.logger = logger
    }

    /// Runs the session until the machine ends it; returns how it ended.
    ///
    /// The session runs on whichever thread holds the inbox's right to run it: the reader that just
    /// pushed frames, or the loop's own thread for control events (never the cooperative pool, since
    /// it writes the audit itself when the audit writer is idle).
    package func run() async -> SessionEnding {
        let thread = Thread { [self] in self.inbox.serve(self.process) }
        thread.name = "mcp-firewall.session"
        thread.stackSize = 1 << 20
        thread.start()
        return await ending.valueIgnoringCancellation()
    }

    /// Runs whatever the inbox holds, here, unless another thread already is: for the reader threads
    /// after each push.
    package func drainHere() {
        inbox.drain(process)
    }

    /// The session's state between batches: only the thread holding the inbox's right to run the
    /// session touches it, so the `Mutex` is never contended; it is there for the compiler's sake.
    private struct Core: Sendable {
        var machine: RelayStateMachine?
        var recorder: AuditRecorder
        var auditFailureTold = false
        var lastTicket = AuditTicket.none
        /// When the current log file was opened (monotonic seconds), for `max_age`.
        var fileOpenedAt: Double?
        var ended = false

        init(machine: RelayStateMachine? = nil, recorder: AuditRecorder = AuditRecorder(sessionID: "")) {
            self.machine = machine
            self.recorder = recorder
        }
    }

    private func process(_ events: [RelayEvent]) {
        // Take the state out, so no lock is held while the batch's writes run.
        var core = self.core.withLock { core in
            defer { core = Core() }
            return core
        }
        guard var machine = core.machine else { return }
        let now = Self.now()
        var actions: [RelayAction] = []
        if !core.auditFailureTold, let failure = audit.failure ?? anchor?.failure.map({ "audit anchor: \($0)" }) {
            // Calls read after this are refused up front; frames already queued behind the failed
            // batch are withheld by their writer and come back as `auditFailed` with their ids.
            core.auditFailureTold = true
            machine.receive(.auditFailed(reason: failure, unsent: []), at: now, into: &actions)
        }
        var clientEnded = false
        for event in events {
            if case .clientEnded = event { clientEnded = true }
            machine.receive(event, at: now, into: &actions)
        }
        // Before the writes: whoever sees this batch's frames sees the flag too.
        if machine.hasFailedSession { failedSession.store(true, ordering: .releasing) }
        let sessionEnding = dispatch(actions, recorder: &core.recorder, now: now, lastTicket: &core.lastTicket)
        // A checkpoint the clock made due (a quiet session, a busy one's interval, a heartbeat).
        var due = AuditRecorder.Batch()
        core.recorder.checkpointIfDue(at: now, into: &due)
        if !due.isEmpty { core.lastTicket = write(due) }
        if sessionEnding != nil { core.ended = true }
        if !core.ended { rotateIfDue(&core, now: now) }
        // Asked after every batch: the three candidates are folded without building an array.
        let deadline = Self.earliest(
            Self.earliest(machine.nextDeadline, core.recorder.nextCheckpointDeadline), rotationDeadline(core))
        timer.arm(deadline) { [inbox] in inbox.post(.tick) }
        core.machine = machine
        if clientEnded { clientEndRun.fulfil(()) }
        if let sessionEnding, ending.peek() == nil {
            timer.cancel()
            inbox.endServing()
            ending.fulfil(sessionEnding)
        }
        self.core.withLock { $0 = core }
    }

    /// Carries out one batch of actions. Every audit of the batch is enqueued as one batch before the
    /// first send that follows one (an audit may move earlier, never later: W3); each send waits for
    /// the newest ticket enqueued before it (W1); a decided forward whose batch fails is withheld by
    /// its writer and reported back (W2).
    private func dispatch(
        _ actions: [RelayAction], recorder: inout AuditRecorder, now: RelayTime, lastTicket: inout AuditTicket
    ) -> SessionEnding? {
        var toServerEntries: [DescriptorWriter.Entry] = []
        var toClientEntries: [DescriptorWriter.Entry] = []
        var audited = false
        var ending: SessionEnding?
        for action in actions {
            switch action {
            case .audit:
                guard !audited else { continue }
                audited = true
                var batch = AuditRecorder.Batch()
                for case .audit(let events) in actions {
                    for event in events { recorder.record(event, at: now, into: &batch) }
                }
                lastTicket = write(batch)
            case .sendToServer(let frame, let decided):
                toServerEntries.append(.init(frame, after: lastTicket, decided: decided))
            case .sendToClient(let frame, _):
                toClientEntries.append(.init(frame, after: lastTicket))
            case .startApproval(let start):
                // Nobody is asked before the request is on record (`approval_requested`): the batch was
                // almost always written inline; otherwise wait for it here, on the running thread (a
                // reader's or the loop's own, never the pool), as long as the disk takes.
                if lastTicket > audit.durableTicket { _ = audit.wait(for: lastTicket) }
                let inbox = self.inbox
                approvals.start(start) { channel, response in
                    inbox.post(.approvalFinished(approvalID: start.request.id, channel: channel, response: response))
                }
            case .withdrawApproval(let approvalID):
                approvals.withdraw(approvalID: approvalID)
            case .log(let line):
                Self.log(line, to: logger)
            case .endSession(let sessionEnding):
                ending = sessionEnding
            }
        }
        // The child's stdin is non-blocking: written here unless its writer is busy or the peer is full.
        if !toServerEntries.isEmpty { toServer.sendNow(toServerEntries) }
        // Our stdout blocks: a small write goes out here when it has room, the rest on its thread.
        if !toClientEntries.isEmpty { toClient.sendNow(toClientEntries) }
        return ending
    }

    /// The earlier of two optional deadlines.
    static func earliest(_ first: Double?, _ second: Double?) -> Double? {
        guard let first else { return second }
        guard let second else { return first }
        return min(first, second)
    }

    /// Asks for the log to be reopened (SIGHUP from a log rotator) at the next batch.
    package func requestAuditReopen() {
        reopenRequested.store(true, ordering: .releasing)
        inbox.post(.tick)
    }

    private func rotationDeadline(_ core: Core) -> Double? {
        guard let maxAge = rotation.maxAge, !core.ended else { return nil }
        return (core.fileOpenedAt ?? 0) + maxAge
    }

    /// Rotates the log when it is due (size, age, or a reopen asked for): a `rotation` record (and a
    /// checkpoint) closes the file, the writer renames it and opens a new one, and a `rotation`
    /// record opens that, chained to the last record of the old file.
    private func rotateIfDue(_ core: inout Core, now: RelayTime) {
        if core.fileOpenedAt == nil { core.fileOpenedAt = now.monotonic }
        let reason: String
        var archive: String?
        if reopenRequested.exchange(false, ordering: .acquiringAndReleasing) {
            reason = "reopen"
        } else if let maxBytes = rotation.maxBytes, audit.size >= maxBytes {
            reason = "max_bytes"
        } else if let deadline = rotationDeadline(core), now.monotonic >= deadline {
            reason = "max_age"
        } else {
            return
        }
        if reason != "reopen" { archive = AuditRotation.archiveName(for: audit.path, at: now.wall) }
        let name = { (path: String) in path.split(separator: "/").last.map(String.init) ?? path }
        var closing = AuditRecorder.Batch()
        core.recorder.record(
            .rotation(
                .init(phase: .close, reason: reason, archivedFile: archive.map(name), continuesIn: name(audit.path))),
            at: now, into: &closing)
        core.lastTicket = write(closing)
        audit.rotate(archiveTo: archive)
        var opening = AuditRecorder.Batch()
        core.recorder.record(
            .rotation(.init(phase: .open, reason: reason, archivedFile: archive.map(name))), at: now, into: &opening)
        core.lastTicket = write(opening)
        core.fileOpenedAt = now.monotonic
        logger.info(
            "audit log rotated",
            metadata: ["reason": "\(reason)", "audit.archived": "\(archive ?? "(moved by another program)")"])
    }

    /// Writes `batch` here when the audit writer is idle (this thread is never the pool's), and hands
    /// its checkpoints to the anchor; returns the log's ticket.
    private func write(_ batch: AuditRecorder.Batch) -> AuditTicket {
        if let anchor, !batch.checkpoints.isEmpty {
            _ = anchor.enqueue(batch.checkpoints.map { batch.lines[$0] })
        }
        return audit.append(batch.lines, decisive: batch.holdsDecision)
    }

    /// The time of an event, from both clocks.
    package static func now() -> RelayTime {
        RelayTime(wall: Posix.now(), monotonic: Posix.monotonic())
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
