import FirewallCore
import Foundation

/// Asks the machine's `mcp-firewall approver`: each call connects afresh to its socket (so an approver
/// restarted between calls is used again), is listed on the approver's page under this server's label, and
/// waits there for an answer. Withdrawal or timeout (cancellation) takes it off the page.
///
/// Available when the approver answered on its socket as the proxy started; asked in its turn even when
/// it did not (it may have been started since). An approver that is not running when a call waits, or
/// goes away while it waits, gives a fail-closed `unattended` response naming the cause: the call then
/// goes to the next channel in the policy's order, or is denied when there is none.
package final class ApproverApprovalChannel: ApprovalChannel {
    package let name = ApprovalSettings.Channel.approver.rawValue
    package let isAvailable: Bool
    /// Why the approver was not reachable at start, when it was not.
    package let unavailableReason: String?
    /// The socket's path.
    package let path: String
    private let label: String
    private let pid: Int

    package var whereToAnswer: String { "the approver page (mcp-firewall approver, socket \(path))" }

    /// An approver started after the proxy is used: each call connects afresh.
    package var mayBecomeAvailable: Bool { true }

    /// A channel to the approver on `path`, probed once now; calls are labelled `label` and `pid`.
    package init(path: String, label: String, pid: Int = Int(ProcessInfo.processInfo.processIdentifier)) {
        self.path = path
        self.label = label
        self.pid = pid
        unavailableReason = ApproverSocket.probe(path)
        isAvailable = unavailableReason == nil
    }

    package func requestApproval(_ request: ApprovalRequest) async -> ApprovalResponse {
        let source = ApprovalAnswer.Source.approver
        let line = ApproverSubmission(request: request, label: label, pid: pid).line()
        guard line.count <= ApproverSubmission.maxLineBytes else {
            return source.failure("the call is too large to send to the approver")
        }
        let exchange: ApproverExchange
        do {
            exchange = try ApproverExchange(path: path, line: line)
        } catch {
            return source.failure("the approver could not be asked: \(error)")
        }
        switch await exchange.run() {
        case .reply(let bytes):
            return ApproverReply.response(parsing: bytes, to: request)
        case .notRunning(let reason):
            return source.failure("the approver is not running (\(path): \(reason))")
        case .wentAway(let reason):
            return source.failure("the approver went away while the call waited (\(reason))")
        case .withdrawn:
            return ApprovalResponse(
                outcome: .cancelled, approver: Approver(kind: .policy, channel: name),
                detail: "withdrawn from the approver")
        }
    }
}
