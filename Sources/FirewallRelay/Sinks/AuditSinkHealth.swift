import Synchronization

/// Which `on_sink_failure: deny` sinks are failing, and the message a denied call reads.
///
/// Runners report every failed attempt and every delivery; when the set of failing deny sinks
/// changes, `onChange` is told the new message (nil: all deliver again), outside the lock.
package final class AuditSinkHealth: Sendable {
    private struct State {
        var failing: [(sink: String, reason: String)] = []
    }

    private let state = Mutex(State())
    private let onChange: @Sendable (String?) -> Void

    package init(onChange: @escaping @Sendable (String?) -> Void) {
        self.onChange = onChange
    }

    /// The message calls are denied with, nil while every deny sink delivers.
    package var failure: String? { state.withLock { Self.message($0.failing) } }

    /// `sink` failed to deliver for `reason`.
    package func failing(_ sink: String, reason: String) {
        update { failing in
            if let index = failing.firstIndex(where: { $0.sink == sink }) {
                guard failing[index].reason != reason else { return }
                failing[index].reason = reason
            } else {
                failing.append((sink, reason))
            }
        }
    }

    /// `sink` delivered.
    package func recovered(_ sink: String) {
        update { failing in failing.removeAll { $0.sink == sink } }
    }

    private func update(_ change: (inout [(sink: String, reason: String)]) -> Void) {
        let changed = state.withLock { state -> String?? in
            let before = Self.message(state.failing)
            change(&state.failing)
            let after = Self.message(state.failing)
            return before == after ? .none : .some(after)
        }
        if case .some(let message) = changed { onChange(message) }
    }

    private static func message(_ failing: [(sink: String, reason: String)]) -> String? {
        guard !failing.isEmpty else { return nil }
        let parts = failing.map { "audit sink `\($0.sink)` cannot deliver (\($0.reason))" }
        return parts.joined(separator: "; ") + "; the policy says on_sink_failure: deny"
    }
}
