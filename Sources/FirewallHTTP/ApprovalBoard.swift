import FirewallCore
import Foundation
import Synchronization

/// The pending-approval table shared by the web channel (which adds calls and awaits answers) and the
/// HTTP handlers (which show calls and take answers): `PendingApprovals` behind a mutex.
package final class ApprovalBoard: Sendable {
    private let state: Mutex<PendingApprovals>

    /// An empty board with the given caps.
    package init(limits: PendingApprovals.Limits = .init()) {
        state = Mutex(PendingApprovals(limits: limits))
    }

    /// Shows `request` on every page; see `PendingApprovals.open`.
    package func open(_ request: ApprovalRequest) -> PendingApprovals.OpenAction {
        state.withLock { $0.open(request) }
    }

    /// Shows `card` on every page; see `PendingApprovals.open`.
    package func open(_ card: ApprovalCard) -> PendingApprovals.OpenAction {
        state.withLock { $0.open(card) }
    }

    /// Takes an answer; when it is accepted, the waiting channel receives it before this returns.
    package func answer(_ form: DecisionForm) -> PendingApprovals.AnswerAction {
        let now = Date().timeIntervalSince1970
        let action = state.withLock { $0.answer(form, now: now) }
        if case .deliver(let waiter) = action { waiter.fulfil(form) }
        return action
    }

    /// Removes a call that stopped waiting.
    @discardableResult
    package func withdraw(_ approvalID: String) -> Bool {
        state.withLock { $0.withdraw(approvalID) }
    }

    /// Registers a page; see `PendingApprovals.subscribe`.
    package func subscribe() -> (id: Int, events: AsyncStream<ApprovalEvent>)? {
        state.withLock { $0.subscribe() }
    }

    /// Ends a page's stream and forgets it.
    package func unsubscribe(_ id: Int) {
        state.withLock { $0.unsubscribe(id) }
    }

    /// Sends every page a keep-alive comment.
    package func heartbeat() {
        state.withLock { $0.heartbeat() }
    }

    /// Ends every page's stream and refuses new ones.
    package func close() {
        state.withLock { $0.close() }
    }

    /// The waiting calls, oldest first.
    package var pendingCalls: [ApprovalCard] { state.withLock { $0.pendingCalls } }

    /// How many pages are watching.
    package var subscriberCount: Int { state.withLock { $0.subscriberCount } }
}
