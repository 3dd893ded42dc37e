/// How `confirm` decisions reach a human: which channels, how long to wait, what a silence means and
/// whether an approval may be remembered. Stated at the policy's top level (`approval:`), in an
/// environment overlay, and per rule; the strictest layer wins for every setting that can loosen.
package struct ApprovalSettings: Sendable, Equatable {
    /// A way to reach an approver. The proxy owns every channel but `elicitation`, which goes through
    /// the MCP client (and may be auto-accepted there).
    package enum Channel: String, Sendable, CaseIterable {
        case elicitation
        case web
        case terminal
        case command
        case webhook
        /// The machine's `mcp-firewall approver`, reached through its socket in the user's runtime folder.
        case approver
    }

    /// What an unanswered request becomes. Either way the call is denied.
    package enum OnTimeout: String, Sendable, CaseIterable, Comparable {
        /// Deny the call (the default).
        case deny
        /// Deny the call and fail the session: the proxy exits 75.
        case fail

        package static func < (lhs: OnTimeout, rhs: OnTimeout) -> Bool { lhs == .deny && rhs == .fail }
    }

    /// Whether an approver may answer "yes, and remember": later calls then cite the grant.
    package enum Remember: Sendable, Equatable, Comparable {
        /// Every call is asked about.
        case never
        /// A grant lasts this long.
        case duration(Duration)
        /// A grant lasts until the proxy exits.
        case session

        var rank: Duration {
            switch self {
            case .never: .zero
            case .duration(let duration): duration
            case .session: .seconds(Int64.max / 4)
            }
        }

        package static func < (lhs: Remember, rhs: Remember) -> Bool { lhs.rank < rhs.rank }

        /// How long a grant lasts, as approvers read it: "this session", "the next 10m".
        package var span: String {
            self == .session ? "this session" : "the next \(description)"
        }

        /// `never`, `session` or a duration such as `10m`.
        package var description: String {
            switch self {
            case .never: "never"
            case .session: "session"
            case .duration(let duration): DurationText.describe(duration)
            }
        }
    }

    /// `approval.command`: a program given the request as JSON on stdin, answering with a JSON decision.
    package struct CommandHook: Sendable, Equatable {
        /// The program and its arguments (no shell).
        package var argv: [String]

        package init(argv: [String]) {
            self.argv = argv
        }
    }

    /// `approval.webhook`: the request is POSTed, signed with HMAC-SHA256; the decision comes back as
    /// the response body or, when the response is `202 Accepted`, on the callback URL.
    package struct Webhook: Sendable, Equatable {
        package var url: String
        /// The environment variable holding the shared secret (never the secret itself in the policy).
        package var secretEnvironmentVariable: String

        package init(url: String, secretEnvironmentVariable: String) {
            self.url = url
            self.secretEnvironmentVariable = secretEnvironmentVariable
        }
    }

    /// Channels in the order they are tried; the first available one is asked (all available ones
    /// when `race` is set). Nil means the default order: `command`, `webhook`, `approver`, `web`,
    /// `elicitation`, `terminal` (configured proxy-owned channels first, then the user's approver when it
    /// runs, the client's elicitation late).
    package var channels: [Channel]?
    /// Ask every available channel at once; the first answer wins and the others are withdrawn.
    package var race: Bool
    /// How long a call may wait for an answer before it is denied.
    package var timeout: Duration
    package var onTimeout: OnTimeout
    /// What a `confirm` becomes when nobody can be asked (CI, no terminal).
    package var unattended: Policy.Unattended
    package var remember: Remember
    /// Argument names a remembered grant is bound to: later calls must repeat these values exactly.
    /// Empty: the grant covers the tool with any arguments.
    package var rememberArguments: [String]
    package var command: CommandHook?
    package var webhook: Webhook?

    package static let defaultChannelOrder: [Channel] = [
        .command, .webhook, .approver, .web, .elicitation, .terminal,
    ]

    package init(
        channels: [Channel]? = nil, race: Bool = false, timeout: Duration = .seconds(120), onTimeout: OnTimeout = .deny,
        unattended: Policy.Unattended = .deny, remember: Remember = .session, rememberArguments: [String] = [],
        command: CommandHook? = nil, webhook: Webhook? = nil
    ) {
        self.channels = channels
        self.race = race
        self.timeout = timeout
        self.onTimeout = onTimeout
        self.unattended = unattended
        self.remember = remember
        self.rememberArguments = rememberArguments
        self.command = command
        self.webhook = webhook
    }

    /// The channels to try, in order.
    package var channelOrder: [Channel] { channels ?? Self.defaultChannelOrder }

    /// The channels to try, leaving out hooks the policy does not configure (the web page, the
    /// client's elicitation and the terminal depend on the run, not on the policy).
    package var configuredChannels: [Channel] {
        channelOrder.filter { ($0 != .command || command != nil) && ($0 != .webhook || webhook != nil) }
    }
}

/// Formats durations as policies write them (`120s`, `10m`, `500ms`).
package enum DurationText {
    package static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    package static func describe(_ duration: Duration) -> String {
        let millis = milliseconds(duration)
        if millis % 3_600_000 == 0 { return "\(millis / 3_600_000)h" }
        if millis % 60000 == 0 { return "\(millis / 60000)m" }
        if millis % 1000 == 0 { return "\(millis / 1000)s" }
        return "\(millis)ms"
    }
}
