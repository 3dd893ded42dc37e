import Synchronization

/// A small value shared by reference between tasks and threads, guarded by a mutex.
package final class LockedValue<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    package init(_ value: Value) {
        mutex = Mutex(value)
    }

    package func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        mutex.withLock { body(&$0) }
    }

    package var value: Value { mutex.withLock { $0 } }
}
