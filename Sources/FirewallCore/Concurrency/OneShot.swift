import Synchronization

/// A value set once and awaited by any number of tasks; waiting is cancellable.
///
/// This is the relay's only bridge from its blocking threads (reaper, readers) to async code.
package final class OneShot<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [Int: CheckedContinuation<Value?, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    package init() {}

    /// Sets the value and wakes every waiter; later calls are ignored.
    package func fulfil(_ value: Value) {
        let waiters = state.withLock { state -> [CheckedContinuation<Value?, Never>] in
            guard state.value == nil else { return [] }
            state.value = value
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    /// The value if it has been set.
    package func peek() -> Value? {
        state.withLock { $0.value }
    }

    /// Waits for the value even if the task is cancelled: for values that are guaranteed to arrive
    /// promptly (a thread that has already been told to stop).
    package func valueIgnoringCancellation() async -> Value {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        let value: Value? = await withCheckedContinuation { (continuation: CheckedContinuation<Value?, Never>) in
            let immediate: Value? = state.withLock { state in
                if let value = state.value { return value }
                state.waiters[id] = continuation
                return nil
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
        // Only `fulfil` resumes waiters registered here, always with a value.
        return value!
    }

    /// Waits for the value; returns nil if the waiting task is cancelled first.
    package func value() async -> Value? {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Value?, Never>) in
                let immediate: Value?? = state.withLock { state in
                    if let value = state.value { return .some(value) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[id] = continuation
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: nil)
        }
    }
}
