import FirewallCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The one writer of a descriptor: callers enqueue frames, a dedicated thread writes them in order.
///
/// `enqueue` never blocks, so a peer that stops reading can stall only its own queue: the `Mutex`
/// guards the queue alone and every system call runs on the writer's thread. The thread takes all
/// that is queued, waits for the audit batches those frames come after (write-ahead: a decided frame
/// leaves only after its record), and writes the frames, each with a newline, in one `writev`.
///
/// Queued bytes are reported so the owner can stop feeding a writer that is not draining: above
/// `highWater` the writer is under pressure until it drains to `lowWater`. A failed write (EPIPE: the
/// peer went away) latches; later frames are dropped and `failure` names why.
///
/// With `nonBlocking` (for the child's stdin, which only we hold) the thread waits for room in `poll`
/// beside a wake pipe, so `stop()` ends it even while the peer never reads. On a blocking descriptor
/// (our stdout, perhaps a shared terminal) the thread may sit in `write` for as long as the peer does:
/// it is the one thread allowed to stay blocked at exit, so nobody should await its end there.
///
/// The thread holds the writer until it ends: call `finish()` or `stop()` when done.
package final class DescriptorWriter: Sendable {
    /// One frame to write (without its newline), the audit batch it must follow, and the call it carries.
    package struct Entry: Sendable {
        /// The frame as enqueued.
        let whole: [UInt8]
        /// How many of its bytes already went out (a write the kernel cut short): the rest is written
        /// from the same storage, never copied (a 10 MB answer was copied whole after its first 4 KiB).
        var sent = 0
        /// The frame waits until this batch is durable (`.none`: no wait).
        package var after: AuditTicket
        /// The call a decision let through: if its batch fails, the frame is withheld and reported.
        package var decided: RequestID?

        package init(_ frame: [UInt8], after: AuditTicket = .none, decided: RequestID? = nil) {
            self.whole = frame
            self.after = after
            self.decided = decided
        }

        /// The bytes still to write, without the newline (a copy once some were sent).
        package var frame: [UInt8] { sent == 0 ? whole : Array(whole[sent...]) }

        var size: Int { whole.count - sent + 1 }
    }

    /// Why the writer's thread ended.
    package enum End: Sendable, Equatable {
        /// `finish()`: everything queued was written.
        case finished
        /// `stop()`: whatever was still queued was dropped.
        case stopped
        /// A write failed; the text names the descriptor and the cause.
        case failed(String)
    }

    /// The queue and the thread's flags (internal only for the sending extension, `+Sending.swift`).
    struct State {
        var entries: [Entry] = []
        /// Bytes enqueued and not yet written or dropped, the thread's batch in hand included.
        var queuedBytes = 0
        var pressure = false
        /// Changes of `pressure` not yet told to `onPressureChange`, oldest first.
        var unreported: [Bool] = []
        /// A thread is telling `onPressureChange`; others leave their changes to it.
        var reporting = false
        var finishing = false
        var stopping = false
        var ended = false
        var failure: String?
        /// The thread waits on the wake pipe and needs a byte.
        var idle = false
        /// A caller is writing on its own thread (`send`); the thread leaves the descriptor alone meanwhile.
        var inline = false

        var accepting: Bool { !finishing && !stopping && !ended && failure == nil }

        mutating func setPressure(_ level: Bool) {
            pressure = level
            unreported.append(level)
        }
    }

    private enum Next {
        case write([Entry])
        case sleep
        case end(End)
    }

    let fd: Int32
    let name: String
    let audit: AuditWriter?
    let highWater: Int
    let lowWater: Int
    let closeWhenFinished: Bool
    let nonBlocking: Bool
    let onPressureChange: @Sendable (Bool) -> Void
    let onUnsent: @Sendable ([RequestID]) -> Void
    let wake: (read: Int32, write: Int32)
    let state = Mutex(State())
    private let done = OneShot<End>()

    /// Starts a writer for `fd`, named `name` in failures ("server stdin").
    ///
    /// Frames with a ticket wait for `audit` (without one, a frame behind a ticket is never cleared).
    /// `nonBlocking` sets `O_NONBLOCK` on `fd`; `closeWhenFinished` closes it when the thread ends.
    /// `onPressureChange` hears each change of `isUnderPressure`, in order and never two at once, on
    /// the enqueuing thread or the writer's; `onUnsent` hears the decided calls of frames withheld
    /// because their audit batch failed, on the writer's thread. Neither may block.
    package init(
        fd: Int32, name: String, audit: AuditWriter? = nil, nonBlocking: Bool = false, closeWhenFinished: Bool = false,
        highWater: Int = 1 << 20, lowWater: Int = 1 << 18,
        onPressureChange: @escaping @Sendable (Bool) -> Void = { _ in },
        onUnsent: @escaping @Sendable ([RequestID]) -> Void = { _ in }
    ) throws(POSIXError) {
        precondition(lowWater <= highWater, "low water above high water")
        if nonBlocking { try Posix.setNonBlocking(fd) }
        let wake = try Posix.pipe()
        do {
            try Posix.setNonBlocking(wake.read)
            try Posix.setNonBlocking(wake.write)
        } catch {
            Posix.close(wake.read)
            Posix.close(wake.write)
            throw error
        }
        self.fd = fd
        self.name = name
        self.audit = audit
        self.highWater = highWater
        self.lowWater = lowWater
        self.closeWhenFinished = closeWhenFinished
        self.nonBlocking = nonBlocking
        self.onPressureChange = onPressureChange
        self.onUnsent = onUnsent
        self.wake = wake
        Posix.startThread(name: "mcp-firewall.writer") { [self] in done.fulfil(run()) }
    }

    deinit {
        Posix.close(wake.read)
        Posix.close(wake.write)
    }

    /// Queues `frame` behind everything already queued; never blocks. Returns the bytes now queued.
    @discardableResult
    package func enqueue(_ frame: [UInt8], after: AuditTicket = .none, decided: RequestID? = nil) -> Int {
        enqueue([Entry(frame, after: after, decided: decided)])
    }

    /// Queues `entries` in order behind everything already queued; never blocks. Returns the bytes now
    /// queued. After `finish()`, `stop()` or a failure the entries are dropped.
    @discardableResult
    package func enqueue(_ entries: [Entry]) -> Int {
        let (queued, wakeThread) = state.withLock { state -> (Int, Bool) in
            guard state.accepting, !entries.isEmpty else { return (state.queuedBytes, false) }
            state.entries.append(contentsOf: entries)
            state.queuedBytes += entries.reduce(0) { $0 + $1.size }
            if !state.pressure, state.queuedBytes > highWater { state.setPressure(true) }
            defer { state.idle = false }
            return (state.queuedBytes, state.idle)
        }
        if wakeThread { signalWake() }
        reportPressure()
        return queued
    }

    /// Bytes enqueued and not yet written.
    package var queuedBytes: Int { state.withLock { $0.queuedBytes } }

    /// True from passing `highWater` until draining to `lowWater`: the owner should stop feeding it.
    package var isUnderPressure: Bool { state.withLock { $0.pressure } }

    /// Why writing stopped, if a write failed.
    package var failure: String? { state.withLock { $0.failure } }

    /// Writes what is queued, then ends the thread (and closes `fd` with `closeWhenFinished`).
    package func finish() {
        let wakeThread = state.withLock { state in
            state.finishing = true
            defer { state.idle = false }
            return state.idle
        }
        if wakeThread { signalWake() }
    }

    /// Ends the thread as soon as it next waits, dropping what is queued; idempotent.
    ///
    /// Interrupts a non-blocking writer waiting for a peer that never reads. A blocking writer ends
    /// only when its current `write` returns, and a wait for the audit (bounded by the disk) is let finish.
    package func stop() {
        let first = state.withLock { state in
            defer { state.stopping = true }
            return !state.stopping
        }
        if first { signalWake() }
    }

    /// Waits for the thread to end; nil if the waiting task is cancelled first.
    package func ended() async -> End? {
        await done.value()
    }

    /// Waits for the thread to end, at most `limit`; nil if it has not.
    package func ended(upTo limit: Duration) async -> End? {
        await ChildProcess.wait(done, upTo: limit)
    }

    func signalWake() {
        var byte: UInt8 = 1
        // The pipe is non-blocking: if it is full, a wake-up is already pending.
        _ = Posix.write(wake.write, &byte, 1)
    }

    /// Tells `onPressureChange` every change of pressure not yet told, in order.
    ///
    /// Whoever changes the level calls this; one caller at a time delivers, and it keeps delivering
    /// until nothing is left, so the owner hears each change once, in order, never two at once.
    func reportPressure() {
        var levels = state.withLock { state -> [Bool] in
            guard !state.reporting, !state.unreported.isEmpty else { return [] }
            state.reporting = true
            defer { state.unreported = [] }
            return state.unreported
        }
        while !levels.isEmpty {
            for level in levels { onPressureChange(level) }
            levels = state.withLock { state -> [Bool] in
                if state.unreported.isEmpty { state.reporting = false }
                defer { state.unreported = [] }
                return state.unreported
            }
        }
    }

    // MARK: - The writer thread

    private func run() -> End {
        let end = loop()
        state.withLock { state in
            state.ended = true
            state.entries = []
            state.queuedBytes = 0
            if state.pressure { state.setPressure(false) }
        }
        reportPressure()
        if closeWhenFinished { Posix.close(fd) }
        return end
    }

    private func loop() -> End {
        while true {
            let next = state.withLock { state -> Next in
                if state.stopping { return .end(.stopped) }
                if let failure = state.failure { return .end(.failed(failure)) }
                if state.inline {
                    // `send` is writing on its caller's thread and wakes this one when it is done.
                    state.idle = true
                    return .sleep
                }
                if !state.entries.isEmpty {
                    defer { state.entries = [] }
                    return .write(state.entries)
                }
                if state.finishing { return .end(.finished) }
                state.idle = true
                return .sleep
            }
            switch next {
            case .sleep: waitForWake()
            case .end(let end): return end
            case .write(let entries):
                if let end = send(entries) { return end }
            }
        }
    }
}
