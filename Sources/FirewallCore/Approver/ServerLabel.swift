/// The short name the approver page shows for a proxied server: the program's file name, or for a
/// launcher (`npx -y @scope/server-git`, `uvx mcp-server-time`, `python3 server.py`) the first
/// argument that is not an option.
package enum ServerLabel {
    /// Programs that run another program named by a later argument.
    static let launchers: Set<String> = [
        "npx", "uvx", "pipx", "node", "deno", "bun", "bunx", "python", "python3", "uv", "sh", "bash", "env", "run",
    ]

    /// The label for the server command `argv`.
    package static func make(argv: [String]) -> String {
        guard let program = argv.first else { return "server" }
        var label = baseName(program)
        if launchers.contains(label),
            let target = argv.dropFirst().first(where: { !$0.hasPrefix("-") && !$0.contains("=") && $0 != "run" })
        {
            label = baseName(target)
        }
        return ApprovalSummary.middleCut(ApprovalSummary.sanitize(label), limit: 80)
    }

    private static func baseName(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return name.isEmpty ? path : name
    }
}
