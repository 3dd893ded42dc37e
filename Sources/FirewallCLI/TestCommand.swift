import ArgumentParser
import FirewallCore
import Foundation

/// `mcp-firewall test INPUT…`: replays scenario files and recorded logs against a policy.
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Replay scenario files and recorded traffic against a policy and check every decision.",
        discussion: """
            Inputs: scenario files (.yaml: calls with the decision each must get), audit logs of \
            `mcp-firewall proxy` (.jsonl: each call must keep its recorded decision) and logs of \
            mcp-audit-trail (.json: decisions are only reported). Formats are told apart by extension, \
            else by content. A folder stands for the scenario files and logs in it (recursively); other \
            files there, such as policies, are skipped.

            Environments: a scenario's `environment:` wins; otherwise --env; otherwise a log call's \
            recorded environment (ignored when the policy does not define it). $MCP_FIREWALL_ENV and $CI \
            are not read, so a replay decides the same everywhere.

            Exit codes: 0 every expectation held and no recorded decision changed (or --allow-changes), \
            1 an expectation failed, a decision changed, or an input or policy has errors, 64 usage error.
            """
    )

    @Argument(
        help: "Scenario files (.yaml), audit logs (.jsonl), mcp-audit-trail logs (.json), or folders holding them.")
    var inputs: [String] = []

    @Option(
        help: ArgumentHelp(
            "Policy file (YAML); repeat to layer files as the proxy does.",
            discussion:
                "Overrides `policy:` of scenario files; may be left out when every input is a scenario file naming one."
        ))
    var policy: [String] = []

    @Option(help: "Environment to judge calls in, unless a scenario names its own.")
    var env: String?

    @Option(help: "Write a JUnit XML report to this file.")
    var junit: String?

    @Option(
        help: "Write a markdown summary to this file (e.g. $GITHUB_STEP_SUMMARY), or `-` for stdout instead of text.")
    var summary: String?

    @Option(help: "Output on stdout: text (problems and totals) or json (every call).")
    var format: ReplayFiles.Format = .text

    @Flag(help: "Pass even when a recorded call's decision changed; changes are still listed.")
    var allowChanges = false

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("name at least one scenario file or log") }
        if summary == "-", format == .json {
            throw ValidationError("`--summary -` and `--format json` both write to stdout; give --summary a file")
        }
        if env?.isEmpty == true { throw ValidationError("--env needs a name") }
    }

    func run() async throws {
        let read = ReplayFiles.read(inputs)
        var problems = read.flatMap(\.diagnostics)
        PolicyFiles.report(problems)
        let groups = try policyGroups(read)
        var report = ReplayReport()
        for group in groups { report.outcomes += replay(group, problems: &problems) }
        let invalid = problems.contains { $0.severity == .error }
        var written = true
        if let junit {
            let xml = JUnitReport(report, allowChanges: allowChanges, problems: problems).xml()
            written = ReplayFiles.write(xml, to: junit, what: "JUnit report") && written
        }
        if let summary {
            let markdown = MarkdownSummary(report, allowChanges: allowChanges, problems: problems).markdown()
            written = ReplayFiles.write(markdown, to: summary, what: "summary") && written
        }
        switch format {
        case .json:
            FileHandle.standardOutput.write(Data(report.json(allowingChanges: allowChanges) + [UInt8(ascii: "\n")]))
        case .text where summary != "-":
            printText(report, invalid: invalid)
        case .text:
            break
        }
        if invalid || !written || !report.succeeded(allowingChanges: allowChanges) {
            throw ExitCode(ExitCodes.policyOrAudit)
        }
    }

    /// Inputs judged with the same policy files; `named` is where a scenario file names them.
    private typealias Group = (paths: [String], named: SourceLocation?, inputs: [ReplayInput])

    /// Judges a group's calls, or adds to `problems` why its policy (or `--env`) cannot be used.
    private func replay(_ group: Group, problems: inout [PolicyDiagnostic]) -> [ReplayOutcome] {
        if let named = group.named, let path = group.paths.first, !FileManager.default.fileExists(atPath: path) {
            let problem = PolicyDiagnostic(
                .error, "the policy file \(path) does not exist", at: named,
                hint: "`policy:` is relative to the scenario file")
            PolicyFiles.report([problem])
            problems.append(problem)
            return []
        }
        let loaded: Policy
        switch ReplayFiles.loadPolicy(group.paths) {
        case .success(let policy): loaded = policy
        case .failure(let error):
            problems += error.diagnostics
            return []
        }
        if let env {
            do throws(PolicyError) {
                _ = try loaded.resolvingEnvironment(explicit: env, inCI: false)
            } catch {
                PolicyFiles.report(error.diagnostics)
                problems += error.diagnostics
                return []
            }
        }
        let runner = ReplayRunner(environment: env, policy: ReplayFiles.resolver(loaded))
        return runner.run(group.inputs.flatMap(\.calls), clock: ContinuousClock()).outcomes
    }

    /// The inputs to judge with each policy: all of them with `--policy`, else by each scenario file's `policy:`.
    ///
    /// The calls an input with errors still yields are judged too; its errors fail the run anyway.
    private func policyGroups(_ read: [ReplayInput]) throws -> [Group] {
        guard policy.isEmpty else { return [(policy, nil, read)] }
        var groups: [Group] = []
        for input in read {
            guard let path = input.policyPath else {
                if input.hasErrors { continue }
                StandardError.write(
                    "mcp-firewall test: \(input.path) (\(input.kind.rawValue)) names no policy: give --policy"
                        + (input.kind == .scenarios ? " or `policy:` in the file" : ""))
                throw ExitCode(ExitCodes.usage)
            }
            if let index = groups.firstIndex(where: { $0.paths == [path] }) {
                groups[index].inputs.append(input)
            } else {
                groups.append(([path], input.policyLocation, [input]))
            }
        }
        return groups
    }

    private func printText(_ report: ReplayReport, invalid: Bool) {
        for outcome in report.outcomes where outcome.status != .passed && outcome.status != .unchanged {
            let label =
                switch outcome.status {
                case .failed: "FAIL"
                case .changed: allowChanges ? "CHANGED (allowed)" : "CHANGED"
                case .error: "ERROR"
                default: "DECIDED"
                }
            let call = outcome.call
            var line = "\(label) \(call.locationDescription) \(call.name): \(call.tool) → \(outcome.actualText)"
            if !outcome.message.isEmpty { line += " (\(outcome.message))" }
            print(line)
            if let decision = outcome.decision {
                print("    by \(outcome.ruleText): \(decision.reason)")
            }
        }
        let verdict = report.succeeded(allowingChanges: allowChanges) && !invalid ? "ok" : "FAILED"
        print("mcp-firewall test: \(verdict): \(report.totalsLine)" + (invalid ? "; some inputs have errors" : ""))
    }
}
