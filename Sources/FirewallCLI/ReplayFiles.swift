import ArgumentParser
import FirewallCore
import Foundation

/// Disk and policy plumbing shared by `mcp-firewall test` and `policy diff`.
enum ReplayFiles {
    /// Output formats of the replay commands.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    /// Reads and parses every input; an unreadable file becomes an input with one error.
    static func read(_ paths: [String]) -> [ReplayInput] {
        paths.map { path in
            guard let data = FileManager.default.contents(atPath: path) else {
                return ReplayInput(
                    path: path, kind: ReplayInput.detect([], path: path),
                    diagnostics: [
                        PolicyDiagnostic(
                            .error, "cannot read the file", at: SourceLocation(file: path, line: 1, column: 1),
                            hint: "check the path and permissions")
                    ])
            }
            return ReplayInput.read(Array(data), path: path)
        }
    }

    /// Loads layered policy files, printing their warnings, or every error and the files' names.
    static func loadPolicy(_ paths: [String]) -> Result<Policy, PolicyError> {
        do {
            let (policy, warnings) = try PolicyFiles.load(paths: paths)
            PolicyFiles.report(warnings)
            return .success(policy)
        } catch {
            PolicyFiles.report(error.diagnostics)
            StandardError.write("mcp-firewall: \(paths.joined(separator: " + ")): the policy has errors")
            return .failure(error)
        }
    }

    /// The effective policy of `policy` for each environment name, as the proxy would build it.
    ///
    /// Only the name given is used: unlike the proxy, a replay never reads `$MCP_FIREWALL_ENV` or `$CI`,
    /// so that it decides the same on a laptop and in CI.
    static func resolver(_ policy: Policy) -> ReplayRunner.PolicyResolver {
        { name in
            guard let name else { return policy }
            do throws(PolicyError) {
                return try policy.resolvingEnvironment(explicit: name, inCI: false)
            } catch {
                throw ResolveFailure(diagnostics: error.diagnostics)
            }
        }
    }

    /// An environment that cannot be applied, told in one line.
    struct ResolveFailure: Error, CustomStringConvertible {
        var diagnostics: [PolicyDiagnostic]

        var description: String {
            diagnostics.filter { $0.severity == .error }
                .map { $0.message + ($0.hint.map { " (\($0))" } ?? "") }
                .joined(separator: "; ")
        }
    }

    /// Writes `text` to `path` (`-` is stdout), creating its folder; prints why and returns false on failure.
    static func write(_ text: String, to path: String, what: String) -> Bool {
        if path == "-" {
            FileHandle.standardOutput.write(Data(text.utf8))
            return true
        }
        let folder = (path as NSString).deletingLastPathComponent
        do {
            if !folder.isEmpty {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return true
        } catch {
            StandardError.write("mcp-firewall: cannot write the \(what) to \(path): \(error.localizedDescription)")
            return false
        }
    }
}
