import Testing

@testable import FirewallCore

struct PolicyEvaluationTests {
    static let policyText = """
        version: 1
        defaults:
          read: allow
          write: confirm
          sensitive: deny
        unlisted:
          class: annotations
        tools:
          - name: get_weather
            class: read
            tags: [public]
          - name: github.*
            class: write
            tags: [vcs]
          - name: github.get_*
            decision: allow
            reason: Reading GitHub is harmless
            tags: [read, vcs]
          - name: github.delete_repo
            class: sensitive
          - name: [rm, format_disk]
            decision: deny
            reason: Never
          - name: send_email
            class: write
            decision: allow
          - name: transfer
            class: write
          - name: transfer
            decision: deny
            when:
              amount: {gt: 1000}
            reason: Large transfers are refused
            tags: [finance]
          - name: transfer
            decision: allow
            when:
              amount: {lte: 10}
            tags: [finance, small]
        """

    static let readOnly = ToolAnnotations(readOnlyHint: true)
    static let destructive = ToolAnnotations(readOnlyHint: false, destructiveHint: true)

    struct Case: Sendable, CustomTestStringConvertible {
        var tool: String
        var arguments = "{}"
        var annotations: ToolAnnotations? = nil
        var toolClass: ToolClass
        var decision: Decision
        var ruleLine: Int?
        var source: PolicyDecision.DecisionSource
        var testDescription: String { "\(tool) \(arguments) \(annotations.map { "\($0)" } ?? "")" }
    }

    static let cases: [Case] = [
        Case(tool: "get_weather", toolClass: .read, decision: .allow, ruleLine: 9, source: .classDefault),
        Case(
            tool: "get_weather", annotations: destructive, toolClass: .read, decision: .allow, ruleLine: 9,
            source: .classDefault),
        Case(tool: "github.create_issue", toolClass: .write, decision: .confirm, ruleLine: 12, source: .classDefault),
        Case(
            tool: "github.create_issue", annotations: readOnly, toolClass: .write, decision: .confirm, ruleLine: 12,
            source: .classDefault),
        Case(tool: "github.get_file", toolClass: .write, decision: .allow, ruleLine: 15, source: .rule),
        Case(
            tool: "github.delete_repo", annotations: readOnly, toolClass: .sensitive, decision: .deny, ruleLine: 19,
            source: .classDefault),
        Case(tool: "rm", toolClass: .write, decision: .deny, ruleLine: 21, source: .rule),
        Case(
            tool: "format_disk", annotations: readOnly, toolClass: .read, decision: .deny, ruleLine: 21, source: .rule),
        Case(tool: "send_email", toolClass: .write, decision: .allow, ruleLine: 24, source: .rule),
        Case(
            tool: "transfer", arguments: #"{"amount":5000}"#, toolClass: .write, decision: .deny, ruleLine: 29,
            source: .rule),
        Case(
            tool: "transfer", arguments: #"{"amount":500}"#, toolClass: .write, decision: .confirm, ruleLine: 27,
            source: .classDefault),
        Case(
            tool: "transfer", arguments: #"{"amount":10.0}"#, toolClass: .write, decision: .allow, ruleLine: 35,
            source: .rule),
        Case(tool: "transfer", toolClass: .write, decision: .confirm, ruleLine: 27, source: .classDefault),
        Case(
            tool: "transfer", arguments: #"{"amount":"5000"}"#, toolClass: .write, decision: .deny, ruleLine: 29,
            source: .evaluationError),
        Case(
            tool: "transfer", arguments: #"{"amount":"5"}"#, toolClass: .write, decision: .deny, ruleLine: 29,
            source: .evaluationError),
        Case(tool: "unknown", toolClass: .write, decision: .confirm, source: .classDefault),
        Case(tool: "unknown", annotations: readOnly, toolClass: .read, decision: .allow, source: .classDefault),
        Case(
            tool: "unknown", annotations: ToolAnnotations(readOnlyHint: false), toolClass: .write, decision: .confirm,
            source: .classDefault),
        Case(tool: "unknown", annotations: destructive, toolClass: .write, decision: .confirm, source: .classDefault),
        Case(
            tool: "unknown", annotations: ToolAnnotations(), toolClass: .write, decision: .confirm,
            source: .classDefault),
        Case(tool: "githubx", annotations: readOnly, toolClass: .read, decision: .allow, source: .classDefault),
        Case(tool: "GitHub.get_file", toolClass: .write, decision: .confirm, source: .classDefault),
    ]

