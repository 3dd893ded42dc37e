import FirewallClient
import FirewallCore
import FirewallRelay
import Foundation
import Testing

/// `mcp-firewall test` and `policy diff`, run as built binaries on shipped and recorded inputs.
@Suite(.timeLimit(.minutes(1)))
struct ReplayCommandTests {
    static let scenarios = E2E.repositoryRoot + "/examples/ci/hr-example.scenarios.yaml"
    static let trail = E2E.repositoryRoot + "/Tests/FirewallCoreTests/Fixtures/mcp-audit-trail-sample.json"

    static let stricterPolicy = """
        version: 1
        unlisted: {decision: deny}
        tools:
          - name: get_employee
            class: read
          - name: update_salary
            decision: deny
            reason: Salaries are set in the HR system
          - name: delete_employee
            decision: deny
        """

    @Test func theShippedScenarioSetPassesAndWritesJUnitAndSummary() throws {
        let folder = try E2E.temporaryFolder()
        let (status, output) = try Shell.output([
            E2E.binary, "test", Self.scenarios, "--junit", folder + "/reports/junit.xml", "--summary",
            folder + "/summary.md",
        ])
        #expect(status == 0, "\(output)")
        #expect(output.contains("mcp-firewall test: ok: 13 call(s): 13 passed"))
        let xml = try String(contentsOfFile: folder + "/reports/junit.xml", encoding: .utf8)
        #expect(xml.contains(#"<testsuites name="mcp-firewall test" tests="13" failures="0" errors="0""#))
        #expect(xml.contains(#"name="a salary above 500000 is refused""#))
        let summary = try String(contentsOfFile: folder + "/summary.md", encoding: .utf8)
        #expect(summary.hasPrefix("## ✅ mcp-firewall test: 13 call(s): 13 passed"))
    }

    @Test func aFailingExpectationExitsOneAndNamesTheDecidingRule() throws {
        let folder = try E2E.temporaryFolder()
        try E2E.hrPolicy.write(toFile: folder + "/hr.yaml", atomically: true, encoding: .utf8)
        try """
        version: 1
        policy: hr.yaml
        scenarios:
          - {name: reads pass, tool: get_employee, expect: allow}
          - name: a raise is allowed
            tool: update_salary
            arguments: {new_salary: 1000}
            expect: allow
        """.write(toFile: folder + "/s.yaml", atomically: true, encoding: .utf8)
        let (status, output) = try Shell.output([E2E.binary, "test", folder + "/s.yaml", "--junit", folder + "/j.xml"])
        #expect(status == 1)
        #expect(output.contains("FAIL \(folder)/s.yaml:5:5 a raise is allowed: update_salary → confirm"))
        #expect(output.contains("(expected allow, got confirm)"))
        #expect(output.contains("by \(folder)/hr.yaml:6: Salary changes need a person"))
        #expect(output.contains("2 call(s): 1 passed, 1 failed"))
        let xml = try String(contentsOfFile: folder + "/j.xml", encoding: .utf8)
        #expect(xml.contains(#"tests="2" failures="1""#))
    }

    @Test func anInvalidScenarioFileExitsOneWithEveryProblem() throws {
        let folder = try E2E.temporaryFolder()
        try """
        version: 1
        scenarios:
          - {name: a, tool: t, expect: no}
          - {name: b, tool: t, expectt: deny}
        """.write(toFile: folder + "/bad.yaml", atomically: true, encoding: .utf8)
        let (status, output) = try Shell.output([
            E2E.binary, "test", folder + "/bad.yaml", "--policy", E2E.repositoryRoot + "/policies/hr-example.yaml",
            "--junit", folder + "/j.xml",
        ])
        #expect(status == 1)
        #expect(output.contains("bad.yaml:3:32: error: expect is `no`, which YAML 1.1 reads as a boolean"))
        #expect(output.contains("bad.yaml:4:24: error: unknown key `expectt` in scenario 2 (did you mean `expect`?)"))
        #expect(output.contains("some inputs have errors"))
        let xml = try String(contentsOfFile: folder + "/j.xml", encoding: .utf8)
        #expect(xml.contains(#"<testsuite name="inputs" tests="3" failures="0" errors="3""#))
    }

