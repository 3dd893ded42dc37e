/// A `confirm` decision waiting for someone to answer it: exactly one call, fully described.
package struct ApprovalRequest: Sendable {
    /// Unique within the proxy run; audit records of the request and its outcome cite it.
    package var id: String
    package var tool: String
    package var arguments: JSONValue
    package var decision: PolicyDecision
    /// The server command, so the human knows which server would run the call.
    package var server: String
    package var policySHA256: String
    /// Seconds since the Unix epoch when the request was raised.
    package var requestedAt: Double
    /// Seconds since the Unix epoch after which the request is denied as timed out.
    package var deadline: Double
    /// Whether the approver may answer "yes, and remember" (and for how long a grant would last).
    package var remember: ApprovalSettings.Remember
    /// The proxy run's random id, part of the binding.
    package var run: String

    package init(
        id: String, tool: String, arguments: JSONValue, decision: PolicyDecision, server: String, policySHA256: String,
        requestedAt: Double, deadline: Double, remember: ApprovalSettings.Remember = .never, run: String = ""
    ) {
        self.id = id
        self.tool = tool
        self.arguments = arguments
        self.decision = decision
        self.server = server
        self.policySHA256 = policySHA256
        self.requestedAt = requestedAt
        self.deadline = deadline
        self.remember = remember
        self.run = run
    }

    /// The digest binding an answer to exactly this call in this proxy run: tool, canonical arguments,
    /// server, policy, run.
    package var binding: String {
        ApprovalBinding.digest(
            tool: tool, arguments: arguments, server: server, policySHA256: policySHA256, run: run)
    }
}

/// Who answered an approval request.
package struct Approver: Sendable, Equatable {
    /// `human` only for channels the proxy owns and can attribute; `client` for answers relayed by the
    /// MCP client (which may auto-accept); `policy` when no one was asked.
    package enum Kind: String, Sendable {
        case human
        case client
        case policy
    }

    package var kind: Kind
    /// The channel the answer came through: `terminal`, `elicitation`, `web`, `command`, `webhook`, `none`.
    package var channel: String
    package var identity: String?
    package var comment: String?

    package init(kind: Kind, channel: String, identity: String? = nil, comment: String? = nil) {
        self.kind = kind
        self.channel = channel
        self.identity = identity
        self.comment = comment
    }
}

/// How an approval request ended.
package enum ApprovalOutcome: String, Sendable {
    case approved
    case declined
    case cancelled
    case timeout
    /// No approver could be reached; the unattended decision applied.
    case unattended
    /// An answer arrived that could not be trusted (a forged, expired, replayed or mismatched
    /// `requestState`): refused.
    case invalid

    package var allowsCall: Bool { self == .approved }
}

/// The answer to an approval request.
package struct ApprovalResponse: Sendable {
    package var outcome: ApprovalOutcome
    package var approver: Approver
    /// A human-readable explanation, used in denial messages ("declined at the terminal").
    package var detail: String
    /// The approver asked to remember the approval (only honoured when the request allowed it).
    package var remember: Bool

    package init(outcome: ApprovalOutcome, approver: Approver, detail: String, remember: Bool = false) {
        self.outcome = outcome
        self.approver = approver
        self.detail = detail
        self.remember = remember
    }
}

/// A way to ask a human (or the client on a human's behalf) to approve one call.
///
/// Implementations must return promptly when the calling task is cancelled (the call was withdrawn
/// or timed out); the caller then records `cancelled` or `timeout` itself.
package protocol ApprovalChannel: Sendable {
    /// Stable channel name used in audit records.
    var name: String { get }
    /// Whether the channel can reach anyone right now (a terminal exists, the client supports elicitation…).
    var isAvailable: Bool { get }
    /// Where a person answers, for the log line that says a call is waiting ("the terminal (/dev/tty)").
    var whereToAnswer: String { get }
    /// Whether a channel unavailable now may reach someone later (it is then asked in its turn).
    var mayBecomeAvailable: Bool { get }
    func requestApproval(_ request: ApprovalRequest) async -> ApprovalResponse
}

extension ApprovalChannel {
    package var whereToAnswer: String { name }
    package var mayBecomeAvailable: Bool { false }
}
