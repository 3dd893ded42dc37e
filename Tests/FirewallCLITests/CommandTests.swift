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
        #expect(
            FileManager.default.fileExists(atPath: folder + "/demo/hr-example.yaml"),
            "outside a checkout the built-in policy is used")
        let records = try E2E.auditRecords(folder + "/demo")
        #expect(E2E.records(records, event: "decision").count == 9)
    }
}

/// Everything shipped under `examples/` is loaded, so a snippet never rots.
struct ShippedExamplesTests {
    @Test func clientConfigurationsAreValidJSONAndLaunchTheProxy() throws {
        let folder = E2E.repositoryRoot + "/examples/"
        for name in ["claude-desktop.json", "vscode-mcp.json"] {
            let data = try #require(FileManager.default.contents(atPath: folder + name))
            let config = try JSONParser.parse(Array(data))
            let text = String(decoding: data, as: UTF8.self)
            #expect(text.contains("\"proxy\""), "\(name) launches `mcp-firewall proxy`")
            #expect(text.contains("\"--\""), "\(name) separates the server command with --")
            guard case .object = config else {
                Issue.record("\(name) is not a JSON object")
                continue
            }
        }
    }

    @Test func sampleAuditLogIsOneCompleteSessionOfTheCurrentSchema() throws {
        let data = try #require(
            FileManager.default.contents(atPath: E2E.repositoryRoot + "/examples/sample-audit.jsonl"))
        let records = try data.split(separator: UInt8(ascii: "\n")).map { try JSONParser.parse(Array($0)) }
        #expect(records.first?["event"]?.stringValue == "session_start")
        #expect(records.last?["event"]?.stringValue == "session_end")
        #expect(Set(records.compactMap { $0["session"]?.stringValue }).count == 1)
        #expect(records.allSatisfy { $0["v"]?.doubleValue == Double(AuditRecordEncoder.schemaVersion) })
        let sequence = records.compactMap { $0["seq"]?.doubleValue }
        #expect(sequence == (1...records.count).map(Double.init))
    }

    @Test func everyPolicyInTheDocsLoadsAndTheBadOneFailsAsShown() throws {
        let text = try String(contentsOfFile: E2E.repositoryRoot + "/docs/policy.md", encoding: .utf8)
        let blocks = text.components(separatedBy: "```yaml\n").dropFirst().compactMap {
            $0.components(separatedBy: "```").first
        }
        // Complete documents only; layering examples name files that exist only in the reader's project.
        let complete = blocks.filter {
            ($0.hasPrefix("version: 1") || $0.contains("\nversion: 1")) && !$0.contains("extends:")
        }
        #expect(complete.count >= 2)
        // The one example that demonstrates errors must fail exactly as the doc's console output says.
        let shown =
            text.components(separatedBy: "$ mcp-firewall policy check bad.yaml\n").dropFirst().first?
            .components(separatedBy: "```").first?.split(separator: "\n").map(String.init)
            .filter { $0.hasPrefix("bad.yaml:") } ?? []
        var failing = 0
        for block in complete {
            do {
                _ = try PolicyLoader.load(text: block, path: "bad.yaml")
            } catch {
                failing += 1
                #expect(
                    error.diagnostics.map(\.description) == shown, "the doc shows other diagnostics than the loader")
            }
        }
        #expect(failing == 1, "only the documented bad example may fail to load")
    }
}