    @Test func aCorruptLogLineFailsTheRunButTheOtherCallsAreStillJudged() throws {
        let folder = try E2E.temporaryFolder()
        var lines = try String(contentsOfFile: E2E.repositoryRoot + "/examples/sample-audit.jsonl", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        lines[4] = "garbage"
        try (lines.joined(separator: "\n") + "\n").write(toFile: folder + "/a.jsonl", atomically: true, encoding: .utf8)
        let (status, output) = try Shell.output([
            E2E.binary, "test", folder + "/a.jsonl", "--policy", E2E.repositoryRoot + "/policies/hr-example.yaml",
        ])
        #expect(status == 1)
        #expect(output.contains("a.jsonl:5:1: error: line 5 is not valid JSON"))
        #expect(output.contains("9 call(s): 9 unchanged; some inputs have errors"))
    }

    @Test func usageErrorsExit64() throws {
        let log = E2E.repositoryRoot + "/examples/sample-audit.jsonl"
        let (noPolicy, message) = try Shell.output([E2E.binary, "test", log])
        #expect(noPolicy == 64)
        #expect(message.contains("names no policy: give --policy"))
        #expect(try Shell.output([E2E.binary, "test"]).status == 64)
        #expect(try Shell.output([E2E.binary, "test", log, "--summary", "-", "--format", "json"]).status == 64)
        #expect(try Shell.output([E2E.binary, "policy", "diff", "a.yaml", "b.yaml"]).status == 64)
    }

    @Test func anImportedAuditTrailLogIsDecidedCallByCall() throws {
        let policy = E2E.repositoryRoot + "/policies/hr-example.yaml"
        let (status, output) = try Shell.output([E2E.binary, "test", Self.trail, "--policy", policy])
        #expect(status == 0, "\(output)")
        #expect(output.components(separatedBy: "DECIDED ").count == 5)
        #expect(output.contains("mcp-audit-trail-sample.json:166 request 4: update_salary → confirm"))
        let (_, json) = try Shell.output([E2E.binary, "test", Self.trail, "--policy", policy, "--format", "json"])
        let document = try JSONParser.parse(Array(json.utf8))
        #expect(document["totals"]?["evaluated"] == .number("4"))
        #expect(document["succeeded"] == .bool(true))
    }

    @Test func aRecordedSessionReplayedAgainstAStricterPolicyReportsTheChangedDecisions() async throws {
        let folder = try E2E.temporaryFolder()
        let argv = try E2E.proxyArgv(folder: folder, policy: E2E.hrPolicy)
        try await StdioClient.with(argv: argv) { client in
            try await E2E.initialize(client)
            _ = await E2E.callTool(client, id: 1, "get_employee", [.string("employee_id", "E-1001")])
            _ = await E2E.callTool(
                client, id: 2, "update_salary", [.string("employee_id", "E-1001"), .number("new_salary", 1000)])
            _ = await E2E.callTool(client, id: 3, "delete_employee", [.string("employee_id", "E-1001")])
            _ = await E2E.callTool(client, id: 4, "list_employees")
        }
        let log = folder + "/audit.jsonl"
        try Self.stricterPolicy.write(toFile: folder + "/strict.yaml", atomically: true, encoding: .utf8)

        let same = try Shell.output([E2E.binary, "test", log, "--policy", folder + "/policy.yaml"])
        #expect(same.status == 0, "\(same.output)")
        #expect(same.output.contains("4 call(s): 4 unchanged"))

        let strict = try Shell.output([
            E2E.binary, "test", log, "--policy", folder + "/strict.yaml", "--summary", folder + "/summary.md",
        ])
        #expect(strict.status == 1)
        #expect(strict.output.contains("call 2 of session"))
        #expect(strict.output.contains("update_salary → deny (recorded confirm, now deny)"))
        #expect(strict.output.contains("list_employees → deny (recorded allow, now deny)"))
        #expect(strict.output.contains("4 call(s): 2 changed, 2 unchanged"))
        let summary = try String(contentsOfFile: folder + "/summary.md", encoding: .utf8)
        #expect(summary.contains("strict.yaml:6 | Salaries are set in the HR system |"))

        let allowed = try Shell.output([
            E2E.binary, "test", log, "--policy", folder + "/strict.yaml", "--allow-changes",
        ])
        #expect(allowed.status == 0)

        let diff = try Shell.output([
            E2E.binary, "policy", "diff", folder + "/policy.yaml", folder + "/strict.yaml", "--against", log,
        ])
        #expect(diff.status == 1)
        #expect(diff.output.contains(#"update_salary {"employee_id":"E-1001","new_salary":1000}: confirm"#))
        #expect(diff.output.contains("→ deny (\(folder)/strict.yaml:6)"))
        #expect(diff.output.contains("policy diff: 2 of 4 call(s) change decision"))
        let json = try Shell.output([
            E2E.binary, "policy", "diff", folder + "/policy.yaml", folder + "/strict.yaml", "--against", log,
            "--format", "json",
        ])
        let document = try JSONParser.parse(Array(json.output.utf8))
        #expect(document["changed"] == .number("2"))
        #expect(document["unchanged"] == .number("2"))

        let unchanged = try Shell.output([
            E2E.binary, "policy", "diff", folder + "/policy.yaml", folder + "/policy.yaml", "--against", log,
        ])
        #expect(unchanged.status == 0)
        #expect(unchanged.output.contains("policy diff: 0 of 4 call(s) change decision"))
    }

    @Test func summaryDashPrintsMarkdownInsteadOfText() throws {
        let (status, output) = try Shell.output([E2E.binary, "test", Self.scenarios, "--summary", "-"])
        #expect(status == 0)
        #expect(output.hasPrefix("## ✅ mcp-firewall test"))
        #expect(!output.contains("mcp-firewall test: ok"))
    }
}

/// Environments and policy locations as `mcp-firewall test` resolves them.
@Suite(.timeLimit(.minutes(1)))
struct ReplayEnvironmentCommandTests {
    static let policy = """
        version: 1
        approval: {unattended: deny}
        tools:
          - name: update_salary
            class: write
        environments:
          prod:
            defaults: {write: deny}
            approval: {unattended: deny}
        """

