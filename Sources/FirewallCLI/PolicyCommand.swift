import ArgumentParser

/// `mcp-firewall policy …`: tools for policy files.
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Check policy files.",
        subcommands: [PolicyCheckCommand.self, PolicyExplainCommand.self, PolicyDiffCommand.self]
    )
}
