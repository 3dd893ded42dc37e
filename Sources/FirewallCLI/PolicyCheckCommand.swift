import ArgumentParser
import FirewallCore

/// `mcp-firewall policy check FILE…`: validates policies and prints every problem at once.
struct PolicyCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate policy files, printing every problem with file:line:col.",
        discussion: """
            Lint warnings are printed too: rules shadowed by stricter ones, rules that can never apply, write \
            or sensitive tools allowed without confirmation in production, and `confirm` in CI, where nobody \
            can answer. Warnings never change the exit code.

            Exit codes: 0 all files valid (warnings allowed), 1 at least one error, 64 usage error.
            """
    )

    @Argument(help: "Policy files to check.")
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one policy file") }
    }

    func run() async throws {
        var failed = false
        for file in files {
            do {
                let (policy, warnings) = try PolicyFiles.load(file)
                // Lint warnings (shadowed, unreachable, production, CI) print with the loader's; never an error.
                PolicyFiles.report(warnings + PolicyLinter.lintAll(policy))
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
}
