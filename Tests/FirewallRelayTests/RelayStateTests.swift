import FirewallCore
import Testing

@testable import FirewallRelay

/// The relay's bookkeeping, driven with no I/O.
struct RelayStateTests {
    func held(_ call: Int, approval: String) -> RelayState.Held {
        let policy = Policy(source: .init(path: "p", sha256: ""))
        return RelayState.Held(
            call: call, tool: "t", era: .legacy, frame: [], arguments: .object([]),
            decision: policy.evaluate(tool: "t", arguments: .object([]), annotations: nil), approvalID: approval,
            requestedAt: 0, withdrawal: OneShot<Withdrawal>(), settings: ApprovalSettings()
        )
    }

    @Test func holdsAreCappedAndReleasedOnce() {
        var state = RelayState(maxHeld: 2)
        let first = state.hold(.number("1"), held(1, approval: "a1"))
        let second = state.hold(.number("2"), held(2, approval: "a2"))
        let third = state.hold(.number("3"), held(3, approval: "a3"))
        #expect(first && second && !third)
        let released = state.release(.number("1"), approvalID: "a1")
        let again = state.release(.number("1"), approvalID: "a1")
        let stale = state.release(.number("2"), approvalID: "other")
        #expect(released != nil)
        #expect(again == nil)
        #expect(stale == nil, "a stale approval cannot release a newer hold")
    }

    @Test func answeredRemovesInFlightOnlyOnce() {
        var state = RelayState()
        state.forwarded(.string("x"), method: "tools/call", call: 1, tool: "t", at: 0)
        #expect(state.isOutstanding(.string("x")))
        let answered = state.answered(.string("x"))
        let twice = state.answered(.string("x"))
        #expect(answered?.call == 1)
        #expect(twice == nil)
        #expect(!state.isOutstanding(.string("x")))
    }

    @Test func numericAndStringIdsAreDistinct() {
        var state = RelayState()
        state.forwarded(.number("1"), method: "ping", at: 0)
        #expect(!state.isOutstanding(.string("1")))
    }

    @Test func serverExitDrainsInFlightAndRemembersWhy() {
        var state = RelayState()
        state.forwarded(.number("1"), method: "ping", at: 0)
        _ = state.hold(.number("2"), held(2, approval: "a"))
        let drained = state.serverExited("exit status 1")
        #expect(drained.inFlight.count == 1)
        #expect(drained.held.count == 1)
        #expect(state.inFlight.isEmpty)
        #expect(state.serverEnded == "exit status 1")
    }

    @Test func callsAreNumberedFromOne() {
        var state = RelayState()
        let first = state.nextCall()
        let second = state.nextCall()
        #expect(first == 1)
        #expect(second == 2)
        #expect(state.counts.calls == 2)
    }
}
