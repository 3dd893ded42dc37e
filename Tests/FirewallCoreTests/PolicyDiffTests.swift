import Testing

@testable import FirewallCore

struct PolicyDiffTests {
    static let stricter = """
        version: 1
        unlisted: {decision: deny}
        tools:
          - name: get_employee
            class: read
          - name: update_salary
            decision: deny
            reason: Salaries are set in the HR system
        """

    @Test func listsEveryCallWhoseDecisionChangesWithBothRules() throws {
        let old = try loadPolicy(ReplayFixtures.hrPolicy, path: "old.yaml")
        let new = try loadPolicy(Self.stricter, path: "new.yaml")
        let calls = [
            ReplayFixtures.logged("get_employee", recorded: .allow, call: 1),
            ReplayFixtures.logged(
                "update_salary", arguments: try json(#"{"new_salary":1}"#), recorded: .confirm, call: 2),
            ReplayFixtures.logged("list_employees", recorded: .allow, call: 3),
        ]
        let diff = PolicyDiff(calls: calls, old: old, new: new)
        #expect(diff.unchanged == 1)
        #expect(diff.problems.isEmpty)
        #expect(diff.changes.map(\.call.tool) == ["update_salary", "list_employees"])
        #expect(
            diff.changes[0].summary == #"update_salary {"new_salary":1}: confirm (old.yaml:5) → deny (new.yaml:6)"#)
        #expect(diff.changes[0].new.reason == "Salaries are set in the HR system")
        #expect(diff.changes[1].summary == "list_employees {}: allow (old.yaml:3) → deny (unlisted)")
    }

    @Test func samePolicyChangesNothing() throws {
        let policy = try loadPolicy(ReplayFixtures.hrPolicy)
        let calls = ["get_employee", "update_salary", "delete_employee", "other"].map {
            ReplayFixtures.logged($0, recorded: .allow)
        }
        let diff = PolicyDiff(calls: calls, old: policy, new: policy)
        #expect(diff.changes.isEmpty)
        #expect(diff.unchanged == 4)
    }

    @Test func judgesBothSidesInTheSameEnvironment() throws {
        let old = try loadPolicy(ReplayFixtures.hrPolicy, path: "old.yaml")
        let strict = try loadPolicy("version: 1\nunlisted: {decision: deny}\n", path: "strict.yaml")
        let call = ReplayFixtures.logged("get_employee", environment: "prod", recorded: .allow)
        let diff = PolicyDiff(
            calls: [call], old: { _ in old }, new: { name in name == "prod" ? strict : old })
        #expect(diff.changes.map(\.environment) == ["prod"])
        let overridden = PolicyDiff(
            calls: [call], old: { _ in old }, new: { name in name == "prod" ? strict : old }, environment: "dev")
        #expect(overridden.changes.isEmpty)
    }

    @Test func reportsCallsAnEnvironmentCannotBeBuiltFor() throws {
        let old = try loadPolicy(ReplayFixtures.hrPolicy)
        let call = ReplayFixtures.logged("get_employee", recorded: .allow)
        let diff = PolicyDiff(
            calls: [call], old: { _ in old },
            new: { name in
                guard name == nil else { throw PolicyCache.Failure(message: "unknown") }
                return old
            }, environment: "prod")
        #expect(diff.problems.map(\.message) == ["cannot build environment `prod`: unknown"])
    }
}
