import Testing

@testable import FirewallCore

/// `PolicyExplanation`: the verdict is the proxy's, and the details agree with it.
struct PolicyExplanationTests {
    struct Call: Sendable, CustomTestStringConvertible {
        var tool: String
        var arguments: String
        var readOnly: Bool? = nil
        var testDescription: String { "\(tool) \(arguments)" }
    }

    static let calls: [Call] = [
        Call(tool: "get_weather", arguments: "{}"),
        Call(tool: "github.get_issue", arguments: "{}"),
        Call(tool: "github.delete_repo", arguments: "{}"),
        Call(tool: "rm", arguments: #"{"path":"/"}"#),
        Call(tool: "transfer", arguments: #"{"amount":5}"#),
        Call(tool: "transfer", arguments: #"{"amount":50}"#),
        Call(tool: "transfer", arguments: #"{"amount":5000}"#),
        Call(tool: "transfer", arguments: #"{"amount":"5000"}"#),
        Call(tool: "unknown", arguments: "{}", readOnly: true),
        Call(tool: "unknown", arguments: "{}"),
    ]

    @Test(arguments: calls)
    func verdictAndMatchedRulesAreTheProxys(_ call: Call) throws {
        let policy = try loadPolicy(PolicyEvaluationTests.policyText)
        let arguments = try json(call.arguments)
        let annotations = call.readOnly.map { ToolAnnotations(readOnlyHint: $0) }
        let explanation = PolicyExplanation(
            policy: policy, tool: call.tool, arguments: arguments, annotations: annotations)
        let verdict = policy.evaluate(tool: call.tool, arguments: arguments, annotations: annotations)
        #expect(explanation.verdict.decision == verdict.decision)
        #expect(explanation.verdict.toolClass == verdict.toolClass)
        #expect(explanation.verdict.rule?.location == verdict.rule?.location)
        #expect(
            explanation.hiddenFromToolsList
                == policy.deniesUnconditionally(tool: call.tool, annotations: annotations))
        // The proxy lists the rules that applied, plus the first one whose condition could not be evaluated.
        let applied =
            explanation.rules.filter { $0.outcome == .holds }
            + explanation.rules.filter { $0.outcome == .error }.prefix(1)
        #expect(Set(applied.map(\.rule.location)) == Set(verdict.matchedRules))
        let decidedByARule = [.rule, .evaluationError].contains(verdict.decisionSource)
        #expect(explanation.rules.filter(\.decides).count == (decidedByARule ? 1 : 0))
        #expect(!explanation.decisionWhy.isEmpty && !explanation.classWhy.isEmpty)
    }

    @Test func namesTheOperatorThatFailedAndSkipsTheRest() throws {
        let policy = try loadPolicy(
            """
            version: 1
            tools:
              - name: pay
                decision: allow
                when:
                  amount: {gte: 0, lte: 1000}
                  currency: EUR
            """)
        let explanation = PolicyExplanation(
            policy: policy, tool: "pay", arguments: try json(#"{"amount":5000,"currency":"EUR"}"#), annotations: nil)
        let rule = try #require(explanation.rules.first)
        #expect(rule.outcome == .fails)
        #expect(rule.conditions.map(\.outcome) == [.fails, .notReached])
        #expect(rule.conditions[0].operators.map(\.test) == ["gte 0", "lte 1000"])
        #expect(rule.conditions[0].operators.map(\.outcome) == [.holds, .fails])
        #expect(rule.conditions[0].value == .number("5000"))
        #expect(explanation.decisionWhy.contains("1 rule(s) with a decision do not apply"))
    }

    @Test func saysWhenATighterOnlyBaselineOverrulesTheOverlay() throws {
        let base = try loadPolicy("version: 1\ntools:\n  - name: deploy\n    decision: deny\n")
        var resolved = try loadPolicy("version: 1\ntools:\n  - name: deploy\n    decision: allow\n", path: "ci.yaml")
        resolved.environment = "ci"
        resolved.baseline = Policy.Baseline(base)
        let explanation = PolicyExplanation(policy: resolved, tool: "deploy", arguments: .object([]), annotations: nil)
        #expect(explanation.verdict.decision == .deny)
        #expect(
            explanation.decisionWhy.hasPrefix("tighten-only environment `ci`: with its overlay the call would be allow")
        )
        #expect(explanation.environment == "ci")
    }

    @Test func jsonRenderingParsesBack() throws {
        let policy = try loadPolicy(PolicyEvaluationTests.policyText)
        let explanation = PolicyExplanation(
            policy: policy, tool: "transfer", arguments: try json(#"{"amount":5000}"#), annotations: nil)
        let value = try json(explanation.renderJSON())
        #expect(value == explanation.jsonValue)
        #expect(value["decision"]?.stringValue == "deny")
        #expect(value["decision_why"]?.stringValue?.contains("deny beats allow") == false)
        #expect(explanation.renderText().hasSuffix("\n"))
    }
}

/// How `policy explain` describes the asking of a `confirm`.
struct PolicyExplanationApprovalTests {
    @Test func aConfirmShowsHowThePersonIsAskedWithTheRulesOwnSettings() throws {
        let policy = try loadPolicy(
            """
            version: 1
            approval: {timeout: 2m, remember: 10m, command: [ask]}
            tools:
              - name: deploy
                decision: confirm
                approval: {channels: [webhook, command, terminal], timeout: 30s, remember: {for: 5m, arguments: [env]}}
              - name: read_logs
                decision: allow
            """)
        let explained = PolicyExplanation(
            policy: policy, tool: "deploy", arguments: .object([]), annotations: nil)
        let approval = try #require(explained.approval)
        #expect(approval.configuredChannels == [.command, .terminal], "the webhook is not configured")
        #expect(approval.timeout == .seconds(30))
        let text = explained.renderText()
        #expect(
            text.contains(
                "approval  asked through command, then terminal (the first available); 30s to answer, then deny; "
                    + "nobody to ask: deny; remembered for 5m when the approver says so (bound to env)"), "\(text)")
        #expect(explained.jsonValue["approval"]?["timeout_ms"] == .number("30000"))
        let allowed = PolicyExplanation(policy: policy, tool: "read_logs", arguments: .object([]), annotations: nil)
        #expect(allowed.approval == nil)
        #expect(allowed.jsonValue["approval"] == .null)
    }
}
