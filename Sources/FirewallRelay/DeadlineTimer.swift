import Synchronization

/// One wake-up for a session's earliest deadline (`RelayStateMachine.nextDeadline`, monotonic
/// seconds): `fire` runs once it passes, on the pool, and must only post an event (`tick`).
///
/// Re-armed after every batch; a new deadline replaces the old. It disarms itself before firing, so
/// that the next batch re-arms even for the same deadline (a tick a hair early times nothing out).
final class DeadlineTimer: Sendable {
    private let state = Mutex<(deadline: Double?, task: Task<Void, Never>?)>((nil, nil))

    init() {}

    func arm(_ deadline: Double?, fire: @escaping @Sendable () -> Void) {
        state.withLock { timer in
            guard timer.deadline != deadline else { return }
            timer.task?.cancel()
            timer.deadline = deadline
            guard let deadline else {
                timer.task = nil
                return
            }
            timer.task = Task { [weak self] in
                let wait = max(0, deadline - Posix.monotonic())
                guard (try? await Task.sleep(for: .milliseconds(Int64((wait * 1000).rounded(.up))))) != nil else {
                    return
                }
                self?.state.withLock { if $0.deadline == deadline { $0.deadline = nil } }
                fire()
            }
        }
    }

    /// The session ended: no more wake-ups.
    func cancel() {
        state.withLock { $0.task?.cancel() }
    }
}
