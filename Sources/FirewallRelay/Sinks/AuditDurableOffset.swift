import Synchronization

/// How far the audit file is written, as the writer announces it (`AuditWriter.observeDurable`), for
/// the sinks that wait for more lines: they are resumed when it moves, never poll.
package final class AuditDurableOffset: Sendable {
    private struct State {
        var offset: Int64
        var waiters: [Int: (beyond: Int64, continuation: CheckedContinuation<Int64?, Never>)] = [:]
        var nextWaiter = 0
        /// No more will be written (the session ended): waiters for more are told so.
        var finished = false
    }

    private let state: Mutex<State>

    /// `offset`: what is in the file before the writer writes anything (its size when opened).
    package init(offset: Int64) {
        state = Mutex(State(offset: offset))
    }

    /// The offset written so far.
    package var current: Int64 { state.withLock { $0.offset } }

    /// Notes that the file is written up to `offset`, waking whoever waits for less. Non-blocking: it
    /// runs on the thread that wrote the batch.
    package func advance(to offset: Int64) {
        let woken = state.withLock { state -> [(CheckedContinuation<Int64?, Never>)] in
            guard offset > state.offset else { return [] }
            state.offset = offset
            var woken: [CheckedContinuation<Int64?, Never>] = []
            for (id, waiter) in state.waiters where waiter.beyond < offset {
                woken.append(waiter.continuation)
                state.waiters[id] = nil
            }
            return woken
        }
        for continuation in woken { continuation.resume(returning: offset) }
    }

    /// Says that nothing more will be written: whoever waits beyond `current` is told so (nil).
    package func finish() {
        let woken = state.withLock { state -> [CheckedContinuation<Int64?, Never>] in
            state.finished = true
            defer { state.waiters.removeAll() }
            return state.waiters.values.map(\.continuation)
        }
        for continuation in woken { continuation.resume(returning: nil) }
    }

    /// Waits until the file is written past `offset` and returns how far; nil once nothing more will be
    /// written (`finish`) or when the task is cancelled.
    package func wait(beyond offset: Int64) async -> Int64? {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Int64?, Never>) in
                let ready = state.withLock { state -> Int64?? in
                    if Task.isCancelled { return .some(nil) }
                    if state.offset > offset { return .some(state.offset) }
                    if state.finished { return .some(nil) }
                    state.waiters[id] = (offset, continuation)
                    return .none
                }
                if case .some(let value) = ready { continuation.resume(returning: value) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume(returning: nil)
        }
    }
}
