import ArgumentParser
import FirewallCore
import Foundation

/// `mcp-firewall policy diff OLD NEW --against LOG…`: the recorded calls a policy change would decide otherwise.
struct PolicyDiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "List every recorded call whose decision would change from one policy to another.",
        discussion: """
            Each call of the logs (audit logs, mcp-audit-trail logs or scenario files) is judged by OLD \
            and by NEW in the same environment: --env, else the one it was recorded in.

            Exit codes: 0 no decision changes, 1 some decision changes or an input or policy has errors \
            (so CI can gate a policy change on it), 64 usage error.
            """
    )

    @Argument(help: "The policy in force now.")
    var old: String

    @Argument(help: "The proposed policy.")
    var new: String

    @Option(parsing: .upToNextOption, help: "Logs or scenario files whose calls are compared, or folders holding them.")
    var against: [String] = []

    @Option(help: "Environment to judge every call in, instead of the recorded one.")
    var env: String?

    @Option(help: "Output: text or json.")
    var format: ReplayFiles.Format = .text

    func validate() throws {
        guard !against.isEmpty else { throw ValidationError("name the recorded calls with --against LOG…") }
        if env?.isEmpty == true { throw ValidationError("--env needs a name") }
    }

    func run() async throws {
        let read = ReplayFiles.read(against)
        let problems = read.flatMap(\.diagnostics)
        PolicyFiles.report(problems)
        let loaded = (ReplayFiles.loadPolicy([old]), ReplayFiles.loadPolicy([new]))
        guard case (.success(let before), .success(let after)) = loaded else {
            throw ExitCode(ExitCodes.policyOrAudit)
        }
        if let env {
            do throws(PolicyError) {
                _ = try before.resolvingEnvironment(explicit: env, inCI: false)
                _ = try after.resolvingEnvironment(explicit: env, inCI: false)
            } catch {
                PolicyFiles.report(error.diagnostics)
                throw ExitCode(ExitCodes.policyOrAudit)
            }
        }
        let diff = PolicyDiff(
            calls: read.flatMap(\.calls), old: ReplayFiles.resolver(before),
            new: ReplayFiles.resolver(after), environment: env)
        switch format {
        case .json:
            FileHandle.standardOutput.write(Data(diff.json() + [UInt8(ascii: "\n")]))
        case .text:
            for change in diff.changes {
                let environment = change.environment.map { " [\($0)]" } ?? ""
                print("\(change.call.locationDescription) \(change.call.name)\(environment)")
                print("    \(change.summary)")
                print("    now: \(change.new.reason)")
            }
            for problem in diff.problems {
                StandardError.write("\(problem.call.locationDescription): error: \(problem.message)")
            }
            let total = diff.changes.count + diff.unchanged + diff.problems.count
            print("policy diff: \(diff.changes.count) of \(total) call(s) change decision")
        }
        let invalid = problems.contains { $0.severity == .error } || !diff.problems.isEmpty
        if invalid || !diff.changes.isEmpty { throw ExitCode(ExitCodes.policyOrAudit) }
    }
}
