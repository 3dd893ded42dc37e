import FirewallCore
import FirewallHTTP
import Testing

/// The pending-approval table as pure state: events, answers, caps.
struct PendingApprovalsTests {
    @Test func aPageSeesASnapshotThenAdditionsAndRemovals() async {
        var state = PendingApprovals()
        let first = Fixtures.request(id: "a1")
        _ = state.open(first)
        let (_, events) = state.subscribe()!
        let second = Fixtures.request(id: "a2")
        _ = state.open(second)
        state.withdraw("a1")
        state.close()
        var received: [ApprovalEvent] = []
        for await event in events { received.append(event) }
        #expect(
            received == [
                .snapshot([ApprovalEvent.card(first)]), .added(ApprovalEvent.card(second)),
                .removed(approvalID: "a1", reason: "withdrawn"),
            ])
    }

    @Test func anAnswerAtTheDeadlineIsTooLate() {
        var state = PendingApprovals()
        let request = Fixtures.request(id: "a1")
        _ = state.open(request)
        let answer = DecisionForm(approvalID: "a1", binding: request.binding, approve: true)
        guard case .noLongerWaiting = state.answer(answer, now: request.deadline) else {
            Issue.record("an answer at the deadline was delivered")
            return
        }
        guard case .deliver = state.answer(answer, now: request.deadline - 1) else {
            Issue.record("an answer in time was refused")
            return
        }
    }

    @Test func anAnswerIsDeliveredOnceAndOnlyForTheCallShown() {
        var state = PendingApprovals()
        let request = Fixtures.request(id: "a1")
        guard case .wait(let waiter) = state.open(request) else {
            Issue.record("not opened")
            return
        }
        let forged = DecisionForm(approvalID: "a1", binding: Fixtures.request(tool: "other").binding, approve: true)
        guard case .bindingMismatch = state.answer(forged) else {
            Issue.record("a different call's binding was accepted")
            return
        }
        #expect(state.pendingCalls.map(\.id) == ["a1"])
        let answer = DecisionForm(approvalID: "a1", binding: request.binding, approve: true)
        guard case .deliver(let delivered) = state.answer(answer) else {
            Issue.record("the right answer was refused")
            return
        }
        #expect(delivered === waiter)
        #expect(state.pendingCalls.isEmpty)
        guard case .alreadyAnswered = state.answer(answer) else {
            Issue.record("a second answer was not refused as already answered")
            return
        }
        guard case .unknown = state.answer(DecisionForm(approvalID: "zz", binding: "b", approve: true)) else {
            Issue.record("an unknown id was not refused")
            return
        }
    }

    @Test func anAnswerAfterAWithdrawalIsTooLate() {
        var state = PendingApprovals()
        let request = Fixtures.request(id: "a1")
        _ = state.open(request)
        let withdrawn = state.withdraw("a1")
        let withdrawnAgain = state.withdraw("a1")
        #expect(withdrawn)
        #expect(!withdrawnAgain)
        guard
            case .noLongerWaiting = state.answer(
                DecisionForm(approvalID: "a1", binding: request.binding, approve: true))
        else {
            Issue.record("an answer to a withdrawn call was not refused")
            return
        }
    }

    @Test func capsPendingCallsAndPages() {
        var state = PendingApprovals(limits: .init(maxPending: 2, maxSubscribers: 1))
        for id in ["a1", "a2"] {
            guard case .wait = state.open(Fixtures.request(id: id)) else {
                Issue.record("\(id) was not opened")
                return
            }
        }
        guard case .full = state.open(Fixtures.request(id: "a3")) else {
            Issue.record("a third call was accepted past the cap")
            return
        }
        guard case .duplicate = state.open(Fixtures.request(id: "a1")) else {
            Issue.record("a duplicate id was accepted")
            return
        }
        #expect(state.subscribe() != nil)
        #expect(state.subscribe() == nil)
    }

    @Test func aPageThatFallsBehindIsDroppedNotBuffered() async {
        var state = PendingApprovals(limits: .init(subscriberBuffer: 3))
        let (_, events) = state.subscribe()!
        for index in 0..<5 { _ = state.open(Fixtures.request(id: "a\(index)")) }
        #expect(state.subscriberCount == 0)
        var received = 0
        for await _ in events { received += 1 }
        #expect(received == 3)
        #expect(state.subscribe() != nil)
    }

    @Test func aHeartbeatReachesEveryPage() async {
        var state = PendingApprovals()
        let (_, first) = state.subscribe()!
        let (_, second) = state.subscribe()!
        state.heartbeat()
        state.close()
        for events in [first, second] {
            var received: [ApprovalEvent] = []
            for await event in events { received.append(event) }
            #expect(received == [.snapshot([]), .heartbeat])
        }
    }

    @Test func closingEndsStreamsAndRefusesNewPages() async {
        var state = PendingApprovals()
        let (_, events) = state.subscribe()!
        state.close()
        var received = 0
        for await _ in events { received += 1 }
        #expect(received == 1)
        #expect(state.subscribe() == nil)
    }

    @Test func settledCallsAreRememberedUpToTheCap() {
        var state = PendingApprovals(limits: .init(maxSettled: 2))
        for id in ["a1", "a2", "a3"] {
            let request = Fixtures.request(id: id)
            _ = state.open(request)
            _ = state.answer(DecisionForm(approvalID: id, binding: request.binding, approve: false))
        }
        guard case .unknown = state.answer(DecisionForm(approvalID: "a1", binding: "b", approve: true)),
            case .alreadyAnswered = state.answer(DecisionForm(approvalID: "a3", binding: "b", approve: true))
        else {
            Issue.record("the settled list is not a bounded FIFO")
            return
        }
    }
}
