import ArgumentParser
import FirewallCore
import FirewallReport
import Foundation

/// `mcp-firewall policy check FILE…`: validates policies and prints every problem at once.
struct PolicyCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate policy files, printing every problem with file:line:col.",
        discussion: """
            Lint warnings are printed too: rules shadowed by stricter ones, rules that can never apply, write \
            or sensitive tools allowed without confirmation in production, and `confirm` in CI, where nobody \
            can answer. Warnings never change the exit code.

            With --tools-from, the tool lists servers gave in recorded sessions (the `tools_listed` records \
            of audit logs, or folders of them) are checked too: every rule whose literal tool name no server \
            listed is a warning, with the listed name it most likely means.

            Exit codes: 0 all files valid (warnings allowed), 1 at least one error, 64 usage error.
            """
    )

    @Argument(help: "Policy files to check.")
    var files: [String]

    @Option(
        name: .customLong("tools-from"),
        help: ArgumentHelp(
            "An audit log (or a folder of them) whose recorded tool lists the policy's tool names are checked against; repeatable.",
            valueName: "LOG"))
    var toolsFrom: [String] = []

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one policy file") }
    }

    func run() async throws {
        var failed = false
        let listed = try recordedTools()
        for file in files {
            do {
                let (policy, warnings) = try PolicyFiles.load(file)
                // Lint warnings (shadowed, unreachable, production, CI) print with the loader's; never an error.
                PolicyFiles.report(warnings + PolicyLinter.lintAll(policy))
                if let listed {
                    let findings = UnmatchedToolNames.check(policy, listed: listed).map { finding in
                        PolicyDiagnostic(
                            .warning, "rule names `\(finding.name)`, which no recorded server lists", at: finding.rule,
                            hint: finding.suggestion.map { "did you mean `\($0)`?" })
                    }
                    PolicyFiles.report(findings)
                }
                print("ok: \(file) (\(policy.rules.count) rule(s), sha256 \(policy.source.sha256.prefix(12)))")
            } catch {
                PolicyFiles.report(error.diagnostics)
                let count = error.diagnostics.filter { $0.severity == .error }.count
                StandardError.write("error: \(file): \(count) error(s)")
                failed = true
            }
        }
        if failed { throw ExitCode(ExitCodes.policyOrAudit) }
    }

    /// The tool names of every `--tools-from` log, or nil when none was given. An unreadable input is
    /// an error; a log that records no tool list is a warning.
    private func recordedTools() throws -> [String]? {
        guard !toolsFrom.isEmpty else { return nil }
        let (files, problems) = InputFolders.expand(toolsFrom, extensions: [".jsonl"])
        for problem in problems { StandardError.write("error: --tools-from \(problem.path): \(problem.message)") }
        var tools: [String] = []
        var seen: Set<String> = []
        var unreadable = !problems.isEmpty
        for file in files {
            guard let data = FileManager.default.contents(atPath: file.path) else {
                StandardError.write("error: --tools-from \(file.path): cannot read the file")
                unreadable = true
                continue
            }
            let (names, diagnostics) = RecordedToolLists.read(Array(data), path: file.path)
            PolicyFiles.report(diagnostics)
            tools += names.filter { seen.insert($0).inserted }
        }
        if unreadable { throw ExitCode(ExitCodes.policyOrAudit) }
        return tools
    }
}
