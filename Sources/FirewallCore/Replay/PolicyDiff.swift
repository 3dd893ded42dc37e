/// The recorded calls whose decision changes between two policies: what `policy diff` reports.
///
/// Each call is judged by both policies in the same environment (its recorded one, or `--env`),
/// and listed when the decisions differ, with the deciding rule of each side.
package struct PolicyDiff: Sendable {
    /// One call whose decision changes.
    package struct Change: Sendable {
        package var call: RecordedCall
        /// The environment both policies judged the call in.
        package var environment: String?
        package var old: PolicyDecision
        package var new: PolicyDecision

        /// `get_employee {"employee_id":"E-1001"}: allow (old.yaml:13) → deny (new.yaml:20)`.
        package var summary: String {
            "\(call.tool) \(call.argumentsSummary()): \(old.decision.rawValue) (\(old.decidedBy))"
                + " → \(new.decision.rawValue) (\(new.decidedBy))"
        }
    }

    /// A call that one of the policies could not judge (its environment could not be built).
    package struct Problem: Sendable {
        package var call: RecordedCall
        package var message: String
    }

    package var changes: [Change] = []
    package var problems: [Problem] = []
    /// How many calls keep their decision.
    package var unchanged = 0

    /// Compares `old` and `new` on `calls`; `environment` overrides each call's recorded one.
    package init(
        calls: [RecordedCall], old: @escaping ReplayRunner.PolicyResolver, new: @escaping ReplayRunner.PolicyResolver,
        environment: String? = nil
    ) {
        var oldPolicies = PolicyCache(resolver: old)
        var newPolicies = PolicyCache(resolver: new)
        let runner = ReplayRunner(environment: environment, policy: old)
        for call in calls {
            let (name, recorded) = runner.environment(for: call)
            switch (
                oldPolicies.policy(for: name, recorded: recorded), newPolicies.policy(for: name, recorded: recorded)
            ) {
            case (.success(let oldPolicy), .success(let newPolicy)):
                let before = oldPolicy.evaluate(
                    tool: call.tool, arguments: call.arguments, annotations: call.annotations)
                let after = newPolicy.evaluate(
                    tool: call.tool, arguments: call.arguments, annotations: call.annotations)
                if before.decision == after.decision {
                    unchanged += 1
                } else {
                    changes.append(Change(call: call, environment: name, old: before, new: after))
                }
            case (.failure(let failure), _), (_, .failure(let failure)):
                problems.append(Problem(call: call, message: failure.message))
            }
        }
    }

    /// Compares two policies without environments.
    package init(calls: [RecordedCall], old: Policy, new: Policy) {
        self.init(calls: calls, old: { _ in old }, new: { _ in new })
    }
}
