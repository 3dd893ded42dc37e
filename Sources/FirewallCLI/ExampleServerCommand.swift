import ArgumentParser
import ExampleServer

/// `mcp-firewall example-server`: the example HR server, built in so the demo runs from one binary.
struct ExampleServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "example-server",
        abstract: "Run the example HR MCP server on stdio (used by the demo and tests).",
        shouldDisplay: false
    )

    @Argument(parsing: .allUnrecognized, help: "Arguments for the server (--crash-after N, --stderr-banner).")
    var arguments: [String] = []

    func run() throws {
        let status = ExampleHRServer.runStdio(arguments: arguments)
        if status != 0 { throw ExitCode(status) }
    }
}
