/// The verdict of a replay on one recorded call.
package struct ReplayOutcome: Sendable {
    /// How the call fared.
    package enum Status: String, Sendable, Hashable, CaseIterable {
        /// The policy reached the decision (and class) the scenario expects.
        case passed
        /// The policy reached another decision or class than the scenario expects.
        case failed
        /// The policy now decides otherwise than it did when the call was recorded.
        case changed
        /// The policy decides as it did when the call was recorded.
        case unchanged
        /// Nothing to compare with (an imported log records no decision): the decision is only reported.
        case evaluated
        /// The call could not be judged: its environment's policy could not be built.
        case error
    }

    package var call: RecordedCall
    /// The environment the call was judged in.
    package var environment: String?
    package var status: Status
    /// What the policy decided; nil when the call could not be judged.
    package var decision: PolicyDecision?
    /// Why the call failed, changed or could not be judged; empty otherwise.
    package var message: String
    /// How long judging the call took.
    package var duration: Duration

    package init(
        call: RecordedCall, environment: String?, status: Status, decision: PolicyDecision?, message: String = "",
        duration: Duration = .zero
    ) {
        self.call = call
        self.environment = environment
        self.status = status
        self.decision = decision
        self.message = message
        self.duration = duration
    }

    /// What the call was measured against: the expected decision, the recorded one, or nothing.
    package var expectedText: String {
        if let expectation = call.expectation {
            return expectation.decision.rawValue + (expectation.toolClass.map { " (\($0.rawValue))" } ?? "")
        }
        return call.recorded.map { "\($0.policyDecision.rawValue) (recorded)" } ?? "-"
    }

    /// The policy's decision now, with the class when the scenario checks it.
    package var actualText: String {
        guard let decision else { return "-" }
        let showClass = call.expectation?.toolClass != nil
        return decision.decision.rawValue + (showClass ? " (\(decision.toolClass.rawValue))" : "")
    }

    /// The winning rule as `file:line`, or the setting that decided.
    package var ruleText: String { decision?.decidedBy ?? "-" }

    /// `key: value` lines describing the call and the verdict, for failure bodies and text output.
    package var details: [String] {
        var lines = ["tool: \(call.tool)", "arguments: \(call.argumentsSummary(limit: 400))"]
        if let environment { lines.append("environment: \(environment)") }
        lines.append("expected: \(expectedText)")
        lines.append("actual: \(actualText)")
        if let decision {
            lines.append("rule: \(ruleText)")
            lines.append("reason: \(decision.reason)")
        }
        if let rule = call.recorded?.rule { lines.append("recorded rule: \(rule)") }
        if !call.flags.isEmpty { lines.append("flags: \(call.flags.joined(separator: ", "))") }
        lines.append("at: \(call.locationDescription)")
        return lines
    }

    /// Whether the outcome breaks a run; changes only do when they are not allowed.
    package func isProblem(allowingChanges: Bool) -> Bool {
        switch status {
        case .failed, .error: true
        case .changed: !allowingChanges
        case .passed, .unchanged, .evaluated: false
        }
    }
}

/// Every outcome of one replay, in input order, with totals.
package struct ReplayReport: Sendable {
    package var outcomes: [ReplayOutcome]

    package init(outcomes: [ReplayOutcome] = []) {
        self.outcomes = outcomes
    }

    /// How many outcomes have `status`.
    package func count(_ status: ReplayOutcome.Status) -> Int {
        outcomes.count { $0.status == status }
    }

    /// The outcomes that break the run.
    package func problems(allowingChanges: Bool) -> [ReplayOutcome] {
        outcomes.filter { $0.isProblem(allowingChanges: allowingChanges) }
    }

    /// Whether every expectation held and, unless allowed, no decision changed.
    package func succeeded(allowingChanges: Bool) -> Bool {
        problems(allowingChanges: allowingChanges).isEmpty
    }

    /// The time spent judging all calls.
    package var duration: Duration { outcomes.reduce(.zero) { $0 + $1.duration } }

    /// `12 call(s): 10 passed, 1 failed, 1 changed`, naming only the statuses that occur.
    package var totalsLine: String {
        let parts = ReplayOutcome.Status.allCases.compactMap { status -> String? in
            let count = count(status)
            return count == 0 ? nil : "\(count) \(status.rawValue)"
        }
        return "\(outcomes.count) call(s)" + (parts.isEmpty ? "" : ": " + parts.joined(separator: ", "))
    }
}

extension PolicyDecision {
    /// What settled the decision, for reports: the rule's `file:line`, `unlisted`, or `write default`.
    package var decidedBy: String {
        if let rule { return rule.location.fileAndLine }
        return decisionSource == .unlistedSetting ? "unlisted" : "\(toolClass.rawValue) default"
    }
}
