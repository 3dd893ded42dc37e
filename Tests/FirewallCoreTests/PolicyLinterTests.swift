import Testing

@testable import FirewallCore

/// `PolicyLinter`: warnings for policies that load but do not do what they seem to.
struct PolicyLinterTests {
    /// Lints `text` loaded from `path` (the file name matters for the production and CI checks).
    func warnings(_ text: String, path: String = "policy.yaml") throws -> [PolicyDiagnostic] {
        let diagnostics = PolicyLinter.lintAll(try loadPolicy("version: 1\n" + text, path: path))
        #expect(diagnostics.allSatisfy { $0.severity == .warning })
        return diagnostics
    }

    // MARK: Shadowed rules

    @Test(arguments: ["update_salary", "update_*", "'*'", "[get_employee, 'update_sal?ry']"])
    func warnsWhenAnUnconditionalStricterRuleNamesEveryToolOfTheRule(_ stricterName: String) throws {
        let found = try warnings(
            """
            tools:
              - name: update_salary
                decision: allow
              - name: \(stricterName)
                decision: deny
            """)
        let shadowed = try #require(found.first)
        #expect(found.count == 1)
        #expect(shadowed.location == SourceLocation(file: "policy.yaml", line: 3, column: 5))
        #expect(shadowed.message.contains("can never decide: its allow always loses to deny"))
        #expect(shadowed.message.contains("policy.yaml:5:5"))
        #expect(shadowed.hint?.contains("deny beats allow whatever the order") == true)
    }

    @Test func doesNotWarnWhenTheStricterRuleHasAConditionOrCoversOnlySomeNames() throws {
        let found = try warnings(
            """
            tools:
              - name: update_salary
                decision: allow
              - name: update_salary
                decision: deny
                when:
                  amount: {gt: 100}
              - name: [update_salary, update_title]
                decision: allow
              - name: update_title
                decision: deny
              - name: update_s*
                decision: confirm
              - name: update_salary
                decision: deny
            """)
        // The allow at line 3 loses to `update_s*` (line 13); no single rule names both tools of the list
        // at line 9; a literal name does not cover the glob `update_s*`; a rule with `when:` covers nothing.
        #expect(found.map(\.location.line) == [3])
        #expect(found.first?.message.contains("policy.yaml:13:5") == true)
    }

    @Test func equalDecisionsDoNotShadowEachOther() throws {
        let found = try warnings(
            """
            tools:
              - name: update_*
                decision: confirm
              - name: update_salary
                class: write
                decision: confirm
            """)
        #expect(found.isEmpty)
    }

    // MARK: Unreachable rules

    struct ConditionCase: Sendable, CustomTestStringConvertible {
        var condition: String
        var unreachable: Bool
        var testDescription: String { "\(condition) → \(unreachable ? "unreachable" : "fine")" }
    }

    static let conditions: [ConditionCase] = [
        ConditionCase(condition: "amount: {gt: 10, lt: 5}", unreachable: true),
        ConditionCase(condition: "amount: {gte: 10, lte: 10}", unreachable: false),
        ConditionCase(condition: "amount: {gt: 10, lte: 10}", unreachable: true),
        ConditionCase(condition: "amount: {gte: 1, gt: 3, lt: 4}", unreachable: false),
        ConditionCase(condition: "mode: {in: []}", unreachable: true),
        ConditionCase(condition: "mode: {not_in: [a], in: [b]}", unreachable: false),
        ConditionCase(condition: "mode: {exists: false, glob: 'a*'}", unreachable: true),
        ConditionCase(condition: "mode: {exists: false, gt: 1}", unreachable: true),
        ConditionCase(condition: "mode: {exists: false, not_equals: fast}", unreachable: false),
        ConditionCase(condition: "mode: {equals: fast, not_equals: fast}", unreachable: true),
        ConditionCase(condition: "mode: {equals: 1, not_equals: 1.0}", unreachable: true),
        ConditionCase(condition: "mode: {equals: fast, not_equals: slow}", unreachable: false),
        ConditionCase(condition: "mode: {equals: fast, in: [slow, safe]}", unreachable: true),
        ConditionCase(condition: "mode: {equals: fast, not_in: [fast]}", unreachable: true),
        ConditionCase(condition: "amount: {equals: 3, gt: 5}", unreachable: true),
        ConditionCase(condition: "path: {equals: /tmp/x, glob: '/etc/*'}", unreachable: true),
        ConditionCase(condition: "path: {equals: /etc/x, glob: '/etc/*'}", unreachable: false),
    ]

    @Test(arguments: conditions)
    func warnsAboutConditionsThatCanNeverHold(_ testCase: ConditionCase) throws {
        let found = try warnings(
            """
            tools:
              - name: transfer
                decision: deny
                when:
                  other: 1
                  \(testCase.condition)
            """)
        #expect(found.count == (testCase.unreachable ? 1 : 0), "\(found)")
        if testCase.unreachable {
            #expect(found.first?.location == SourceLocation(file: "policy.yaml", line: 7, column: 7))
            #expect(found.first?.message.contains("can never apply") == true)
        }
    }

