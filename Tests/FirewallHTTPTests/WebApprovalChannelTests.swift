import FirewallCore
import FirewallHTTP
import Testing

/// The channel the proxy asks, driven through its board with no HTTP.
struct WebApprovalChannelTests {
    /// Runs `request` through a channel, answering it with `form(request)` once the page would show it.
    func answered(
        _ request: ApprovalRequest, with form: @escaping @Sendable (ApprovalRequest) -> DecisionForm
    ) async throws -> ApprovalResponse {
        let board = ApprovalBoard()
        let channel = WebApprovalChannel(board: board)
        let (id, events) = try #require(board.subscribe())
        defer { board.unsubscribe(id) }
        async let response = channel.requestApproval(request)
        for await event in events {
            guard case .added = event else { continue }
            guard case .deliver = board.answer(form(request)) else {
                Issue.record("the answer was refused")
                break
            }
            break
        }
        return await response
    }

    @Test func anApprovalNamesTheHumanAndTheirComment() async throws {
        let response = try await answered(Fixtures.request()) {
            DecisionForm(
                approvalID: $0.id, binding: $0.binding, approve: true, approver: "alice", comment: "ticket HR-7")
        }
        #expect(response.outcome == .approved)
        #expect(response.approver == Approver(kind: .human, channel: "web", identity: "alice", comment: "ticket HR-7"))
        #expect(response.detail == "approved on the web page by alice")
        #expect(!response.remember)
    }

    @Test func aDenialWithoutANameIsTheTokenHolders() async throws {
        let response = try await answered(Fixtures.request()) {
            DecisionForm(approvalID: $0.id, binding: $0.binding, approve: false)
        }
        #expect(response.outcome == .declined)
        #expect(
            response.approver
                == Approver(kind: .human, channel: "web", identity: "web page (token holder)", comment: nil))
        #expect(response.detail == "declined on the web page by web page (token holder)")
    }

    @Test(arguments: [
        (ApprovalSettings.Remember.never, true, true, false),
        (.session, true, true, true),
        (.duration(.seconds(600)), true, true, true),
        (.session, false, true, false),
        (.session, true, false, false),
    ])
    func remembersOnlyAnApprovalTheRequestAllowsToRemember(
        allowed: ApprovalSettings.Remember, asked: Bool, approve: Bool, remembered: Bool
    ) async throws {
        let response = try await answered(Fixtures.request(remember: allowed)) {
            DecisionForm(approvalID: $0.id, binding: $0.binding, approve: approve, remember: asked)
        }
        #expect(response.remember == remembered)
    }

    @Test func cancellationTakesTheCallOffThePageAndReturnsPromptly() async throws {
        let board = ApprovalBoard()
        let channel = WebApprovalChannel(board: board)
        let (id, events) = try #require(board.subscribe())
        defer { board.unsubscribe(id) }
        let request = Fixtures.request(id: "a9")
        let task = Task { await channel.requestApproval(request) }
        var iterator = events.makeAsyncIterator()
        _ = await iterator.next()  // the snapshot
        #expect(await iterator.next() == .added(ApprovalEvent.card(request)))
        task.cancel()
        let response = await task.value
        #expect(response.outcome == .cancelled)
        #expect(response.approver.kind == .policy)
        #expect(await iterator.next() == .removed(approvalID: "a9", reason: "withdrawn"))
        #expect(board.pendingCalls.isEmpty)
        guard
            case .noLongerWaiting = board.answer(
                DecisionForm(approvalID: "a9", binding: request.binding, approve: true))
        else {
            Issue.record("a withdrawn call could still be answered")
            return
        }
    }

    @Test func aFullPageIsReportedAsNobodyReachable() async {
        let board = ApprovalBoard(limits: .init(maxPending: 0))
        let response = await WebApprovalChannel(board: board).requestApproval(Fixtures.request())
        #expect(response.outcome == .unattended)
        #expect(response.approver.kind == .policy)
    }

    @Test func isTheWebChannel() {
        let channel = WebApprovalChannel(board: ApprovalBoard())
        #expect(channel.name == "web")
        #expect(channel.isAvailable)
    }
}
