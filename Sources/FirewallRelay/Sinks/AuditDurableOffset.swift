import FirewallCore
import Synchronization

/// How far the audit log is written, as the writer announces it after every batch
/// (`AuditWriter.observeDurable`), for the sinks that wait for more lines: they are resumed when it
/// moves, never poll.
///
/// An announcement names the file as well as the offset, so a writer that moves to a new file
/// (rotation) is followed: the file it left keeps its final offset and the name of the file that came
/// next, and a sink finishes the old file before it opens the new one.
package final class AuditDurableOffset: Sendable {
    /// Where a sink reading `file` stands.
    package enum Position: Sendable, Equatable {
        /// The writer writes this file; it is written up to here.
        case writing(Int64)
        /// The writer left this file at `final` for `next`.
        case left(final: Int64, next: AuditFileIdentity)
        /// Not a file this writer has announced.
        case unknown
    }

    private struct State {
        var file: AuditFileIdentity
        var offset: Int64
        /// Files the writer left, oldest first (at most `leftLimit`).
        var left: [(file: AuditFileIdentity, final: Int64, next: AuditFileIdentity)] = []
        var waiters: [Int: (file: AuditFileIdentity, beyond: Int64, continuation: CheckedContinuation<Bool, Never>)] =
            [:]
        var nextWaiter = 0
        /// No more will be written (the session ended): waiters for more are told so.
        var finished = false
    }

    private static let leftLimit = 16
    private let state: Mutex<State>

    /// `file` and `offset`: what is there before the writer writes anything (its file and size when opened).
    package init(file: AuditFileIdentity, offset: Int64) {
        state = Mutex(State(file: file, offset: offset))
    }

    /// The file being written and how far.
    package var current: (file: AuditFileIdentity, offset: Int64) { state.withLock { ($0.file, $0.offset) } }

    package func position(of file: AuditFileIdentity) -> Position {
        state.withLock { state in
            if state.file == file { return .writing(state.offset) }
            guard let left = state.left.last(where: { $0.file == file }) else { return .unknown }
            return .left(final: left.final, next: left.next)
        }
    }

    /// Notes that `file` is written up to `offset`, waking whoever waits for less (or reads the file
    /// the writer just left). Non-blocking: it runs on the thread that wrote the batch.
    package func advance(file: AuditFileIdentity, to offset: Int64) {
        let woken = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            if file != state.file {
                state.left.append((state.file, state.offset, file))
                if state.left.count > Self.leftLimit { state.left.removeFirst() }
                state.file = file
                state.offset = offset
            } else {
                guard offset > state.offset else { return [] }
                state.offset = offset
            }
            var woken: [CheckedContinuation<Bool, Never>] = []
            for (id, waiter) in state.waiters where waiter.file != state.file || waiter.beyond < state.offset {
                woken.append(waiter.continuation)
                state.waiters[id] = nil
            }
            return woken
        }
        for continuation in woken { continuation.resume(returning: true) }
    }

    /// Says that nothing more will be written: whoever waits is told so (false).
    package func finish() {
        let woken = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            state.finished = true
            defer { state.waiters.removeAll() }
            return state.waiters.values.map(\.continuation)
        }
        for continuation in woken { continuation.resume(returning: false) }
    }

    /// Waits until `file` is written past `offset` or the writer has left it: true; false once nothing
    /// more will be written (`finish`) or when the task is cancelled.
    package func wait(beyond offset: Int64, in file: AuditFileIdentity) async -> Bool {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let ready = state.withLock { state -> Bool? in
                    if Task.isCancelled { return false }
                    if state.file != file || state.offset > offset { return true }
                    if state.finished { return false }
                    state.waiters[id] = (file, offset, continuation)
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume(returning: false)
        }
    }
}
