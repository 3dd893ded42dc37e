import FirewallCore
import FirewallRelay
import FirewallWebhook

/// The approval channels the policy configures (hooks), checked before the proxy starts.
enum ApprovalChannelSetup {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The command and webhook channels of `policy`'s `approval:` block. Throws when a webhook cannot
    /// be used (its secret is not set): the proxy then refuses to start rather than send unsigned requests.
    static func hookChannels(
        _ approval: ApprovalSettings, environment: [String: String], webhookCallbackURL: String?
    ) throws -> [any ApprovalChannel] {
        var channels: [any ApprovalChannel] = []
        if let command = approval.command {
            channels.append(CommandApprovalChannel(hook: command, withheldEnvironment: withheldEnvironment(approval)))
        }
        if let webhook = approval.webhook {
            do {
                channels.append(
                    try WebhookApprovalChannel(
                        webhook: webhook, callbackURL: webhookCallbackURL, environment: environment))
            } catch {
                throw Failure(description: "approval.webhook: \(error)")
            }
        }
        return channels
    }

    /// The channel to the machine's approver, when a confirmation could go there; it probes the socket
    /// once, now. Calls are labelled with the server's short name.
    static func approverChannel(
        _ policy: Policy, environment: [String: String], label: String
    ) -> ApproverApprovalChannel? {
        guard policy.approvalChannelsInUse.contains(.approver) else { return nil }
        return ApproverApprovalChannel(path: ApproverSocket.path(environment: environment), label: label)
    }

    /// Variables no child process may inherit: the webhook's shared secret (whoever holds it can forge
    /// a human's approval).
    static func withheldEnvironment(_ approval: ApprovalSettings) -> Set<String> {
        Set([approval.webhook?.secretEnvironmentVariable].compactMap { $0 })
    }

    /// Notes for channels the policy lists that cannot be used in this run, so nobody waits for a
    /// prompt that will never appear.
    static func unusable(
        _ approval: ApprovalSettings, webEnabled: Bool, terminalEnabled: Bool, approverRunning: Bool = false
    ) -> [String] {
        guard let listed = approval.channels else { return [] }
        var notes: [String] = []
        for channel in listed {
            switch channel {
            case .web where !webEnabled:
                notes.append("approval.channels lists `web`, but --approve-web was not given: it will not be asked")
            case .terminal where !terminalEnabled:
                notes.append("approval.channels lists `terminal`, but prompting on the terminal is turned off")
            case .command where approval.command == nil:
                notes.append("approval.channels lists `command`, but no approval.command is configured")
            case .approver where !approverRunning:
                notes.append(
                    "approval.channels lists `approver`, but no `mcp-firewall approver` answered at start: it will not be asked"
                )
            case .webhook where approval.webhook == nil:
                notes.append("approval.channels lists `webhook`, but no approval.webhook is configured")
            default:
                break
            }
        }
        return notes
    }
}