    @Test func warnsAboutARuleThatRepeatsAnEarlierOne() throws {
        let found = try warnings(
            """
            tools:
              - name: [update_salary, update_title]
                decision: deny
                when:
                  amount: {gt: 10, lte: 100}
              - name: update_salary
                decision: deny
                when:
                  amount: {lte: 100, gt: 10}
                tags: [again]
              - name: update_salary
                decision: deny
                when:
                  amount: {gt: 11, lte: 100}
            """)
        #expect(found.count == 1)
        #expect(found.first?.location.line == 7)
        #expect(found.first?.message.contains("repeats rule `update_salary|update_title` at policy.yaml:3:5") == true)
    }

    // MARK: Production

    static let productionPolicy = """
        defaults: {read: allow, write: confirm, sensitive: deny}
        approval: {unattended: deny}
        tools:
          - name: update_salary
            class: write
          - name: update_salary
            decision: allow
            when:
              amount: {lt: 100}
          - name: wipe
            class: sensitive
            decision: allow
          - name: get_employee
            decision: allow
        environments:
          dev:
            tighten_only: false
            defaults: {write: allow}
            approval: {unattended: allow}
          Prod-EU:
            tighten_only: false
            defaults: {write: allow}
            approval: {unattended: allow}
        """

    @Test func warnsAboutWriteAndSensitiveToolsAllowedWithoutConfirmationInProduction() throws {
        let found = try warnings(Self.productionPolicy)
        #expect(found.allSatisfy { $0.message.contains("in environment `Prod-EU`") }, "dev is not production")
        let byLine = found.map { "\($0.location.line): \($0.message)" }
        #expect(byLine.count == 4, "\(byLine)")
        #expect(byLine.contains { $0.hasPrefix("23: `defaults.write: allow`") })
        #expect(byLine.contains { $0.hasPrefix("24: `unattended: allow`") })
        #expect(byLine.contains { $0.hasPrefix("7: rule `update_salary` allows a write tool") && $0.contains("when") })
        #expect(byLine.contains { $0.hasPrefix("11: rule `wipe` allows a sensitive tool") })
    }

    @Test(arguments: [("hr-prod.yaml", 2), ("live.yaml", 2), ("production/hr.yaml", 0), ("products.yaml", 0)])
    func withoutEnvironmentsTheFileNameTellsProduction(_ path: String, expected: Int) throws {
        let found = try warnings(
            """
            defaults: {write: allow}
            tools:
              - name: export_payroll
                class: sensitive
                decision: allow
            """, path: path)
        #expect(found.count == expected, "\(found)")
        if expected > 0 { #expect(found[0].message.contains("its name looks like production")) }
    }

    @Test func lintTakesAPolicyAlreadyResolvedForAnEnvironment() throws {
        let policy = try loadPolicy("version: 1\n" + Self.productionPolicy)
        let resolved = try policy.selecting(environment: "Prod-EU")
        #expect(PolicyLinter.lint(resolved, environmentName: "Prod-EU").count == 4)
        #expect(PolicyLinter.lint(policy, environmentName: "dev").isEmpty)
    }

    // MARK: CI

    @Test(arguments: [("deny", "denies such calls"), ("fail", "exit 75"), ("allow", "without anyone confirming")])
    func warnsAboutConfirmInCIAndSaysWhatUnattendedDoes(_ unattended: String, outcome: String) throws {
        let found = try warnings(
            """
            defaults: {write: deny}
            tools:
              - name: update_salary
                decision: confirm
            environments:
              ci:
                tighten_only: false
                approval: {unattended: \(unattended)}
            """)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.location.line == 4)
        #expect(
            found.first?.message.contains("in environment `ci`, where nobody can answer it") == true)
        let hint = try #require(found.first?.hint)
        #expect(hint.hasPrefix("`unattended: \(unattended)`") && hint.contains(outcome), "\(hint)")
    }

    @Test func aHookOrWebhookChannelCanAnswerInCI() throws {
        for channel in ["command: [ask-oncall]", "webhook: {url: \"https://chat.example/a\", secret_env: S}"] {
            let found = try warnings(
                """
                approval: {\(channel)}
                tools:
                  - name: deploy
                    decision: confirm
                """, path: "policies/ci.yaml")
            #expect(found.isEmpty, "\(found)")
        }
    }

    @Test func aCIFileNameCountsButAWordThatMerelyContainsCIDoesNot() throws {
        let text = "tools:\n  - name: deploy\n    decision: confirm\n"
        let ci = try warnings(text, path: "policies/ci.yaml")
        #expect(ci.count == 2, "the default write: confirm and the rule: \(ci)")
        #expect(ci.first?.location == SourceLocation(file: "policies/ci.yaml", line: 1, column: 1))
        #expect(try warnings(text, path: "policies/policies.yaml").isEmpty)
    }

    @Test func lintAllReportsABaseRuleOnceAcrossEnvironments() throws {
        let found = try warnings(
            """
            tools:
              - name: a
                decision: allow
              - name: a
                decision: deny
            environments:
              dev: {approval: {unattended: deny}}
              staging: {approval: {unattended: deny}}
            """)
        #expect(found.count == 1)
    }
}
