import FirewallCore
import FirewallRelay
import Foundation
import Testing

/// Environments through the built proxy: selection, unattended outcomes, refusal of unknown names.
@Suite(.timeLimit(.minutes(1)))
struct EnvironmentEndToEndTests {
    static let policy = """
        version: 1
        defaults: {read: allow, write: confirm, sensitive: deny}
        approval: {unattended: deny}
        tools:
          - name: get_employee
            class: read
          - name: [update_salary, add_review_note]
            class: write
        environments:
          sandbox:
            tighten_only: false
            approval: {unattended: allow}
          ci:
            approval: {unattended: fail}
        """

    func run(
        _ extra: [String], prefix: [String] = []
    ) async throws -> (reply: JSONValue?, status: ChildProcess.Termination, records: [JSONValue]) {
        let folder = try E2E.temporaryFolder()
        let argv = prefix + (try E2E.proxyArgv(folder: folder, policy: Self.policy, extra: extra))
        return try await E2E.reviewNoteCall(argv: argv, folder: folder)
    }

    @Test func unattendedAllowRunsTheCallAndSaysSo() async throws {
        let (reply, status, records) = try await run(["--env", "sandbox"])
        #expect(reply?["result"]?["isError"]?.boolValue == false)
        #expect(status == .exited(0))
        #expect(E2E.records(records, event: "session_start").first?["environment"]?.stringValue == "sandbox")
        #expect(E2E.records(records, event: "session_start").first?["environment_overlay"]?.boolValue == true)
        let decision = try #require(E2E.records(records, event: "decision").first)
        #expect(decision["decision"]?.stringValue == "allow")
        #expect(decision["policy_decision"]?.stringValue == "confirm")
        #expect(decision["approval"]?["outcome"]?.stringValue == "unattended")
        #expect(decision["approval"]?["unattended"]?.stringValue == "allow")
        #expect(decision["decided_by"]?["kind"]?.stringValue == "policy")
    }

    @Test func unattendedFailDeniesAndFailsTheSessionInCI() async throws {
        let (reply, status, records) = try await run([], prefix: ["/usr/bin/env", "CI=true", "MCP_FIREWALL_ENV="])
        #expect(reply?["result"]?["isError"]?.boolValue == true)
        #expect(E2E.text(reply).contains("the session will fail"))
        #expect(status == .exited(75))
        #expect(E2E.records(records, event: "session_start").first?["environment"]?.stringValue == "ci")
        let decision = try #require(E2E.records(records, event: "decision").first)
        #expect(decision["approval"]?["unattended"]?.stringValue == "fail")
    }

    @Test func unattendedDenyIsTheDefaultOutsideAnyEnvironment() async throws {
        let (reply, status, records) = try await run([], prefix: ["/usr/bin/env", "-u", "CI", "MCP_FIREWALL_ENV="])
        #expect(E2E.text(reply).contains("No approver available"))
        #expect(status == .exited(0))
        #expect(E2E.records(records, event: "decision").first?["approval"]?["unattended"]?.stringValue == "deny")
        let start = E2E.records(records, event: "session_start").first
        #expect(start?["environment"]?.stringValue == "dev")
        #expect(start?["environment_overlay"]?.boolValue == false, "`dev` is only a label here")
    }

    @Test func anUndefinedEnvironmentRefusesToStart() throws {
        let folder = try E2E.temporaryFolder()
        let (status, stderr) = try Shell.run(
            try E2E.proxyArgv(folder: folder, policy: Self.policy, extra: ["--env", "prod"]))
        #expect(status == 1)
        #expect(stderr.contains("environment `prod` is not defined in the policy (defined: ci, sandbox)"))
    }

    @Test func layeredPoliciesAreRecordedLayerByLayer() async throws {
        let folder = try E2E.temporaryFolder()
        let base = folder + "/base.yaml"
        try "version: 1\ntools:\n  - name: add_review_note\n    decision: deny\n    reason: org rule\n"
            .write(toFile: base, atomically: true, encoding: .utf8)
        let (reply, _, records) = try await run(["--policy", base, "--env", "sandbox"])
        #expect(E2E.text(reply).contains("base.yaml:3"), "the org deny wins and names its own file")
        let layers = E2E.records(records, event: "session_start").first?["policy"]?["layers"]
        guard case .array(let entries)? = layers else {
            Issue.record("session_start.policy.layers is missing")
            return
        }
        #expect(entries.count == 2)
    }
}
