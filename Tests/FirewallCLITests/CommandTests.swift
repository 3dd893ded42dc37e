import FirewallCore
import Foundation
import Testing

/// The other commands: `policy check`, `demo`, and the shipped files they rely on.
@Suite(.timeLimit(.minutes(1)))
struct CommandTests {
    @Test func policyCheckAcceptsEveryShippedPolicy() throws {
        let folder = E2E.repositoryRoot + "/policies"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }
            .sorted()
        #expect(files.count >= 4)
        let (status, output) = try Shell.output([E2E.binary, "policy", "check"] + files.map { folder + "/" + $0 })
        #expect(status == 0, "\(output)")
        #expect(output.components(separatedBy: "ok: ").count == files.count + 1)
    }

    @Test func policyCheckPrintsEveryProblemAndExitsOne() throws {
        let folder = try E2E.temporaryFolder()
        let path = folder + "/bad.yaml"
        try """
        version: 1
        tool: []
        unlisted: {class: annotation}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let (status, output) = try Shell.output([E2E.binary, "policy", "check", path])
        #expect(status == 1)
        #expect(output.contains("bad.yaml:2:1: error: unknown key `tool`"))
        #expect(output.contains("did you mean `tools`?"))
        #expect(output.contains("bad.yaml:3:19: error:"))
    }

    @Test func usageErrorsExit64() throws {
        let (status, _) = try Shell.output([E2E.binary, "proxy", "--policy", "x.yaml"])
        #expect(status == 64)
    }

    @Test func builtInPoliciesMatchTheShippedFiles() throws {
        let root = E2E.repositoryRoot + "/policies/"
        #expect(
            try String(contentsOfFile: root + "default.yaml", encoding: .utf8) == BuiltinPoliciesMirror.defaultPolicy)
        #expect(
            try String(contentsOfFile: root + "hr-example.yaml", encoding: .utf8) == BuiltinPoliciesMirror.hrExample)
    }

    @Test func demoRunsWithoutATerminalAndExplainsEveryDecision() throws {
        let folder = try E2E.temporaryFolder()
        let (status, output) = try Shell.output(
            [E2E.binary, "demo", "--no-terminal", "--output-dir", folder + "/demo"], directory: folder)
        #expect(status == 0, "\(output)")
        #expect(output.contains("the demo client answers the proxy's questions itself (MCP elicitation)"))
        #expect(output.contains("confirm → allow  approved by the client (mcp-firewall-demo 0.1.0) via elicitation"))
        #expect(output.contains("confirm → deny   declined by the client (mcp-firewall-demo 0.1.0) via elicitation"))
        #expect(output.contains("policy rule `delete_employee`"))
        // The approved raise is a raise.
        let raise = try #require(output.split(separator: "\n").first { $0.contains("Salary for E-1002 changed from") })
        let amounts = raise.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .punctuationCharacters)) }
        #expect(amounts.count == 2 && amounts[1] > amounts[0], "\(raise)")
        // Denials are shown whole, up to the advice that ends every one.
        #expect(output.contains("Reason: Salaries above 500000 are never set by an agent. The call was not executed"))
        #expect(
            output.contains(
                "Confirmation declined: declined through the client in mcp-firewall-demo 0.1.0. The call was not executed"
            ))
        #expect(
            FileManager.default.fileExists(atPath: folder + "/demo/hr-example.yaml"),
            "outside a checkout the built-in policy is used")
        let records = try E2E.auditRecords(folder + "/demo")
        #expect(E2E.records(records, event: "decision").count == 9)
    }
}
