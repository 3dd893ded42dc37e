import ArgumentParser

/// `mcp-firewall audit …`: tools for audit logs.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read audit logs.",
        subcommands: [AuditTailCommand.self]
    )
}
