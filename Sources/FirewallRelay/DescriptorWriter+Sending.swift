import FirewallCore

#if canImport(Glibc)
import Glibc
#endif

/// What the writer's thread does with a batch it took: clear it with the audit, then write it.
extension DescriptorWriter {
    /// Writes `entries` once their audit batches are decided; returns how the thread ends, or nil to go on.
    func send(_ entries: [Entry]) -> End? {
        let cleared = clear(entries)
        if state.withLock({ $0.stopping }) { return .stopped }
        switch write(cleared, progress: release, whenBlocked: waitForRoom).outcome {
        case .complete: return nil
        case .abandoned: return .stopped
        case .failed(let error):
            let failure = "cannot write to \(name): \(error)"
            state.withLock { $0.failure = failure }
            return .failed(failure)
        }
    }

    /// Writes the unsent bytes of `entries`, each frame with its newline, at most `budget` bytes, in as
    /// few `writev` calls as the kernel allows (two vectors a frame, as many frames as one call takes).
    /// The thread's batches and the callers' own writes (`sendNow`) both go through here.
    func write(
        _ entries: [Entry], budget: Int = .max, progress: (Int) -> Void = { _ in }, whenBlocked: () -> Bool
    ) -> (outcome: VectoredWrite.Outcome, written: Int) {
        var written = 0
        var start = 0
        let framesPerWrite = max(1, VectoredWrite.maxVectors / 2)
        let frames = entries.map(\.whole)
        while start < frames.count, written < budget {
            let end = min(start + framesPerWrite, frames.count)
            let result = withUnsafeBytes(of: UInt8(0x0A)) { newline in
                VectoredWrite.withBytes(of: frames[start..<end]) { buffers in
                    var vectors: [UnsafeRawBufferPointer] = []
                    vectors.reserveCapacity(buffers.count * 2)
                    var room = budget - written
                    for (offset, whole) in buffers.enumerated() where room > 0 {
                        let buffer = UnsafeRawBufferPointer(
                            rebasing: whole[min(entries[start + offset].sent, whole.count)...])
                        let cut = UnsafeRawBufferPointer(rebasing: buffer[..<min(buffer.count, room)])
                        vectors.append(cut)
                        room -= cut.count
                        guard room > 0, cut.count == buffer.count else { break }
                        vectors.append(newline)
                        room -= 1
                    }
                    return VectoredWrite.write(fd, vectors, progress: progress, whenBlocked: whenBlocked)
                }
            }
            written += result.written
            guard case .complete = result.outcome else { return (result.outcome, written) }
            start = end
        }
        return (.complete, written)
    }

    /// The entries that may be written now: waits until the audit has decided every batch they follow,
    /// then withholds the decided frames whose batch failed and reports their calls.
    ///
    /// Frames that carry no decision still go after a failed batch (W2: only a decision needs its
    /// record); they wait for the batch to be decided all the same, so order is kept (W1).
    private func clear(_ entries: [Entry]) -> [Entry] {
        guard let last = entries.lazy.map(\.after).max(), last > .none else { return entries }
        if let audit, audit.wait(for: last) { return entries }
        var kept: [Entry] = []
        var unsent: [RequestID] = []
        var withheldBytes = 0
        for entry in entries {
            let recorded = entry.after == .none || audit?.wait(for: entry.after) == true
            if let decided = entry.decided, !recorded {
                unsent.append(decided)
                withheldBytes += entry.size
            } else {
                kept.append(entry)
            }
        }
        release(withheldBytes)
        if !unsent.isEmpty { onUnsent(unsent) }
        return kept
    }

    /// Takes `count` written or withheld bytes off the queue, ending the pressure at `lowWater`.
    private func release(_ count: Int) {
        guard count > 0 else { return }
        state.withLock { state in
            state.queuedBytes -= count
            if state.pressure, state.queuedBytes <= lowWater { state.setPressure(false) }
        }
        reportPressure()
    }

