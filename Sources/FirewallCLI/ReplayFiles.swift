import ArgumentParser
import FirewallCore
import FirewallReport
import Foundation

/// Disk and policy plumbing shared by `mcp-firewall test` and `policy diff`.
enum ReplayFiles {
    /// Output formats of the replay commands.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    /// The kinds of file a folder given as an input is searched for.
    static let inputExtensions = [".yaml", ".yml", ".jsonl", ".json"]

    /// Reads and parses every input, folders expanded as `report` expands them. A missing path, an
    /// unreadable file, or a folder with no scenario file or log becomes an input with one error; a file
    /// in a folder that is neither (a policy, a workflow) is skipped with a note.
    static func read(_ paths: [String]) -> [ReplayInput] {
        let (files, problems) = InputFolders.expand(paths, extensions: inputExtensions)
        var inputs = problems.map { failed($0.path, $0.message, hint: "check the path") }
        var foldersRead: Set<String> = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file.path) else {
                foldersRead.insert(file.named)
                inputs.append(failed(file.path, "cannot read the file", hint: "check the path and permissions"))
                continue
            }
            if file.inFolder, !ReplayInput.isReplayInput(Array(data), path: file.path) {
                StandardError.write("mcp-firewall: skipped \(file.path): not a scenario file or log")
                continue
            }
            foldersRead.insert(file.named)
            inputs.append(ReplayInput.read(Array(data), path: file.path))
        }
        for folder in Set(files.filter(\.inFolder).map(\.named)).subtracting(foldersRead).sorted() {
            inputs.append(failed(folder, "the folder holds no scenario file or log", hint: "check the path"))
        }
        return inputs
    }

    /// An input that could not be read, with the one error saying why.
    private static func failed(_ path: String, _ message: String, hint: String) -> ReplayInput {
        ReplayInput(
            path: path, kind: ReplayInput.detect([], path: path),
            diagnostics: [
                PolicyDiagnostic(.error, message, at: SourceLocation(file: path, line: 1, column: 1), hint: hint)
            ])
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
