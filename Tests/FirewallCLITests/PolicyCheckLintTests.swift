import Foundation
import Testing

/// `mcp-firewall policy check` prints lint warnings with the loader's diagnostics and still exits 0.
@Suite(.timeLimit(.minutes(1)))
struct PolicyCheckLintTests {
    @Test func lintWarningsPrintWithFileLineColumnAndNeverChangeTheExitCode() throws {
        let folder = try E2E.temporaryFolder()
        try """
        version: 1
        defaults: {write: allow}
        tools:
          - name: update_salary
            decision: allow
          - name: update_*
            decision: deny
          - name: transfer
            decision: deny
            when:
              amount: {gt: 10, lt: 5}
        environments:
          ci:
            tighten_only: false
            defaults: {write: confirm}
            approval: {unattended: fail}
        """.write(toFile: folder + "/hr-prod.yaml", atomically: true, encoding: .utf8)
        let result = try PolicyExplainGoldenTests.run(
            [E2E.binary, "policy", "check", "hr-prod.yaml"], in: folder)
        #expect(result.status == 0, "warnings never fail the check: \(result.stderr)")
        #expect(result.stdout.hasPrefix("ok: hr-prod.yaml (3 rule(s)"))
        let warnings = result.stderr.split(separator: "\n").map(String.init)
        #expect(warnings.allSatisfy { $0.contains(": warning: ") }, "\(warnings)")
        #expect(warnings.contains { $0.hasPrefix("hr-prod.yaml:4:5: warning: rule `update_salary` can never decide") })
        #expect(warnings.contains { $0.hasPrefix("hr-prod.yaml:11:7: warning: rule `transfer` can never apply") })
        #expect(warnings.contains { $0.contains("`defaults.write: allow` in `hr-prod.yaml`") })
        #expect(warnings.contains { $0.hasPrefix("hr-prod.yaml:15:23: warning: `defaults.write: confirm`") })
    }
}
