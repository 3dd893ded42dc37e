import FirewallCore

/// Asks whoever has the approval page open: the call is listed there until someone answers, the call is
/// withdrawn or it times out (the coordinator cancels this channel's task, and the call leaves the page).
package final class WebApprovalChannel: ApprovalChannel {
    /// The channel name in audit records.
    package let name = "web"
    /// Identity recorded when the approver leaves the name empty: all we know is that they held the URL.
    package static let anonymousIdentity = "web page (token holder)"

    private let board: ApprovalBoard

    /// A channel publishing to `board`, which the `WebApprovalServer` serves.
    package init(board: ApprovalBoard) {
        self.board = board
    }

    /// Available once the server is configured: a page may connect at any moment, and a call waits for one.
    package var isAvailable: Bool { true }

    package var whereToAnswer: String { "the approval page (its URL is on the \"approve calls at\" line)" }

    /// Lists the call on the page and waits for an answer; on cancellation takes it off the page and returns
    /// `cancelled` at once.
    package func requestApproval(_ request: ApprovalRequest) async -> ApprovalResponse {
        let waiter: OneShot<DecisionForm>
        switch board.open(request) {
        case .wait(let answer): waiter = answer
        case .full: return unavailable("too many calls are waiting on the web page")
        case .duplicate: return unavailable("approval \(request.id) is already on the web page")
        }
        guard let form = await waiter.value() else {
            // Cancelled: withdrawn or timed out. Take it off the page; the coordinator records why.
            board.withdraw(request.id)
            return ApprovalResponse(
                outcome: .cancelled, approver: Approver(kind: .policy, channel: name),
                detail: "withdrawn from the web page")
        }
        let identity = form.approver ?? Self.anonymousIdentity
        let approver = Approver(kind: .human, channel: name, identity: identity, comment: form.comment)
        let verb = form.approve ? "approved" : "declined"
        return ApprovalResponse(
            outcome: form.approve ? .approved : .declined, approver: approver,
            detail: "\(verb) on the web page by \(identity)",
            remember: form.approve && form.remember && request.remember != .never)
    }

    private func unavailable(_ reason: String) -> ApprovalResponse {
        ApprovalResponse(
            outcome: .unattended, approver: Approver(kind: .policy, channel: name),
            detail: "web page unavailable: \(reason)")
    }
}