    /// Sleeps until `enqueue`, `finish()` or `stop()` writes to the wake pipe.
    func waitForWake() {
        var target = pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)
        while poll(&target, 1, -1) < 0, errno == EINTR {}
        drainWake()
    }

    /// Waits until `fd` has room (true) or `stop()` is called (false); the peer going away counts as
    /// room, so the next write reports it.
    private func waitForRoom() -> Bool {
        var targets = [
            pollfd(fd: fd, events: Int16(POLLOUT), revents: 0),
            pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            if state.withLock({ $0.stopping }) { return false }
            targets[0].revents = 0
            targets[1].revents = 0
            if poll(&targets, 2, -1) < 0 {
                if errno == EINTR { continue }
                return true
            }
            if targets[1].revents != 0 { drainWake() }
            if targets[0].revents != 0 { return true }
        }
    }

    private func drainWake() {
        var bytes: (UInt64, UInt64) = (0, 0)
        while read(wake.read, &bytes, MemoryLayout.size(ofValue: bytes)) > 0 {}
    }
}

extension DescriptorWriter {
    /// Writes `entries` on the calling thread when that cannot block and keeps their order: nothing is
    /// queued, the writer's thread is idle and every entry's audit batch is already written. A
    /// non-blocking descriptor takes what the kernel accepts; a blocking one (our stdout) takes at most
    /// `PIPE_BUF` bytes, and only when `poll` says it has room, which a pipe or socket then accepts
    /// without blocking. The rest goes to the thread, first in its queue. Otherwise the entries are
    /// queued (`enqueue`). Returns the bytes still queued.
    ///
    /// Saves the hand-off to the writer's thread on every frame while the peer keeps up.
    @discardableResult
    package func sendNow(_ entries: [Entry]) -> Int {
        guard !entries.isEmpty else { return 0 }
        let durable = audit?.durableTicket ?? .none
        guard entries.allSatisfy({ $0.after <= durable }) else { return enqueue(entries) }
        let total = entries.reduce(0) { $0 + $1.size }
        let claimed = state.withLock { state -> Bool in
            guard state.accepting, state.idle, !state.inline, state.entries.isEmpty else { return false }
            state.inline = true
            state.queuedBytes += total
            if !state.pressure, state.queuedBytes > highWater { state.setPressure(true) }
            return true
        }
        guard claimed else { return enqueue(entries) }
        let (written, failure) = writeNow(entries, budget: nonBlocking ? .max : Int(PIPE_BUF))
        let rest = failure == nil ? Self.remainder(of: entries, after: written) : []
        let (queued, wakeThread) = state.withLock { state -> (Int, Bool) in
            state.inline = false
            if let failure {
                state.failure = failure
                state.queuedBytes -= total
            } else {
                state.queuedBytes -= written
                // What the kernel did not take goes first: anything queued meanwhile came after it.
                state.entries.insert(contentsOf: rest, at: 0)
            }
            if state.pressure, state.queuedBytes <= lowWater { state.setPressure(false) }
            let wake = state.idle && (!state.entries.isEmpty || state.finishing || failure != nil)
            if wake { state.idle = false }
            return (state.queuedBytes, wake)
        }
        if wakeThread { signalWake() }
        reportPressure()
        return queued
    }

    /// Writes what the kernel takes at once, at most `budget` bytes; a blocking descriptor is written
    /// only when `poll` says it has room (then up to `PIPE_BUF` bytes go in without blocking).
    private func writeNow(_ frames: [Entry], budget: Int) -> (written: Int, failure: String?) {
        if !nonBlocking {
            var target = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&target, 1, 0) == 1, target.revents & Int16(POLLOUT) != 0 else { return (0, nil) }
        }
        let result = write(frames, budget: budget, whenBlocked: { false })
        guard case .failed(let error) = result.outcome else { return (result.written, nil) }
        return (result.written, "cannot write to \(name): \(error)")
    }

    /// The entries left once `written` bytes of `entries` (each frame and its newline) went out: a
    /// frame cut short continues from where the kernel stopped.
    static func remainder(of entries: [Entry], after written: Int) -> [Entry] {
        var skip = written
        var rest: [Entry] = []
        for entry in entries {
            if skip >= entry.size {
                skip -= entry.size
                continue
            }
            var left = entry
            // `skip` < size: at most the whole frame went, then the newline is still owed.
            left.sent = min(entry.sent + skip, entry.whole.count)
            skip = 0
            rest.append(left)
        }
        return rest
    }
}
