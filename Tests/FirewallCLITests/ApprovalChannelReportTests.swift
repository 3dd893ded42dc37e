import FirewallCore
import Testing

@testable import FirewallCLI

/// What the proxy says at start about who can answer a `confirm`.
struct ApprovalChannelReportTests {
    static func policy(_ text: String) throws -> Policy {
        try PolicyLoader.load(text: text, path: "p.yaml").policy
    }

    @Test func withNoChannelReachableItWarnsOnlyWhenTheClientCannotBeAsked() throws {
        let report = ApprovalChannelReport(
            policy: try Self.policy("version: 1\n"), terminalOpens: false, terminalDisabled: false, webAddress: nil)
        #expect(
            report.summary
                == "approval channels: command: no, no approval.command configured; webhook: no, no approval.webhook configured; approver: no, mcp-firewall approver is not running; web: no, --approve-web not given; elicitation: no, known once the client says whether it answers elicitation; terminal: no, /dev/tty cannot be opened (no controlling terminal: desktop apps and the MCP Python SDK start servers without one)"
        )
        // The client may answer: only `initialize` tells, and the session warns then if it does not.
        #expect(report.warning == nil)
        let withoutClient = ApprovalChannelReport(
            policy: try Self.policy("version: 1\napproval: {channels: [web, terminal]}\n"), terminalOpens: false,
            terminalDisabled: false, webAddress: nil)
        let warning = try #require(withoutClient.warning)
        #expect(warning.hasPrefix("no approval channel of this run reaches a person: every `confirm` will be denied"))
        #expect(warning.contains("--approve-web 127.0.0.1:0"))
    }

    @Test func aReachableChannelMeansNoWarning() throws {
        let report = ApprovalChannelReport(
            policy: try Self.policy("version: 1\napproval: {channels: [web, terminal]}\n"), terminalOpens: false,
            terminalDisabled: true, webAddress: "127.0.0.1:0")
        #expect(report.lines.map(\.channel) == [.web, .terminal])
        #expect(report.lines.map(\.reachable) == [true, false])
        #expect(report.lines.last?.detail == "turned off (--no-terminal or MCP_FIREWALL_NO_TTY)")
        #expect(report.warning == nil)
    }

    @Test func aPolicyThatNeverConfirmsIsNotWarnedAbout() throws {
        let report = ApprovalChannelReport(
            policy: try Self.policy("version: 1\ndefaults: {read: allow, write: deny, sensitive: deny}\n"),
            terminalOpens: false, terminalDisabled: false, webAddress: nil)
        #expect(report.warning == nil)
    }

    @Test func aRuleThatConfirmsCountsAndItsOwnChannelsAreListed() throws {
        let text = """
            version: 1
            defaults: {read: allow, write: deny, sensitive: deny}
            approval: {channels: [terminal]}
            tools:
              - name: deploy
                decision: confirm
                approval: {channels: [web]}
            """
        let report = ApprovalChannelReport(
            policy: try Self.policy(text), terminalOpens: false, terminalDisabled: false, webAddress: nil)
        #expect(report.lines.map(\.channel) == [.terminal, .web])
        let warning = try #require(report.warning)
        #expect(!warning.contains("elicitation"), "the policy never asks the client")
    }
}
