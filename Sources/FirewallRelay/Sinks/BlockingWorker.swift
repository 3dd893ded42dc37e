import Foundation
import Synchronization

/// A thread of its own for blocking system calls (file reads, cursor writes, writes to stderr), so
/// that they never run on the cooperative pool. Jobs run one at a time, in the order submitted.
///
/// Its callers await each job before submitting the next, so the queue holds at most one job per
/// caller. `close()` ends the thread once the queue is empty; jobs submitted after it run inline.
package final class BlockingWorker: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var closed = false
        var finished = false
    }

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)

    package init(name: String) {
        Posix.startThread(name: name) { [self] in serve() }
    }

    /// Runs `job` on the worker's thread and returns its result, without holding a pool thread.
    package func run<T: Sendable>(_ job: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            let queued = state.withLock { state -> Bool in
                guard !state.finished else { return false }
                state.jobs.append { continuation.resume(returning: job()) }
                return true
            }
            if queued { wake.signal() } else { continuation.resume(returning: job()) }
        }
    }

    /// Ends the thread after the jobs already queued.
    package func close() {
        state.withLock { $0.closed = true }
        wake.signal()
    }

    private enum Step {
        case run(@Sendable () -> Void)
        case wait
        case exit
    }

    private func serve() {
        while true {
            let step = state.withLock { state -> Step in
                if !state.jobs.isEmpty { return .run(state.jobs.removeFirst()) }
                guard state.closed else { return .wait }
                state.finished = true
                return .exit
            }
            switch step {
            case .run(let job): job()
            // One signal per job and one for `close`: a signal for a job already run costs one empty turn.
            case .wait: wake.wait()
            case .exit: return
            }
        }
    }
}
