/// Judges recorded calls against a policy, comparing with what each call expects or recorded.
///
/// The policy is asked for per environment, through `policy`: a closure that returns the effective
/// policy for an environment name (nil: no environment), so that environment overlays are applied
/// by whoever loads policies. It may throw (an unknown environment, say); the calls of that
/// environment then end in `error`. Each environment's policy is asked for once per run.
///
/// An environment a person named (`--env`, a scenario's `environment:`) must resolve. One that was
/// only recorded in a log falls back to the policy without an overlay when it does not resolve: the
/// proxy records a name (`dev`) even when the policy defines no such environment.
package struct ReplayRunner: Sendable {
    /// Returns the effective policy for an environment name, nil meaning none was given.
    package typealias PolicyResolver = @Sendable (_ environment: String?) throws -> Policy

    /// `--env`: judges recorded calls in this environment instead of the one they ran in, and
    /// scenarios that state no environment. A scenario's own `environment:` always wins.
    package var environment: String?
    package var policy: PolicyResolver

    package init(environment: String? = nil, policy: @escaping PolicyResolver) {
        self.environment = environment
        self.policy = policy
    }

    /// A runner for a single policy without environments.
    package init(policy: Policy) {
        self.init(policy: { _ in policy })
    }

    /// The environment `call` is judged in, and whether the name only comes from a recording.
    package func environment(for call: RecordedCall) -> (name: String?, recorded: Bool) {
        if call.statesEnvironment { return (call.environment ?? environment, false) }
        if let environment { return (environment, false) }
        return (call.environment, call.environment != nil)
    }

    /// Judges every call in order, timing each with `clock`.
    package func run(_ calls: [RecordedCall], clock: some Clock<Duration>) -> ReplayReport {
        var policies = PolicyCache(resolver: policy)
        var report = ReplayReport()
        for call in calls {
            let start = clock.now
            let (name, recorded) = environment(for: call)
            var outcome: ReplayOutcome
            switch policies.policy(for: name, recorded: recorded) {
            case .success(let policy):
                outcome = Self.judge(call, environment: name, policy: policy)
            case .failure(let error):
                outcome = ReplayOutcome(
                    call: call, environment: name, status: .error, decision: nil, message: error.message)
            }
            outcome.duration = start.duration(to: clock.now)
            report.outcomes.append(outcome)
        }
        return report
    }

    /// Judges one call against an effective policy.
    package static func judge(_ call: RecordedCall, environment: String?, policy: Policy) -> ReplayOutcome {
        let decision = policy.evaluate(tool: call.tool, arguments: call.arguments, annotations: call.annotations)
        if let expectation = call.expectation {
            var mismatches: [String] = []
            if decision.decision != expectation.decision {
                mismatches.append("expected \(expectation.decision.rawValue), got \(decision.decision.rawValue)")
            }
            if let expectedClass = expectation.toolClass, expectedClass != decision.toolClass {
                mismatches.append("expected class \(expectedClass.rawValue), got \(decision.toolClass.rawValue)")
            }
            return ReplayOutcome(
                call: call, environment: environment, status: mismatches.isEmpty ? .passed : .failed,
                decision: decision, message: mismatches.joined(separator: "; "))
        }
        guard let recorded = call.recorded else {
            return ReplayOutcome(call: call, environment: environment, status: .evaluated, decision: decision)
        }
        guard recorded.policyDecision != decision.decision else {
            return ReplayOutcome(call: call, environment: environment, status: .unchanged, decision: decision)
        }
        return ReplayOutcome(
            call: call, environment: environment, status: .changed, decision: decision,
            message: "recorded \(recorded.policyDecision.rawValue), now \(decision.decision.rawValue)")
    }
}

/// The effective policy of each environment, built once.
struct PolicyCache {
    /// Why an environment's policy could not be built.
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    let resolver: ReplayRunner.PolicyResolver
    private var built: [String?: Result<Policy, Failure>] = [:]

    init(resolver: @escaping ReplayRunner.PolicyResolver) {
        self.resolver = resolver
    }

    /// The policy for `environment`; a `recorded` name that does not resolve means no overlay.
    mutating func policy(for environment: String?, recorded: Bool = false) -> Result<Policy, Failure> {
        let result = build(environment)
        if recorded, case .failure = result, environment != nil { return build(nil) }
        return result
    }

    private mutating func build(_ environment: String?) -> Result<Policy, Failure> {
        if let cached = built[environment] { return cached }
        let result: Result<Policy, Failure>
        do {
            result = .success(try resolver(environment))
        } catch {
            let subject = environment.map { "environment `\($0)`" } ?? "the policy"
            result = .failure(Failure(message: "cannot build \(subject): \(error)"))
        }
        built[environment] = result
        return result
    }
}
