import FirewallCore
import Foundation
import Testing

/// The client configurations in `examples/`: each in the shape its client reads, each launching
/// `mcp-firewall proxy` with a shipped policy, `--env` where that policy has environments (a client passes
/// no `$CI`), and a server command after `--`.
@Suite(.timeLimit(.minutes(1)))
struct ClientConfigurationTests {
    static let examples = E2E.repositoryRoot + "/examples/"

    /// Each shipped JSON configuration, the key its client reads servers from, and whether it is VS Code's
    /// shape (entries with `type: stdio` and `env`).
    static let configurations: [(file: String, key: String, vscode: Bool)] = [
        ("claude-desktop.json", "mcpServers", false),  // claude_desktop_config.json
        ("claude-code-mcp.json", "mcpServers", false),  // a project's .mcp.json
        ("cursor-mcp.json", "mcpServers", false),  // .cursor/mcp.json
        ("vscode-mcp.json", "servers", true),  // .vscode/mcp.json
    ]

    @Test func everyJSONFileInExamplesIsTested() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.examples).filter { $0.hasSuffix(".json") }
        #expect(Set(names) == Set(Self.configurations.map(\.file)))
    }

    @Test(arguments: configurations.map(\.file))
    func configurationPutsTheProxyInFrontOfAServer(_ file: String) throws {
        let shape = try #require(Self.configurations.first { $0.file == file })
        let data = try #require(FileManager.default.contents(atPath: Self.examples + file))
        guard case .object(let top) = try JSONParser.parse(Array(data)), case .object(let servers)? = top.first?.value
        else {
            Issue.record("\(file) is not an object holding an object of servers")
            return
        }
        #expect(top.map(\.key) == [shape.key], "\(file): its client reads `\(shape.key)`")
        #expect(!servers.isEmpty)
        for server in servers {
            let name = "\(file): \(server.key)"
            let entry = server.value
            if shape.vscode {
                #expect(entry["type"]?.stringValue == "stdio", "\(name)")
                guard case .object? = entry["env"] else {
                    Issue.record("\(name): VS Code entries carry an `env` object")
                    continue
                }
            }
            if let type = entry["type"] { #expect(type.stringValue == "stdio", "\(name)") }
            let command = try #require(entry["command"]?.stringValue, "\(name)")
            #expect(command.split(separator: "/").last == "mcp-firewall", "\(name) runs \(command)")
            guard case .array(let values)? = entry["args"] else {
                Issue.record("\(name) has no `args` list")
                continue
            }
            let args = values.compactMap(\.stringValue)
            #expect(args.count == values.count, "\(name): every argument is a string")
            try Self.checkProxyArguments(args, name: name)
        }
    }

    /// `claude mcp add NAME [options] -- mcp-firewall proxy …` in examples/README.md, checked like the files.
    @Test func claudeCodeCommandPutsTheProxyInFrontOfAServer() throws {
        let text = try String(contentsOfFile: Self.examples + "README.md", encoding: .utf8)
        let commands = text.replacingOccurrences(of: "\\\n", with: " ").split(separator: "\n")
            .filter { $0.hasPrefix("claude mcp add ") }
        #expect(!commands.isEmpty, "examples/README.md shows `claude mcp add`")
        for command in commands {
            let words = command.split(separator: " ").map(String.init)
            let separator = try #require(words.firstIndex(of: "--"), "\(command)")
            #expect(words[separator + 1] == "mcp-firewall", "\(command)")
            try Self.checkProxyArguments(Array(words[(separator + 2)...]), name: String(command))
        }
    }

    /// `proxy`, `--policy` naming a shipped policy, `--env` exactly when it defines environments (and then
    /// one it defines), and a server command after `--`.
    static func checkProxyArguments(_ args: [String], name: String) throws {
        #expect(args.first == "proxy", "\(name)")
        let separator = try #require(args.firstIndex(of: "--"), "\(name) separates the server command with --")
        #expect(separator + 1 < args.count, "\(name) names a server command after --")
        let options = Array(args[..<separator])
        func value(_ flag: String) -> String? {
            options.firstIndex(of: flag).flatMap { $0 + 1 < options.count ? options[$0 + 1] : nil }
        }
        let policyPath = try #require(value("--policy"), "\(name) gives --policy")
        let environments = try environmentsOfShippedPolicy(policyPath, name: name)
        let env = value("--env")
        if environments.isEmpty {
            #expect(env == nil, "\(name): \(policyPath) defines no environment, so `--env \(env ?? "")` is refused")
        } else {
            let env = try #require(
                env, "\(name): \(policyPath) has environments and a client passes no $CI: give --env")
            #expect(environments.contains(env), "\(name): \(policyPath) defines no environment `\(env)`")
        }
    }

    /// The environments of the shipped policy a configuration's path stands for (its `policies/…` or
    /// `examples/…` tail in this checkout), which must load.
    static func environmentsOfShippedPolicy(_ path: String, name: String) throws -> Set<String> {
        let tail = ["policies/", "examples/"].lazy.compactMap { path.range(of: $0, options: .backwards) }.first
        let range = try #require(tail, "\(name): \(path) is not a shipped policy")
        let file = E2E.repositoryRoot + "/" + path[range.lowerBound...]
        let (policy, _) = try PolicyLoader.load(paths: [file]) { path in
            FileManager.default.contents(atPath: path).flatMap { String(data: $0, encoding: .utf8) }
        }
        return Set(policy.environments.keys)
    }
}