    @Test(arguments: cases)
    func decidesEachCallFromThePolicy(_ testCase: Case) throws {
        let policy = try loadPolicy(Self.policyText)
        let result = policy.evaluate(
            tool: testCase.tool, arguments: try json(testCase.arguments), annotations: testCase.annotations)
        #expect(result.toolClass == testCase.toolClass)
        #expect(result.decision == testCase.decision)
        #expect(result.rule?.location.line == testCase.ruleLine)
        #expect(result.decisionSource == testCase.source)
        #expect(result.tool == testCase.tool)
    }

    @Test func recordsWhereTheClassCameFrom() throws {
        let policy = try loadPolicy(Self.policyText)
        func source(_ tool: String, _ annotations: ToolAnnotations?) -> PolicyDecision.ClassSource {
            policy.evaluate(tool: tool, arguments: .object([]), annotations: annotations).classSource
        }
        #expect(
            source("get_weather", Self.destructive) == .rule(SourceLocation(file: "policy.yaml", line: 9, column: 5)))
        #expect(source("github.delete_repo", nil) == .rule(SourceLocation(file: "policy.yaml", line: 19, column: 5)))
        #expect(source("unknown", Self.readOnly) == .annotations)
        #expect(source("unknown", nil) == .unannotated)
        #expect(source("rm", nil) == .unannotated)
    }

    @Test func unionsTagsAndListsMatchedRulesInFileOrder() throws {
        let policy = try loadPolicy(Self.policyText)
        let result = policy.evaluate(tool: "github.get_file", arguments: .object([]), annotations: nil)
        #expect(result.tags == ["vcs", "read"])
        #expect(result.matchedRules.map(\.line) == [12, 15])
        #expect(result.reason == "Reading GitHub is harmless")
        #expect(result.ruleName == "github.get_*")
        let transfer = policy.evaluate(tool: "transfer", arguments: try json(#"{"amount":1}"#), annotations: nil)
        #expect(transfer.tags == ["finance", "small"])
        #expect(transfer.matchedRules.map(\.line) == [27, 35])
        #expect(policy.evaluate(tool: "unknown", arguments: .object([]), annotations: nil).tags.isEmpty)
    }

    @Test func failsClosedOnATypeMismatch() throws {
        let policy = try loadPolicy(Self.policyText)
        let result = policy.evaluate(tool: "transfer", arguments: try json(#"{"amount":"5000"}"#), annotations: nil)
        #expect(result.decision == .deny && result.decisionSource == .evaluationError)
        #expect(result.reason.contains("argument `amount` is a string"))
        #expect(result.matchedRules.map(\.line) == [27, 29], "the rules that held, then the one that failed")
        #expect(result.tags == ["finance"])
    }

    static let precedenceRules = [
        "  - name: deploy\n    decision: allow\n    reason: allow rule\n    tags: [a]\n",
        "  - name: deploy\n    decision: confirm\n    reason: confirm rule\n    tags: [b]\n",
        "  - name: deploy\n    decision: deny\n    reason: deny rule\n    tags: [c]\n    when:\n      env: prod\n",
        "  - name: 'deploy*'\n    class: sensitive\n    when:\n      force: true\n",
    ]

    @Test(arguments: [
        #"{"env":"dev"}"#, #"{"env":"prod"}"#, #"{"env":"dev","force":true}"#, #"{"env":"prod","force":true}"#, "{}",
    ])
    func strictestDecisionWinsWhateverTheRuleOrder(_ arguments: String) throws {
        let forward = try loadPolicy("version: 1\ntools:\n" + Self.precedenceRules.joined())
        let reversed = try loadPolicy("version: 1\ntools:\n" + Self.precedenceRules.reversed().joined())
        let args = try json(arguments)
        let first = forward.evaluate(tool: "deploy", arguments: args, annotations: nil)
        let second = reversed.evaluate(tool: "deploy", arguments: args, annotations: nil)
        #expect(first.decision == second.decision)
        #expect(first.toolClass == second.toolClass)
        #expect(first.reason == second.reason)
        #expect(Set(first.tags) == Set(second.tags))
        let isProd = args["env"] == .string("prod")
        #expect(first.decision == (isProd ? .deny : .confirm))
        #expect(first.reason == (isProd ? "deny rule" : "confirm rule"))
        #expect(first.toolClass == (args["force"] == .bool(true) ? .sensitive : .write))
    }

    @Test func unlistedDecisionDeniesToolsNoRuleNames() throws {
        let policy = try loadPolicy(
            "version: 1\nunlisted: {decision: deny}\ntools:\n  - name: get_time\n    class: read\n"
                + "  - name: maybe\n    decision: deny\n    when:\n      x: 1\n"
        )
        let listed = policy.evaluate(tool: "get_time", arguments: .object([]), annotations: nil)
        #expect(listed.decision == .allow)
        let unlisted = policy.evaluate(tool: "other", arguments: .object([]), annotations: Self.readOnly)
        #expect(unlisted.decision == .deny && unlisted.decisionSource == .unlistedSetting && unlisted.rule == nil)
        #expect(unlisted.toolClass == .read)
        let named = policy.evaluate(tool: "maybe", arguments: try json(#"{"x":2}"#), annotations: nil)
        #expect(named.decision == .confirm && named.decisionSource == .classDefault)
    }

    @Test func unlistedClassOverridesAnnotationsOnlyForUnlistedTools() throws {
        let policy = try loadPolicy("version: 1\nunlisted: {class: sensitive}\ntools:\n  - name: ok\n    class: read\n")
        let unlisted = policy.evaluate(tool: "other", arguments: .object([]), annotations: Self.readOnly)
        #expect(
            unlisted.toolClass == .sensitive && unlisted.classSource == .unlistedSetting && unlisted.decision == .deny)
        #expect(policy.evaluate(tool: "ok", arguments: .object([]), annotations: nil).decision == .allow)
    }

    struct DenialCase: Sendable, CustomTestStringConvertible {
        var policy: String
        var tool: String
        var annotations: ToolAnnotations?
        var denies: Bool
        var testDescription: String { "\(tool) \(denies)" }
    }

    static let gatedPolicy = """
        version: 1
        defaults: {read: allow, write: deny, sensitive: deny}
        tools:
          - name: reader
            class: read
          - name: reader
            class: sensitive
            when: {path: {glob: "/etc/*"}}
          - name: lister
            decision: deny
            when: {all: true}
          - name: vault
            class: sensitive
          - name: vault
            decision: confirm
            when: {ticket: {exists: true}}
          - name: writer
            class: sensitive
            when: {force: true}
        """
    static let strictPolicy = "version: 1\nunlisted: {decision: deny}\ntools:\n  - name: get_time\n    class: read\n"

    static let denialCases: [DenialCase] = [
        DenialCase(policy: policyText, tool: "rm", denies: true),
        DenialCase(policy: policyText, tool: "format_disk", annotations: readOnly, denies: true),
        DenialCase(policy: policyText, tool: "github.delete_repo", denies: true),
        DenialCase(policy: policyText, tool: "github.get_file", denies: false),
        DenialCase(policy: policyText, tool: "github.create_issue", denies: false),
        DenialCase(policy: policyText, tool: "transfer", denies: false),
        DenialCase(policy: policyText, tool: "unknown", denies: false),
        DenialCase(policy: gatedPolicy, tool: "reader", denies: false),
        DenialCase(policy: gatedPolicy, tool: "lister", annotations: readOnly, denies: false),
        DenialCase(policy: gatedPolicy, tool: "lister", denies: true),
        DenialCase(policy: gatedPolicy, tool: "vault", denies: false),
        DenialCase(policy: gatedPolicy, tool: "writer", denies: true),
        DenialCase(policy: gatedPolicy, tool: "unknown", denies: true),
        DenialCase(policy: gatedPolicy, tool: "unknown", annotations: readOnly, denies: false),
        DenialCase(policy: strictPolicy, tool: "unknown", annotations: readOnly, denies: true),
        DenialCase(policy: strictPolicy, tool: "get_time", denies: false),
    ]

    @Test(arguments: denialCases)
    func deniesUnconditionallyOnlyWhenNoCallCouldRun(_ testCase: DenialCase) throws {
        let policy = try loadPolicy(testCase.policy)
        #expect(policy.deniesUnconditionally(tool: testCase.tool, annotations: testCase.annotations) == testCase.denies)
        let samples = [
            "{}", #"{"path":"/etc/x","all":true,"ticket":1,"force":true,"amount":5}"#,
            #"{"path":"/tmp","amount":5000}"#,
        ]
        let decisions = try samples.map {
            policy.evaluate(tool: testCase.tool, arguments: try json($0), annotations: testCase.annotations).decision
        }
        if testCase.denies {
            #expect(decisions.allSatisfy { $0 == .deny }, "\(decisions)")
        } else {
            #expect(decisions.contains { $0 != .deny }, "\(decisions)")
        }
    }
}

/// Deny regexes see every Unicode scalar: invisible characters cannot split a word.
struct PolicyRegexTests {
    @Test(arguments: ["raise her salary", "raise her salary\u{200D}", "raise her salary\u{0301}", "SALARY"])
    func denyRegexMatchesDespiteInvisibleCharacters(_ text: String) throws {
        let policy = try loadPolicy(
            """
            version: 1
            tools:
              - name: note
                decision: deny
                when:
                  text: {regex: "(?i)salary"}
            """)
        let decision = policy.evaluate(
            tool: "note", arguments: .object([.init("text", .string(text))]), annotations: nil)
        #expect(decision.decision == .deny)
    }
}