    static let scenarios = """
        version: 1
        policy: policy.yaml
        scenarios:
          - {name: no environment, tool: update_salary, expect: confirm}
          - {name: in prod, tool: update_salary, environment: prod, expect: deny}
        """

    static func folder(scenarios: String = scenarios) throws -> String {
        let folder = try E2E.temporaryFolder()
        try policy.write(toFile: folder + "/policy.yaml", atomically: true, encoding: .utf8)
        try scenarios.write(toFile: folder + "/s.yaml", atomically: true, encoding: .utf8)
        return folder
    }

    @Test func eachScenarioIsJudgedInItsOwnEnvironment() throws {
        let folder = try Self.folder()
        let (status, output) = try Shell.output([E2E.binary, "test", folder + "/s.yaml"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("2 call(s): 2 passed"))
    }

    @Test func envAppliesToScenariosThatNameNoEnvironment() throws {
        let folder = try Self.folder()
        let (status, output) = try Shell.output([E2E.binary, "test", folder + "/s.yaml", "--env", "prod"])
        #expect(status == 1)
        #expect(output.contains("FAIL \(folder)/s.yaml:4:5 no environment: update_salary → deny"))
        #expect(output.contains("2 call(s): 1 passed, 1 failed"))
    }

    @Test func anEnvironmentThePolicyDoesNotDefineIsAnError() throws {
        let folder = try Self.folder()
        let (status, output) = try Shell.output([E2E.binary, "test", folder + "/s.yaml", "--env", "staging"])
        #expect(status == 1)
        #expect(output.contains("environment `staging` is not defined in the policy"))
        let named = try Self.folder(
            scenarios: "version: 1\npolicy: policy.yaml\nscenarios:\n"
                + "  - {name: typo, tool: update_salary, environment: prdo, expect: deny}\n")
        let (namedStatus, namedOutput) = try Shell.output([E2E.binary, "test", named + "/s.yaml"])
        #expect(namedStatus == 1)
        #expect(namedOutput.contains("ERROR \(named)/s.yaml:4:5 typo"))
        #expect(namedOutput.contains("environment `prdo` is not defined in the policy (defined: prod)"))
    }

    @Test func aMissingPolicyIsReportedWhereTheScenarioFileNamesIt() throws {
        let folder = try Self.folder(
            scenarios: Self.scenarios.replacingOccurrences(of: "policy.yaml", with: "nope.yaml"))
        let (status, output) = try Shell.output([E2E.binary, "test", folder + "/s.yaml"])
        #expect(status == 1)
        #expect(output.contains("s.yaml:2:9: error: the policy file \(folder)/nope.yaml does not exist"))
    }
}
