import FirewallCore
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Which audit batches must reach stable storage (`fdatasync`) before they count as written.
package enum AuditSyncMode: String, Sendable, CaseIterable {
    /// Every batch: survives power loss, costs a disk flush per batch.
    case always
    /// Batches holding a decision, an approval request, a checkpoint or a session's start or end.
    case decisions
    /// None: the kernel writes them back when it will (a crash of the proxy loses nothing; power loss may).
    case never

    func syncs(decisive: Bool) -> Bool {
        switch self {
        case .always: true
        case .decisions: decisive
        case .never: false
        }
    }
}

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
        /// Whether a batch in `queued` must reach stable storage before its ticket counts as durable.
        var queuedSync = false
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
        /// A rotation asked for: after the first `records` entries of `queued` (the batches through
        /// `ticket`), the file is synced, renamed to `archive` (when given) and `path` opened anew.
        var rotation: (ticket: UInt64, records: Int, archive: String?)?
    }

    private enum Work {
        /// Append `records` (the batches up to ticket `through`), `fdatasync` them if `dataSync`, then
        /// `fsync` if `sync` is set.
        case write(records: [[UInt8]], through: UInt64, dataSync: Bool, sync: UInt64?)
        /// Append `records` (through ticket `through`), sync, then rename the file and open a new one.
        case rotate(records: [[UInt8]], through: UInt64, archive: String?)
        case sleep
        case exit
    }

    /// The open file; replaced only by the writer's thread while it alone touches the file (rotation).
    private let descriptor: Atomic<Int32>
    private var fd: Int32 { descriptor.load(ordering: .acquiring) }
    /// The file's size as last written (what was there at open, plus what this writer appended).
    private let writtenSize: Atomic<Int>
    package let path: String
    private let syncMode: AuditSyncMode
    private let state = Mutex(State())
    /// The highest ticket whose records are written (and synced, when their batch asked for it).
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
    /// The open file's device and inode; a rotation replaces it (on the writer's thread).
    private let identity: Mutex<AuditFileIdentity>
    /// The open file's device and inode.
    package var fileIdentity: AuditFileIdentity { identity.withLock { $0 } }

    /// Opens (creating if needed) the log at `path` for appending and starts its thread. `sync` says
    /// which batches are durable only after `fdatasync` (power-loss safety, `--audit-sync`).
    package init(path: String, sync: AuditSyncMode = .never) throws(AuditLogError) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw AuditLogError(message: "cannot open audit log \(path): \(Posix.errorText(errno))") }
        self.descriptor = Atomic(fd)
        var status = stat()
        let known = fstat(fd, &status) == 0
        self.writtenSize = Atomic(known ? Int(status.st_size) : 0)
        self.path = path
        self.syncMode = sync
        self.identity = Mutex(AuditFileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino)))
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
    /// the ticket is already failed and nothing is queued. `decisive` marks a batch holding a decision,
    /// an approval or a checkpoint (`AuditSyncMode.decisions` syncs those).
    package func enqueue(_ records: [[UInt8]], decisive: Bool = false) -> AuditTicket {
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
            if syncMode.syncs(decisive: decisive) { state.queuedSync = true }
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
    package func append(_ records: [[UInt8]], decisive: Bool = false) -> AuditTicket {
        guard !records.isEmpty else { return .none }
        let claimed = state.withLock { state -> UInt64? in
            guard state.idle, !state.inline, state.queued.isEmpty, !state.closing, state.rotation == nil,
                state.syncsRequested == state.syncsDone, failedFrom.load(ordering: .relaxed) == .max
            else { return nil }
            state.issued += 1
            state.inline = true
            return state.issued
        }
        guard let ticket = claimed else { return enqueue(records, decisive: decisive) }
        let error = appendToFile(records, dataSync: syncMode.syncs(decisive: decisive))
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

    /// Closes the current file once every batch enqueued so far is written and synced, renames it to
    /// `archive` (when given: the proxy's own rotation; nil after an external rotator moved it), and
    /// opens `path` afresh for the batches that follow. Never blocks; a failure latches like a write's.
    package func rotate(archiveTo archive: String?) {
        let wake = state.withLock { state -> Bool in
            guard state.rotation == nil, !state.closing else { return false }
            state.rotation = (state.issued, state.queued.count, archive)
            defer { state.idle = false }
            return state.idle
        }
        if wake { work.signal() }
    }

    /// The file's size in bytes as this writer last left it.
    package var size: Int { writtenSize.load(ordering: .relaxed) }

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
    /// `end` is given after a reopen (nothing written through the new descriptor yet).
    private func notifyObservers(end given: Int? = nil) {
        guard observed.load(ordering: .acquiring) else { return }
        // O_APPEND: after a write the descriptor's offset is the file's end, other writers' bytes included.
        let end = given.map { off_t($0) } ?? lseek(fd, 0, SEEK_CUR)
        guard end >= 0 else { return }
        let file = fileIdentity
        for observer in observers.withLock({ $0 }) { observer(file, Int64(end)) }
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
                if let rotation = state.rotation {
                    state.rotation = nil
                    let count = min(rotation.records, state.queued.count)
                    let records = Array(state.queued.prefix(count))
                    state.queued.removeFirst(count)
                    return .rotate(records: records, through: rotation.ticket, archive: rotation.archive)
                }
                let sync = state.syncsRequested > state.syncsDone ? state.syncsRequested : nil
                if !state.queued.isEmpty || sync != nil {
                    defer {
                        state.queued = []
                        state.queuedSync = false
                    }
                    return .write(
                        records: state.queued, through: state.queuedThrough, dataSync: state.queuedSync, sync: sync)
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
            case .write(let records, let through, let dataSync, let sync):
                var error = records.isEmpty ? nil : appendToFile(records, dataSync: dataSync)
                if error == nil, sync != nil, fsync(fd) != 0 { error = POSIXError(errno) }
                if error == nil, !records.isEmpty { notifyObservers() }
                publish(through: records.isEmpty ? nil : through, error: error, synced: sync)
            case .rotate(let records, let through, let archive):
                var error = records.isEmpty ? nil : appendToFile(records, dataSync: true)
                if error == nil, !records.isEmpty { notifyObservers() }
                if error == nil { error = reopen(archivingTo: archive) }
                // Sinks move on to the new file at once, without waiting for its first batch.
                if error == nil { notifyObservers(end: writtenSize.load(ordering: .relaxed)) }
                publish(through: records.isEmpty ? nil : through, error: error, synced: nil)
            case .exit:
                Posix.close(fd)
                publish(through: nil, error: nil, synced: nil)
                ended.fulfil(())
                return
            }
        }
    }

    /// Syncs and closes the file, renames it to `archive` if given, and opens `path` for appending.
    private func reopen(archivingTo archive: String?) -> POSIXError? {
        if fsync(fd) != 0 { return POSIXError(errno) }
        if let archive, rename(path, archive) != 0 { return POSIXError(errno) }
        let fresh = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fresh >= 0 else { return POSIXError(errno) }
        let old = descriptor.exchange(fresh, ordering: .acquiringAndReleasing)
        Posix.close(old)
        var status = stat()
        let known = fstat(fresh, &status) == 0
        writtenSize.store(known ? Int(status.st_size) : 0, ordering: .relaxed)
        if known {
            identity.withLock { $0 = AuditFileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino)) }
        }
        return nil
    }

    /// Appends `records` with as few writes as the kernel allows; on failure takes back what got out.
    private func appendToFile(_ records: [[UInt8]], dataSync: Bool) -> POSIXError? {
        var written = 0
        var error: POSIXError?
        var start = records.startIndex
        while start < records.endIndex, error == nil {
            let end = min(start + VectoredWrite.maxVectors, records.endIndex)
            let result = VectoredWrite.withBytes(of: records[start..<end]) { buffers in
                VectoredWrite.write(fd, buffers, whenBlocked: waitForRoom)
            }
            written += result.written
            writtenSize.add(result.written, ordering: .relaxed)
            if case .failed(let cause) = result.outcome { error = cause }
            start = end
        }
        if error != nil, written > 0 {
            // No half batch stays in the log: its tickets fail, so none of it may look recorded.
            var status = stat()
            if fstat(fd, &status) == 0 { _ = ftruncate(fd, status.st_size - off_t(written)) }
            writtenSize.subtract(written, ordering: .relaxed)
        }
        if error == nil, dataSync, fdatasync(fd) != 0 { error = POSIXError(errno) }
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
