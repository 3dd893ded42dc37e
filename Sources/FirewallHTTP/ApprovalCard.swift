import FirewallCore

/// One call as the approval page lists it: what the board needs to take an answer (id, binding,
/// deadline) and the card the page renders (see `ApprovalEvent.card`).
package struct ApprovalCard: Sendable {
    /// The approval id answers name.
    package var id: String
    /// The binding answers must repeat.
    package var binding: String
    /// Unix seconds after which answers are refused.
    package var deadline: Double
    /// The server's label when the page lists the calls of several proxies (the approver); nil on a proxy's
    /// own page.
    package var label: String?
    /// The card's JSON.
    package var bytes: [UInt8]

    /// The card for a request of this proxy.
    package init(_ request: ApprovalRequest) {
        id = request.id
        binding = request.binding
        deadline = request.deadline
        label = nil
        bytes = ApprovalEvent.card(request)
    }

    /// The card for a call another proxy sent the approver.
    package init(_ submission: ApproverSubmission) {
        // Every proxy numbers its approvals from 1: the board lists them under an id unique to the run.
        id = submission.listedID
        binding = submission.binding
        deadline = submission.deadline
        label = submission.label
        bytes = ApprovalEvent.card(submission)
    }
}
