import FirewallCore
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The one writer of an audit log file: sessions enqueue encoded records, a dedicated thread appends them.
///
/// Every session on a file shares its writer (the HTTP listener runs many on one log); each session
/// keeps its own `AuditRecordEncoder`, so its `seq` stays gap-free whatever the others do. `enqueue`
/// never blocks: the `Mutex` guards only the queue, and every system call (`write`, `fdatasync`,
/// `fsync`, `ftruncate`) runs on the writer's thread, so a slow disk delays records, never a caller.
///
/// The file is opened with `O_APPEND` and never truncated below what was there. If a write fails the
/// writer latches: the part of that batch that got out is taken back, its ticket and every later one
/// fail, and `failure` names the path and the cause. Call `close()` to drain it and end the thread.
package final class AuditWriter: Sendable {
    private struct State {
        /// Records waiting for the thread, in enqueue order. Not bounded: every session feeding it has
        /// bounded inputs (frame size, lane caps, held calls), so the queue is bounded by theirs.
        var queued: [[UInt8]] = []
        /// The last ticket handed out.
        var issued: UInt64 = 0
        /// The ticket of the last batch in `queued`.
        var queuedThrough: UInt64 = 0
        var failure: String?
        var syncsRequested: UInt64 = 0
        var syncsDone: UInt64 = 0
        var closing = false
        var ended = false
        /// The thread sleeps on `work` and needs one signal.
        var idle = false
        /// A caller is appending a batch itself (`append`); the thread leaves the file alone meanwhile.
        var inline = false
        /// Tasks in `durable(_:)`, resumed by the thread when their ticket is decided.
        var waiters: [(ticket: UInt64, continuation: CheckedContinuation<Bool, Never>)] = []
        /// Tasks in `sync()`, resumed by the thread once their request is done.
        var syncWaiters: [(number: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private enum Work {
        /// Append `records` (the batches up to ticket `through`), then `fsync` if `sync` is set.
        case write(records: [[UInt8]], through: UInt64, sync: UInt64?)
        case sleep
        case exit
    }

    private let fd: Int32
    private let path: String
    private let syncEachBatch: Bool
    private let state = Mutex(State())
    /// The highest ticket whose records are written (and synced under `syncEachBatch`).
    private let durable = Atomic<UInt64>(0)
    /// The first ticket that failed, `.max` while none has; it and every later ticket fail.
    private let failedFrom = Atomic<UInt64>(.max)
    /// Wakes the thread from `idle`, one signal per sleep.
    private let work = DispatchSemaphore(value: 0)
    /// Broadcast after every batch, for threads blocked in `wait(for:)`.
    private let published = NSCondition()
    private let ended = OneShot<Void>()
    /// Told, after each batch is written, the file offset its bytes end at (`observeDurable`).
    private let observers = Mutex<[@Sendable (AuditFileIdentity, Int64) -> Void]>([])
    private let observed = Atomic<Bool>(false)
    /// The file's device and inode, as opened.
    package let fileIdentity: AuditFileIdentity

    /// Opens (creating if needed) the log at `path` for appending and starts its thread; with
    /// `syncEachBatch`, a batch is durable only after `fdatasync` (power-loss safety, `--audit-sync`).
    package init(path: String, syncEachBatch: Bool = false) throws(AuditLogError) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw AuditLogError(message: "cannot open audit log \(path): \(Posix.errorText(errno))") }
        self.fd = fd
        self.path = path
        self.syncEachBatch = syncEachBatch
        var status = stat()
        fstat(fd, &status)
        self.fileIdentity = AuditFileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
        // A previous run that died mid-line must not glue its fragment to our first record.
        if Self.endsWithoutNewline(path) {
            var newline: UInt8 = 0x0A
            _ = Posix.write(fd, &newline, 1)
        }
        Posix.startThread(name: "mcp-firewall.audit") { [self] in run() }
    }

    /// Queues `records` (each already one encoded line with its newline) as one batch, in this order.
    ///
    /// Never blocks. Returns the batch's ticket, `.none` for no records; after a failure (or `close()`)
    /// the ticket is already failed and nothing is queued.
    package func enqueue(_ records: [[UInt8]]) -> AuditTicket {
        guard !records.isEmpty else { return .none }
        let (ticket, wake) = state.withLock { state -> (UInt64, Bool) in
            state.issued += 1
            if state.closing && failedFrom.load(ordering: .relaxed) == .max {
                state.failure = "audit log \(path) was closed before these records could be written"
                failedFrom.store(state.issued, ordering: .releasing)
            }
            guard failedFrom.load(ordering: .relaxed) == .max else { return (state.issued, false) }
            state.queued.append(contentsOf: records)
            state.queuedThrough = state.issued
            defer { state.idle = false }
            return (state.issued, state.idle)
        }
        if wake { work.signal() }
        return AuditTicket(ticket)
    }

    /// Appends `records` as one batch on the calling thread when the writer's thread is idle with nothing
    /// queued, so a decision is in the kernel without a hand-off; otherwise queues them (`enqueue`).
    /// Returns the batch's ticket, decided on return when written here. Batches stay in ticket order.
    ///
    /// For a thread of the caller's own (the session loop), never the cooperative pool: it may wait
    /// for the disk.
    package func append(_ records: [[UInt8]]) -> AuditTicket {
        guard !records.isEmpty else { return .none }
        let claimed = state.withLock { state -> UInt64? in
            guard state.idle, !state.inline, state.queued.isEmpty, !state.closing,
                state.syncsRequested == state.syncsDone, failedFrom.load(ordering: .relaxed) == .max
            else { return nil }
            state.issued += 1
            state.inline = true
            return state.issued
        }
        guard let ticket = claimed else { return enqueue(records) }
        let error = appendToFile(records)
        if error == nil { notifyObservers() }
        publish(through: ticket, error: error, synced: nil)
        let wake = state.withLock { state -> Bool in
            state.inline = false
            guard state.idle, !state.queued.isEmpty || state.closing || state.syncsRequested > state.syncsDone
            else { return false }
            state.idle = false
            return true
        }
        if wake { work.signal() }
        return AuditTicket(ticket)
    }

    /// Blocks until `ticket` is decided: true once its records are written, false if they never will be.
    ///
    /// For writer threads only (a `DescriptorWriter` holding a frame behind this ticket): it may wait
    /// for the disk, so it must never be called on the cooperative pool; tasks use `durable(_:)`.
    package func wait(for ticket: AuditTicket) -> Bool {
        if let known = resolution(of: ticket) { return known }
        precondition(ticket.sequence <= state.withLock { $0.issued }, "\(ticket) was never issued")
        published.lock()
        defer { published.unlock() }
        while true {
            if let known = resolution(of: ticket) { return known }
            published.wait()
        }
    }

    /// Waits, without holding a pool thread, until `ticket` is decided: true if its records are written.
    ///
    /// Not cancellable: the answer comes as fast as the disk, and `close()` decides every ticket.
    package func durable(_ ticket: AuditTicket) async -> Bool {
        if let known = resolution(of: ticket) { return known }
        return await withCheckedContinuation { continuation in
            let known: Bool? = state.withLock { state in
                if let known = resolution(of: ticket) { return known }
                precondition(ticket.sequence <= state.issued, "\(ticket) was never issued")
                state.waiters.append((ticket.sequence, continuation))
                return nil
            }
            if let known { continuation.resume(returning: known) }
        }
    }

    /// The newest ticket handed out (written or not).
    package var issuedTicket: AuditTicket { AuditTicket(state.withLock { $0.issued }) }

    /// The highest ticket whose records are written.
    package var durableTicket: AuditTicket { AuditTicket(durable.load(ordering: .acquiring)) }

    /// Why the writer stopped accepting records, if it did.
    package var failure: String? { state.withLock { $0.failure } }

    /// Writes what is queued, then forces the file to stable storage (`fsync`, on the writer's thread);
    /// returns when that is done, without holding a pool thread.
    package func sync() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let wake = state.withLock { state -> Bool? in
                guard !state.ended else { return nil }
                state.syncsRequested += 1
                state.syncWaiters.append((state.syncsRequested, continuation))
                defer { state.idle = false }
                return state.idle
            }
            guard let wake else { return continuation.resume() }
            if wake { work.signal() }
        }
    }

    /// Writes everything queued, then ends the thread and closes the file; later batches fail.
    package func close() async {
        let wake = state.withLock { state in
            state.closing = true
            defer { state.idle = false }
            return state.idle
        }
        if wake { work.signal() }
        await ended.valueIgnoringCancellation()
    }

    /// Calls `observer` after every batch is written (synced under `syncEachBatch`) with the file and the
    /// offset its bytes end at, before the batch's ticket is decided, outside every lock. The audit sinks
    /// read up to that offset (a writer that moves to another file names it, and they follow); `observer`
    /// runs on the writing thread (a session's own, or the writer's), so it must only note the offset and
    /// wake its reader, never block.
    package func observeDurable(_ observer: @escaping @Sendable (AuditFileIdentity, Int64) -> Void) {
        observers.withLock { $0.append(observer) }
        observed.store(true, ordering: .releasing)
    }

    /// Tells the observers where the batch just written ends. Called by the one thread that wrote it,
    /// before another batch can start, so the offset is that batch's end.
    private func notifyObservers() {
        guard observed.load(ordering: .acquiring) else { return }
        let end = lseek(fd, 0, SEEK_CUR)
        guard end >= 0 else { return }
        for observer in observers.withLock({ $0 }) { observer(fileIdentity, Int64(end)) }
    }

    private func resolution(of ticket: AuditTicket) -> Bool? {
        if ticket.sequence <= durable.load(ordering: .acquiring) { return true }
        if ticket.sequence >= failedFrom.load(ordering: .acquiring) { return false }
        return nil
    }

    // MARK: - The writer thread

    private func run() {
        while true {
            let next = state.withLock { state -> Work in
                if state.inline {
                    // `append` is writing on its caller's thread and wakes this one when it is done.
                    state.idle = true
                    return .sleep
                }
                let sync = state.syncsRequested > state.syncsDone ? state.syncsRequested : nil
                if !state.queued.isEmpty || sync != nil {
                    defer { state.queued = [] }
                    return .write(records: state.queued, through: state.queuedThrough, sync: sync)
                }
                if state.closing {
                    state.ended = true
                    return .exit
                }
                state.idle = true
                return .sleep
            }
            switch next {
            case .sleep:
                work.wait()
            case .write(let records, let through, let sync):
                var error = records.isEmpty ? nil : appendToFile(records)
                if error == nil, sync != nil, fsync(fd) != 0 { error = POSIXError(errno) }
                if error == nil, !records.isEmpty { notifyObservers() }
                publish(through: records.isEmpty ? nil : through, error: error, synced: sync)
            case .exit:
                Posix.close(fd)
                publish(through: nil, error: nil, synced: nil)
                ended.fulfil(())
                return
            }
        }
    }

    /// Appends `records` with as few writes as the kernel allows; on failure takes back what got out.
    private func appendToFile(_ records: [[UInt8]]) -> POSIXError? {
        var written = 0
        var error: POSIXError?
        var start = records.startIndex
        while start < records.endIndex, error == nil {
            let end = min(start + VectoredWrite.maxVectors, records.endIndex)
            let result = VectoredWrite.withBytes(of: records[start..<end]) { buffers in
                VectoredWrite.write(fd, buffers, whenBlocked: waitForRoom)
            }
            written += result.written
            if case .failed(let cause) = result.outcome { error = cause }
            start = end
        }
        if error != nil, written > 0 {
            // No half batch stays in the log: its tickets fail, so none of it may look recorded.
            var status = stat()
            if fstat(fd, &status) == 0 { _ = ftruncate(fd, status.st_size - off_t(written)) }
        }
        if error == nil, syncEachBatch, fdatasync(fd) != 0 { error = POSIXError(errno) }
        return error
    }

    /// A log opened on something non-blocking (a FIFO someone set so) waits for room rather than failing.
    private func waitForRoom() -> Bool {
        var target = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        _ = poll(&target, 1, -1)
        return true
    }

    /// Decides the batch through `through` (durable, or failed with `error`), records the sync request
    /// `syncedThrough` as done, then wakes whoever waits on either.
    private func publish(through: UInt64?, error: POSIXError?, synced syncedThrough: UInt64?) {
        let (decided, syncs) = state.withLock { state in
            if let error {
                state.failure = "audit log \(path) cannot be written: \(error)"
                // Every batch not yet durable fails, including any queued while this one was written.
                let first = durable.load(ordering: .relaxed) + 1
                failedFrom.store(min(first, failedFrom.load(ordering: .relaxed)), ordering: .releasing)
                state.queued = []
            } else if let through {
                durable.store(through, ordering: .releasing)
            }
            if let syncedThrough { state.syncsDone = max(state.syncsDone, syncedThrough) }
            let ended = state.ended
            let syncsDone = state.syncsDone
            var decided: [(CheckedContinuation<Bool, Never>, Bool)] = []
            state.waiters.removeAll { waiter in
                // At the end every ticket is decided; `ended` only guards against a waiter left behind.
                guard let known = resolution(of: AuditTicket(waiter.ticket)) ?? (ended ? false : nil) else {
                    return false
                }
                decided.append((waiter.continuation, known))
                return true
            }
            var syncs: [CheckedContinuation<Void, Never>] = []
            state.syncWaiters.removeAll { waiter in
                guard waiter.number <= syncsDone || ended else { return false }
                syncs.append(waiter.continuation)
                return true
            }
            return (decided, syncs)
        }
        published.lock()
        published.broadcast()
        published.unlock()
        for (continuation, known) in decided { continuation.resume(returning: known) }
        for continuation in syncs { continuation.resume() }
    }

    /// Whether the file at `path` ends in a fragment: a previous run died mid-line.
    static func endsWithoutNewline(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { Posix.close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        guard size > 0, lseek(fd, size - 1, SEEK_SET) >= 0 else { return false }
        var last: UInt8 = 0
        return Posix.read(fd, &last, 1) == 1 && last != 0x0A
    }
}
