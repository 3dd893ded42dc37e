import FirewallCore

/// The calls waiting on the web page, the pages watching them, and the calls settled lately: pure state,
/// bounded everywhere. Event methods publish to the watching pages and return what the caller must do.
///
/// Every table has a cap: pending calls, watching pages, each page's unsent events (a page that falls
/// behind is dropped and reconnects to a fresh snapshot), and the settled calls remembered so that a
/// second answer is told "already answered" rather than "unknown".
package struct PendingApprovals: Sendable {
    /// The caps.
    package struct Limits: Sendable {
        /// Calls waiting at once.
        package var maxPending: Int
        /// Pages watching at once.
        package var maxSubscribers: Int
        /// Events queued for one page before it counts as too slow and is dropped.
        package var subscriberBuffer: Int
        /// Settled calls remembered, oldest forgotten first.
        package var maxSettled: Int

        /// The caps; the defaults suit one person with a few tabs open.
        package init(
            maxPending: Int = 256, maxSubscribers: Int = 16, subscriberBuffer: Int = 64, maxSettled: Int = 1024
        ) {
            self.maxPending = maxPending
            self.maxSubscribers = maxSubscribers
            self.subscriberBuffer = subscriberBuffer
            self.maxSettled = maxSettled
        }
    }

    /// How a call stopped waiting.
    package enum Settlement: String, Sendable, Equatable {
        case approved
        case declined
        case withdrawn
    }

    /// The result of `open`.
    package enum OpenAction: Sendable {
        /// Published; the answer arrives through this.
        case wait(OneShot<DecisionForm>)
        /// Too many calls are already waiting.
        case full
        /// A call with this id is already waiting or was settled.
        case duplicate
    }

    /// The result of `answer`.
    package enum AnswerAction: Sendable {
        /// Accepted and removed from view: fulfil this with the answer.
        case deliver(OneShot<DecisionForm>)
        case unknown
        case alreadyAnswered
        /// The call was withdrawn or timed out before the answer came.
        case noLongerWaiting
        /// The answer names a different call than the one waiting (arguments, tool, server or policy changed).
        case bindingMismatch
    }

    private struct Entry: Sendable {
        var card: ApprovalCard
        var answer: OneShot<DecisionForm>
    }

    /// The caps in force.
    package let limits: Limits
    private var pending: [Entry] = []
    private var settled: [String: Settlement] = [:]
    private var settledOrder: [String] = []
    private var subscribers: [Int: AsyncStream<ApprovalEvent>.Continuation] = [:]
    private var nextSubscriber = 0
    /// Set by `close()`: no new pages are accepted.
    package private(set) var isClosed = false

    /// An empty table with the given caps.
    package init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// The waiting calls, oldest first.
    package var pendingCalls: [ApprovalCard] { pending.map(\.card) }

    /// How many pages are watching.
    package var subscriberCount: Int { subscribers.count }

    /// Adds a call of this proxy and shows it on every watching page.
    package mutating func open(_ request: ApprovalRequest) -> OpenAction {
        open(ApprovalCard(request))
    }

    /// Adds a call and shows it on every watching page.
    package mutating func open(_ card: ApprovalCard) -> OpenAction {
        guard settled[card.id] == nil, !pending.contains(where: { $0.card.id == card.id }) else {
            return .duplicate
        }
        guard pending.count < limits.maxPending else { return .full }
        let entry = Entry(card: card, answer: OneShot())
        pending.append(entry)
        publish(.added(card.bytes))
        return .wait(entry.answer)
    }

    /// Takes an answer from a page: accepted only for a waiting call whose binding matches.
    /// An answer at or past the call's deadline (`now`, Unix seconds; by default no clock, so never late)
    /// is refused as no longer waiting: the approval timeout is deciding that call, and the page must
    /// not report an approval the audit log will not show.
    package mutating func answer(_ form: DecisionForm, now: Double = -.infinity) -> AnswerAction {
        guard let index = pending.firstIndex(where: { $0.card.id == form.approvalID }) else {
            switch settled[form.approvalID] {
            case .approved?, .declined?: return .alreadyAnswered
            case .withdrawn?: return .noLongerWaiting
            case nil: return .unknown
            }
        }
        let expected = Array(pending[index].card.binding.utf8)
        guard AccessToken.constantTimeEquals(Array(form.binding.utf8), expected) else { return .bindingMismatch }
        guard now < pending[index].card.deadline else { return .noLongerWaiting }
        let entry = pending.remove(at: index)
        settle(entry.card.id, form.approve ? .approved : .declined)
        return .deliver(entry.answer)
    }

    /// Removes a call that stopped waiting (withdrawn, timed out); false when it was not waiting.
    @discardableResult
    package mutating func withdraw(_ approvalID: String) -> Bool {
        guard let index = pending.firstIndex(where: { $0.card.id == approvalID }) else { return false }
        pending.remove(at: index)
        settle(approvalID, .withdrawn)
        return true
    }

    /// Registers a page; its stream starts with a snapshot of the waiting calls. Nil when too many pages are
    /// watching or the server is shutting down.
    package mutating func subscribe() -> (id: Int, events: AsyncStream<ApprovalEvent>)? {
        guard !isClosed, subscribers.count < limits.maxSubscribers else { return nil }
        let (stream, continuation) = AsyncStream<ApprovalEvent>.makeStream(
            bufferingPolicy: .bufferingOldest(limits.subscriberBuffer))
        let id = nextSubscriber
        nextSubscriber += 1
        subscribers[id] = continuation
        continuation.yield(.snapshot(pending.map(\.card.bytes)))
        return (id, stream)
    }

    /// Ends a page's stream and forgets it; harmless when it is already gone.
    package mutating func unsubscribe(_ id: Int) {
        subscribers.removeValue(forKey: id)?.finish()
    }

    /// Sends every page a comment, so writes to dead connections fail and free their slot.
    package mutating func heartbeat() {
        publish(.heartbeat)
    }

    /// Ends every page's stream and refuses new ones (the server is shutting down).
    package mutating func close() {
        isClosed = true
        for continuation in subscribers.values { continuation.finish() }
        subscribers.removeAll()
    }

    private mutating func settle(_ approvalID: String, _ settlement: Settlement) {
        settled[approvalID] = settlement
        settledOrder.append(approvalID)
        if settledOrder.count > limits.maxSettled {
            settled.removeValue(forKey: settledOrder.removeFirst())
        }
        publish(.removed(approvalID: approvalID, reason: settlement.rawValue))
    }

    /// Queues `event` for every page; a page whose queue is full is dropped (its stream ends after what it
    /// has queued, and the browser reconnects to a fresh snapshot) instead of growing memory.
    private mutating func publish(_ event: ApprovalEvent) {
        var slow: [Int] = []
        for (id, continuation) in subscribers {
            switch continuation.yield(event) {
            case .enqueued: continue
            case .dropped, .terminated: slow.append(id)
            @unknown default: slow.append(id)
            }
        }
        for id in slow { unsubscribe(id) }
    }
}
