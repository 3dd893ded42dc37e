import ArgumentParser
import FirewallRelay
import FirewallReport
import Foundation

/// `mcp-firewall demo`: the example HR server behind the proxy, driven by a scripted "model".
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the example HR server behind the firewall with a scripted client session.",
        discussion: """
            Uses policies/hr-example.yaml when run from a checkout (else a built-in copy). With a terminal, \
            write calls are confirmed by you at the prompt; without one (CI), the demo client answers the \
            proxy's questions itself through MCP elicitation (it approves the raise and declines the review \
            note), and the audit records those answers as the client's, not a person's. The audit log is appended to <output-dir>/audit.jsonl, and the HTML report of it is \
            written to <output-dir>/report.html.
            """
    )

    @Option(help: "Folder for the demo's audit log and policy copy.")
    var outputDir: String = "mcp-firewall-demo"

    @Option(help: "Policy to use instead of policies/hr-example.yaml.")
    var policy: String?

    @Flag(help: "Do not prompt on the terminal even if there is one.")
    var noTerminal = false

    func run() async throws {
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
        let policyPath: String
        if let policy {
            policyPath = policy
        } else if fileManager.fileExists(atPath: "policies/hr-example.yaml") {
            policyPath = "policies/hr-example.yaml"
        } else {
            policyPath = outputDir + "/hr-example.yaml"
            try BuiltinPolicies.hrExample.write(toFile: policyPath, atomically: true, encoding: .utf8)
        }
        let auditPath = outputDir + "/audit.jsonl"
        let executable = Self.executablePath()
        let interactive = !noTerminal && TerminalApprovalChannel().isAvailable
        print("mcp-firewall demo: example HR server behind the firewall")
        print("  policy : \(policyPath)")
        print("  audit  : \(auditPath)")
        if interactive {
            print("  approvals: you will be asked on this terminal for every write (answer y or n)")
        } else {
            print(
                """
                  approvals: no terminal here, so the demo client answers the proxy's questions itself (MCP elicitation):
                             it approves the raise and declines the review note. The audit credits those answers to
                             the client, not to a person, since a client may answer without asking anyone.
                """)
        }
        print("")
        var argv = [
            executable, "proxy", "--policy", policyPath, "--audit", auditPath, "--log-level",
            "warning", "--server-name", "example-hr-server",
        ]
        if !interactive { argv.append("--no-terminal") }
        argv += ["--", executable, "example-server"]
        let transcript = try await DemoSession.run(argv: argv, answersQuestions: !interactive)
        print(
            "The model saw \(transcript.visibleTools.count) tools: \(transcript.visibleTools.joined(separator: ", "))")
        print("(tools the policy denies unconditionally are hidden from tools/list)\n")
        for (index, observed) in transcript.observed.enumerated() {
            let outcome = observed.isError ? "✗" : "✓"
            print("\(outcome) \(index + 1). \(observed.step.tool) — \(observed.step.intent)")
            print("     \(observed.isError ? Self.oneLine(observed.text) : Self.shorten(observed.text))")
        }
        let summary = try DemoSummary(auditPath: auditPath)
        print("\nAudit summary (read back from \(auditPath), session \(summary.sessionID ?? "?")):\n")
        print(summary.render())
        print("\nEvery decision above was written to the audit log before the call reached the server.")
        let reportPath = outputDir + "/report.html"
        do {
            _ = try ReportFile.write(to: reportPath) { sink throws(ReportError) in
                try ReportGenerator.generate(
                    paths: [auditPath], title: "mcp-firewall demo: audit report", format: .html, to: sink)
            }
            print("Report: \(reportPath) (open it in a browser)")
        } catch {
            StandardError.write("mcp-firewall demo: \(error)")
            throw ExitCode(ExitCodes.policyOrAudit)
        }
    }

    /// Our own executable, so the demo runs the proxy and the server from the same build.
    static func executablePath() -> String {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return resolved
        }
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }

    /// `text` with its line breaks turned into spaces. Denials are shown this way, whole: their reason
    /// is what the demo is there to show.
    static func oneLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\n", with: " ")
    }

    /// `text` on one line, and past `limit` characters cut after the last whole word that fits, marked
    /// with "…" (a word longer than the limit is cut where the limit falls).
    static func shorten(_ text: String, limit: Int = 160) -> String {
        let flat = oneLine(text)
        guard flat.count > limit else { return flat }
        let room = flat.prefix(limit - 2)
        if flat[room.endIndex] == " " { return String(room) + " …" }
        let words = room.lastIndex(of: " ").flatMap { $0 > room.startIndex ? room[..<$0] : nil } ?? room
        return String(words) + " …"
    }
}
