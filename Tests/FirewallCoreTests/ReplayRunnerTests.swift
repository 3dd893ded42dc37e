import Synchronization
import Testing

@testable import FirewallCore

struct ReplayRunnerTests {
    static func policy() throws -> Policy { try loadPolicy(ReplayFixtures.hrPolicy, path: "hr.yaml") }

    static func run(_ calls: [RecordedCall], runner: ReplayRunner) -> ReplayReport {
        runner.run(calls, clock: ContinuousClock())
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var tool: String
        var arguments = "{}"
        var annotations: ToolAnnotations?
        var expect: Decision
        var status: ReplayOutcome.Status
        var testDescription: String { "\(tool) \(arguments) expecting \(expect.rawValue) → \(status.rawValue)" }
    }

    static let cases: [Case] = [
        Case(tool: "get_employee", expect: .allow, status: .passed),
        Case(tool: "get_employee", expect: .deny, status: .failed),
        Case(tool: "update_salary", arguments: #"{"new_salary":1000}"#, expect: .confirm, status: .passed),
        Case(tool: "update_salary", arguments: #"{"new_salary":900000}"#, expect: .deny, status: .passed),
        Case(tool: "update_salary", arguments: #"{"new_salary":900000}"#, expect: .confirm, status: .failed),
        Case(tool: "update_salary", arguments: #"{"new_salary":"9"}"#, expect: .deny, status: .passed),
        Case(tool: "delete_employee", expect: .deny, status: .passed),
        Case(tool: "unlisted", annotations: ToolAnnotations(readOnlyHint: true), expect: .allow, status: .passed),
        Case(tool: "unlisted", expect: .confirm, status: .passed),
        Case(tool: "unlisted", expect: .allow, status: .failed),
    ]

    @Test(arguments: cases)
    func scenariosPassExactlyWhenThePolicyReachesTheExpectedDecision(_ testCase: Case) throws {
        let call = ReplayFixtures.scenario(
            "case", tool: testCase.tool, arguments: try json(testCase.arguments), annotations: testCase.annotations,
            expect: testCase.expect)
        let outcome = ReplayRunner.judge(call, environment: nil, policy: try Self.policy())
        #expect(outcome.status == testCase.status)
    }

    @Test func aFailureNamesExpectedAndActualDecisionAndTheWinningRule() throws {
        let call = ReplayFixtures.scenario(
            "big raise", tool: "update_salary", arguments: try json(#"{"new_salary":900000}"#), expect: .confirm)
        let report = Self.run([call], runner: ReplayRunner(policy: try Self.policy()))
        let outcome = try #require(report.outcomes.first)
        #expect(outcome.status == .failed)
        #expect(outcome.message == "expected confirm, got deny")
        #expect(outcome.ruleText == "hr.yaml:8")
        #expect(outcome.decision?.reason == "Too large")
        #expect(outcome.details.contains("rule: hr.yaml:8"))
        #expect(outcome.details.contains("at: s.yaml:1:5"))
        #expect(!report.succeeded(allowingChanges: true))
    }

    @Test func aWrongClassFailsEvenWhenTheDecisionMatches() throws {
        let call = ReplayFixtures.scenario("c", tool: "delete_employee", expect: .deny, expectClass: .write)
        let outcome = ReplayRunner.judge(call, environment: nil, policy: try Self.policy())
        #expect(outcome.status == .failed)
        #expect(outcome.message == "expected class write, got sensitive")
        #expect(outcome.actualText == "deny (sensitive)")
    }

    @Test func recordedCallsAreChangedOnlyWhenThePolicyDecisionDiffers() throws {
        let calls = [
            ReplayFixtures.logged("get_employee", recorded: .allow, call: 1),
            ReplayFixtures.logged("delete_employee", recorded: .confirm, call: 2),
        ]
        let report = Self.run(calls, runner: ReplayRunner(policy: try Self.policy()))
        #expect(report.outcomes.map(\.status) == [.unchanged, .changed])
        #expect(report.outcomes[1].message == "recorded confirm, now deny")
        #expect(report.outcomes[1].expectedText == "confirm (recorded)")
        #expect(!report.succeeded(allowingChanges: false))
        #expect(report.succeeded(allowingChanges: true))
        #expect(report.totalsLine == "2 call(s): 1 changed, 1 unchanged")
    }

    @Test func importedCallsWithoutAVerdictAreOnlyEvaluated() throws {
        let call = RecordedCall(
            origin: .auditTrail(event: 6, requestID: "3"), location: SourceLocation(file: "t.json", line: 9, column: 1),
            tool: "update_salary", flags: ["write"])
        let report = Self.run([call], runner: ReplayRunner(policy: try Self.policy()))
        #expect(report.outcomes.map(\.status) == [.evaluated])
        #expect(report.outcomes[0].decision?.decision == .confirm)
        #expect(report.succeeded(allowingChanges: false))
    }

    /// A resolver that allows everything in `ci`, denies everything in `prod`, and knows no other name.
    static func environments(asked: Asked? = nil) throws -> ReplayRunner.PolicyResolver {
        let base = try policy()
        let ci = try loadPolicy(
            "version: 1\ndefaults: {read: allow, write: allow, sensitive: allow}\n", path: "ci.yaml")
        let prod = try loadPolicy("version: 1\nunlisted: {decision: deny}\n", path: "prod.yaml")
        return { name in
            asked?.names.withLock { $0.append(name) }
            switch name {
            case nil: return base
            case "ci": return ci
            case "prod": return prod
            case let other?: throw PolicyCache.Failure(message: "no environment \(other)")
            }
        }
    }

    @Test func aScenarioEnvironmentWinsOverEnvWhichWinsOverTheRecordedOne() throws {
        let calls = [
            ReplayFixtures.scenario("stated", tool: "x", environment: "ci", expect: .allow),
            ReplayFixtures.scenario("unstated", tool: "x", expect: .deny),
            ReplayFixtures.logged("x", environment: "ci", recorded: .allow),
        ]
        let withEnv = Self.run(calls, runner: ReplayRunner(environment: "prod", policy: try Self.environments()))
        #expect(withEnv.outcomes.map(\.environment) == ["ci", "prod", "prod"])
        #expect(withEnv.outcomes.map(\.status) == [.passed, .passed, .changed])
        let without = Self.run(calls, runner: ReplayRunner(policy: try Self.environments()))
        #expect(without.outcomes.map(\.environment) == ["ci", nil, "ci"])
        #expect(without.outcomes.map(\.status) == [.passed, .failed, .unchanged])
    }

    @Test func aRecordedEnvironmentThePolicyLacksFallsBackButANamedOneIsAnError() throws {
        let calls = [
            ReplayFixtures.logged("get_employee", environment: "dev", recorded: .allow),
            ReplayFixtures.scenario("named", tool: "get_employee", environment: "staging", expect: .allow),
        ]
        let report = Self.run(calls, runner: ReplayRunner(policy: try Self.environments()))
        #expect(report.outcomes.map(\.status) == [.unchanged, .error])
        #expect(report.outcomes[1].message == "cannot build environment `staging`: no environment staging")
        #expect(report.outcomes[1].decision == nil)
        #expect(!report.succeeded(allowingChanges: true))
    }

    @Test func buildsEachEnvironmentsPolicyOnce() throws {
        let asked = Asked()
        let calls = (1...5).map {
            ReplayFixtures.logged("x", environment: $0.isMultiple(of: 2) ? "ci" : nil, recorded: .allow, call: $0)
        }
        _ = Self.run(calls, runner: ReplayRunner(policy: try Self.environments(asked: asked)))
        #expect(asked.names.withLock { $0 } == [nil, "ci"])
    }

    /// The environment names a resolver was asked for, in order.
    final class Asked: Sendable {
        let names = Mutex<[String?]>([])
    }
}
