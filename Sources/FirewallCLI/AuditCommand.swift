import ArgumentParser

/// `mcp-firewall audit …`: proving and handling audit logs.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify, follow and seal audit logs, and manage the keys that sign them.",
        subcommands: [
            AuditVerifyCommand.self, AuditTailCommand.self, AuditSealCommand.self, AuditKeygenCommand.self,
        ]
    )
}
