import FirewallCore
import FirewallRelay
import Foundation

/// What `confirm` will do in this run, said once at start: which of the policy's approval channels can
/// reach a person, why the others cannot, and, when none can, that confirmations will be denied and
/// how to change that.
struct ApprovalChannelReport: Equatable {
    /// How one channel stands in this run.
    struct Line: Equatable {
        var channel: ApprovalSettings.Channel
        /// Reaches a person now (the client's elicitation is not known until `initialize`).
        var reachable: Bool
        var detail: String
    }

    var lines: [Line]
    /// Said at warning level when no channel of this run reaches a person and the policy can confirm.
    var warning: String?

    /// The run's facts: whether `/dev/tty` opened, whether prompting there is turned off, whether the
    /// web page is served.
    init(policy: Policy, terminalOpens: Bool, terminalDisabled: Bool, webAddress: String?) {
        lines = policy.approvalChannelsInUse.map { channel in
            switch channel {
            case .terminal:
                if terminalDisabled {
                    return Line(
                        channel: channel, reachable: false, detail: "turned off (--no-terminal or MCP_FIREWALL_NO_TTY)")
                }
                return terminalOpens
                    ? Line(channel: channel, reachable: true, detail: "prompts on /dev/tty")
                    : Line(
                        channel: channel, reachable: false,
                        detail:
                            "/dev/tty cannot be opened (no controlling terminal: desktop apps and the MCP Python SDK start servers without one)"
                    )
            case .web:
                return webAddress.map {
                    Line(channel: channel, reachable: true, detail: "the approval page on \($0) (its URL follows)")
                } ?? Line(channel: channel, reachable: false, detail: "--approve-web not given")
            case .command:
                return policy.approval.command.map {
                    Line(channel: channel, reachable: true, detail: "runs `\($0.argv.first ?? "")`")
                } ?? Line(channel: channel, reachable: false, detail: "no approval.command configured")
            case .webhook:
                return policy.approval.webhook.map {
                    Line(
                        channel: channel, reachable: true,
                        detail: "posts to \(URLComponents(string: $0.url)?.host ?? $0.url)")
                } ?? Line(channel: channel, reachable: false, detail: "no approval.webhook configured")
            case .approver:
                // `noteApprover` says more: whether the socket answered, and where it is.
                return Line(channel: channel, reachable: false, detail: "mcp-firewall approver is not running")
            case .elicitation:
                return Line(
                    channel: channel, reachable: false,
                    detail: "known once the client says whether it answers elicitation")
            }
        }
        let reachable = lines.contains { $0.reachable }
        // When the client may be asked, only `initialize` tells whether anyone can answer: the session
        // warns then (RelayStateMachine), instead of a false alarm here for a client that does answer.
        guard policy.mayConfirm, !reachable, !policy.approvalChannelsInUse.contains(.elicitation) else {
            warning = nil
            return
        }
        warning = Self.noneReachable
    }

    private static let noneReachable =
        "no approval channel of this run reaches a person: every `confirm` will be denied. \(RelayStateMachine.howToAnswerConfirmations)"

    /// Records how the approver channel stands: reachable when its socket answered at start.
    mutating func noteApprover(_ channel: ApproverApprovalChannel?) {
        guard let index = lines.firstIndex(where: { $0.channel == .approver }) else { return }
        guard let channel else { return }
        lines[index] =
            channel.isAvailable
            ? Line(channel: .approver, reachable: true, detail: "mcp-firewall approver answers on \(channel.path)")
            : Line(
                channel: .approver, reachable: false,
                detail: "mcp-firewall approver is not running (\(channel.unavailableReason ?? channel.path))")
        if channel.isAvailable { warning = nil }
    }

    /// The report as one line: `confirm` goes to … ; the others and why.
    var summary: String {
        let parts = lines.map { "\($0.channel.rawValue): \($0.reachable ? "yes" : "no"), \($0.detail)" }
        return "approval channels: " + parts.joined(separator: "; ")
    }
}
