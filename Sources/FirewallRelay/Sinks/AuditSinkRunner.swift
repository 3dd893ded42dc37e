import FirewallCore
import Logging

/// Ships one audit log to one sink: from its cursor, batch by batch, each delivered before the cursor
/// moves on and the next is read.
///
/// The log file is the queue: nothing is buffered but the batch in hand, so a slow or absent collector
/// costs disk the log already uses, never memory, and never delays a call. File reads and cursor
/// writes run on the runner's `BlockingWorker`; waiting for new lines is waiting for the writer's
/// announcement (`AuditDurableOffset`), never polling.
package final class AuditSinkRunner: Sendable {
    /// One file to read, from `offset`: to its end (`end`, a log rotated away), or following the writer.
    struct Segment: Sendable {
        var file: AuditLogFile
        var offset: Int64
        /// Nil: the live log, read as far as the writer has written.
        var end: Int64?
        /// A batch sent before a restart, sent again whole so its idempotency key does not change.
        var pendingEnd: Int64?
    }

    /// What `prepare` found.
    struct Plan: Sendable {
        var segments: [Segment]
        var cursor: AuditSinkCursor?
        /// Held while shipping; nil for a sink without cursor.
        var lock: Int32?
    }

    package let sink: any AuditSink
    package let settings: AuditSinkSettings
    private let logPath: String
    private let durable: AuditDurableOffset
    private let health: AuditSinkHealth?
    private let backoff: AuditSinkBackoff
    private let random: @Sendable () -> Double
    private let logger: Logger
    private let worker: BlockingWorker
    private let cursorFile: AuditSinkCursorFile
    private let plan = LockedValue<Plan?>(nil)

    /// `health` hears the failures of a sink whose `onFailure` is `.deny`; `random` draws the jitter.
    package init(
        sink: any AuditSink, settings: AuditSinkSettings, logPath: String, durable: AuditDurableOffset,
        health: AuditSinkHealth?, backoff: AuditSinkBackoff = AuditSinkBackoff(),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }, logger: Logger
    ) {
        self.sink = sink
        self.settings = settings
        self.logPath = logPath
        self.durable = durable
        self.health = settings.onFailure == .deny ? health : nil
        self.backoff = backoff
        self.random = random
        var logger = logger
        logger[metadataKey: "audit.sink"] = "\(settings.name)"
        self.logger = logger
        self.worker = BlockingWorker(name: "mcp-firewall.sink-\(settings.name)")
        self.cursorFile = AuditSinkCursorFile(logPath: logPath, sinkName: settings.name)
    }

    /// Opens the log and works out where to start: the cursor's place (after checking that the line it
    /// names is still there), the rest of a log rotated away first, or the log's start. A sink without
    /// cursor starts at `durable.current`, the first record this run writes. Throws what keeps the sink
    /// from working at all (the proxy then does not start); `writer` is the identity the writer opened.
    package func prepare(writer: AuditFileIdentity) async throws(AuditSinkError) {
        let result = await worker.run { [self] () -> Result<Plan, AuditSinkError> in
            do throws(AuditSinkError) {
                return .success(try makePlan(writer: writer))
            } catch {
                return .failure(error)
            }
        }
        plan.withLock { $0 = try? result.get() }
        if case .failure(let error) = result {
            worker.close()
            throw error
        }
    }

    private func makePlan(writer: AuditFileIdentity) throws(AuditSinkError) -> Plan {
        let live = try AuditLogFile(path: logPath)
        guard live.identity == writer else {
            throw AuditSinkError("the audit log \(logPath) was replaced while the proxy opened it; start again")
        }
        guard settings.resumes else {
            return Plan(segments: [Segment(file: live, offset: durable.current.offset)], cursor: nil, lock: nil)
        }
        guard let lock = try cursorFile.lock() else {
            logger.notice(
                "another mcp-firewall ships this audit log to this sink; this one leaves it to it",
                metadata: ["audit.cursor": "\(cursorFile.path)"])
            return Plan(segments: [], cursor: nil, lock: nil)
        }
        let stored: AuditSinkCursor?
        do {
            stored = try cursorFile.load()
        } catch {
            Posix.close(lock)
            throw error
        }
        guard let cursor = stored else {
            return Plan(
                segments: [Segment(file: live, offset: 0)], cursor: AuditSinkCursor(file: live.identity), lock: lock)
        }
        if cursor.file == live.identity {
            if live.holds(cursor) {
                return Plan(
                    segments: [Segment(file: live, offset: cursor.offset, pendingEnd: cursor.pendingEnd)],
                    cursor: cursor, lock: lock)
            }
            logger.warning(
                "the audit log no longer holds the last line this sink delivered (rewritten or truncated in place); shipping it again from its start",
                metadata: ["audit.cursor": "\(cursorFile.path)"])
            return Plan(
                segments: [Segment(file: live, offset: 0)], cursor: AuditSinkCursor(file: live.identity), lock: lock)
        }
        let folder = logPath.lastIndex(of: "/").map { String(logPath[..<$0]) } ?? "."
        if let rotated = AuditLogFile.find(cursor.file, in: folder.isEmpty ? "/" : folder),
            let old = try? AuditLogFile(path: rotated), old.identity == cursor.file, old.holds(cursor)
        {
            logger.info("finishing the rotated audit log first", metadata: ["audit.rotated": "\(rotated)"])
            return Plan(
                segments: [
                    Segment(file: old, offset: cursor.offset, end: old.size(), pendingEnd: cursor.pendingEnd),
                    Segment(file: live, offset: 0),
                ], cursor: cursor, lock: lock)
        }
        logger.warning(
            "the audit log this sink was shipping (file \(cursor.file)) is gone from its folder; what it held after byte \(cursor.offset) cannot be shipped. Starting the current log from its start",
            metadata: ["audit.cursor": "\(cursorFile.path)"])
        return Plan(
            segments: [Segment(file: live, offset: 0)], cursor: AuditSinkCursor(file: live.identity), lock: lock)
    }

    /// Releases what `prepare` took, for a runner that will not run.
    package func discard() {
        if let lock = plan.withLock({ $0?.lock }) { Posix.close(lock) }
        worker.close()
    }

    /// Ships until the writer has finished (`durable.finish()`) and everything complete is delivered,
    /// or the task is cancelled (the drain deadline).
    package func run() async {
        await shipAll()
        await sink.finish()
        discard()
    }

    private func shipAll() async {
        guard let plan = plan.withLock({ $0 }) else { return }
        var cursor = plan.cursor
        var segments = plan.segments[...]
        while let segment = segments.popFirst() {
            switch await ship(segment, cursor: &cursor) {
            case .done:
                continue
            case .next(let following):
                segments.insert(following, at: segments.startIndex)
            case .cancelled:
                reportUndelivered(segment.file, cursor: cursor)
                return
            }
        }
    }

    /// How shipping a segment ended.
    enum SegmentEnd {
        case done
        /// The writer moved to another file (rotation): ship that one next, from its start.
        case next(Segment)
        case cancelled
    }

    /// Ships one segment.
    private func ship(_ segment: Segment, cursor: inout AuditSinkCursor?) async -> SegmentEnd {
        var offset = segment.offset
        var exactEnd = segment.pendingEnd
        let file = segment.file
        let (maxRecords, maxBytes) = (settings.batchRecords, settings.batchBytes)
        while !Task.isCancelled {
            let position: AuditDurableOffset.Position =
                segment.end.map { .left(final: $0, next: file.identity) }
                ?? durable.position(of: file.identity)
            let limit: Int64
            switch position {
            case .writing(let written): limit = written
            case .left(let final, _): limit = final
            case .unknown: limit = 0
            }
            let batch =
                offset < limit
                ? await worker.run { [exactEnd, offset] in
                    file.batch(at: offset, limit: limit, exactEnd: exactEnd, maxRecords: maxRecords, maxBytes: maxBytes)
                } : nil
            guard let batch else {
                if case .left(let final, let next) = position {
                    if offset < final {
                        logger.warning(
                            "the rotated audit log ends in a line cut short (\(final - offset) bytes); it is not shipped",
                            metadata: ["audit.rotated": "\(file.path)"])
                    }
                    guard segment.end == nil else { return .done }
                    // The writer went on in another file: follow it there.
                    guard let following = await open(next) else { return .done }
                    return .next(Segment(file: following, offset: 0))
                }
                // Nothing complete yet (or a torn line waits for its newline): wait for the writer.
                guard await durable.wait(beyond: limit, in: file.identity) else {
                    return Task.isCancelled ? .cancelled : .done
                }
                continue
            }
            exactEnd = nil
            if let current = cursor, current.pendingEnd != batch.end {
                // Noted before the first attempt: a restart sends these same bytes, under the same key.
                var pending =
                    current.file == batch.file ? current : AuditSinkCursor(file: batch.file, offset: batch.start)
                pending.pendingEnd = batch.end
                await save(pending)
            }
            guard await deliver(batch) else { return .cancelled }
            if cursor != nil {
                let next = AuditSinkCursor(file: batch.file, offset: batch.end, last: .init(of: batch))
                cursor = next
                await save(next)
            }
            offset = batch.end
        }
        return .cancelled
    }

    /// The file the writer moved to, found by its identity at the log's path or in its folder.
    private func open(_ identity: AuditFileIdentity) async -> AuditLogFile? {
        let found = await worker.run { [logPath] () -> AuditLogFile? in
            if let atPath = try? AuditLogFile(path: logPath), atPath.identity == identity { return atPath }
            let folder = logPath.lastIndex(of: "/").map { String(logPath[..<$0]) } ?? "."
            return AuditLogFile.find(identity, in: folder.isEmpty ? "/" : folder).flatMap {
                try? AuditLogFile(path: $0)
            }
        }
        if found == nil {
            logger.error(
                "the audit log the writer moved to (file \(identity)) cannot be found; this run ships no more of it",
                metadata: ["audit.path": "\(logPath)"])
        }
        return found
    }

    private func save(_ cursor: AuditSinkCursor) async {
        let failure = await worker.run { [cursorFile] in cursorFile.save(cursor) }
        if let failure {
            // Delivery goes on; a restart may resend what the lost cursor covered (receivers dedupe).
            logger.warning("cannot persist the sink cursor: \(failure)")
        }
    }

    /// Tries `batch` until it is delivered; false when cancelled first. A rejected batch is never
    /// skipped: it is retried at the backoff's pace, so fixing the collector is enough.
    private func deliver(_ batch: AuditLineBatch) async -> Bool {
        var attempt = 0
        while true {
            let outcome = await sink.deliver(batch)
            if Task.isCancelled { return false }
            let delay: Duration
            switch outcome {
            case .delivered:
                if attempt > 0 {
                    logger.notice("audit sink delivers again", metadata: ["audit.attempts": "\(attempt + 1)"])
                    health?.recovered(settings.name)
                }
                return true
            case .retry(let reason, let after):
                attempt += 1
                delay = backoff.delay(attempt: attempt, unit: random(), retryAfter: after)
                health?.failing(settings.name, reason: reason)
                logger.warning(
                    "audit sink cannot deliver; retrying",
                    metadata: [
                        "audit.reason": "\(reason)", "audit.attempt": "\(attempt)", "audit.retry_in": "\(delay)",
                        "audit.batch": "\(batch.idempotencyKey)",
                    ])
            case .rejected(let reason):
                attempt += 1
                delay = backoff.delay(attempt: attempt, unit: random())
                health?.failing(settings.name, reason: reason)
                logger.error(
                    "audit sink refused a batch; it is kept and retried until the collector takes it",
                    metadata: [
                        "audit.reason": "\(reason)", "audit.attempt": "\(attempt)", "audit.retry_in": "\(delay)",
                        "audit.batch": "\(batch.idempotencyKey)", "audit.first": "\(batch.first?.description ?? "-")",
                    ])
            }
            do {
                try await Task.sleep(for: delay)
            } catch {
                return false
            }
        }
    }

    private func reportUndelivered(_ file: AuditLogFile, cursor: AuditSinkCursor?) {
        guard settings.resumes else { return }
        let delivered = cursor?.file == file.identity ? cursor?.offset ?? 0 : 0
        logger.notice(
            "audit sink stopped before delivering everything; the next run sends the rest from the cursor",
            metadata: ["audit.delivered_through": "\(delivered)", "audit.cursor": "\(cursorFile.path)"])
    }
}
