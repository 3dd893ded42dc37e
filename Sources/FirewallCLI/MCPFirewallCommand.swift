import ArgumentParser

/// The root `mcp-firewall` command.
package struct MCPFirewallCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "mcp-firewall",
        abstract: "A policy-enforcing firewall proxy for the Model Context Protocol.",
        discussion: """
            Put `mcp-firewall proxy --policy P.yaml -- <server command>` where your MCP client used to \
            launch the server. Every tools/call is classified, decided (allow, deny or confirm) and \
            recorded in an append-only audit log before anything reaches the server.

            Exit codes: 0 success, 1 policy or audit problem, 64 usage error, 69 server unavailable \
            or exited, 74 audit log failed during the session, 75 a call needed confirmation and nobody answered \
            (`unattended: fail` or `on_timeout: fail`).
            """,
        version: BuildInfo.versionText,
        subcommands: [
            ProxyCommand.self, ApproverCommand.self, PolicyCommand.self, TestCommand.self, ReportCommand.self,
            AuditCommand.self,
            DemoCommand.self,
            ExampleServerCommand.self,
        ]
    )

    package init() {}
}
