import Foundation
import Testing

@testable import FirewallCore

struct PolicyLoaderTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let shippedPolicies: [String] = {
        let directory = repositoryRoot.appendingPathComponent("policies")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
    }()

    @Test func findsTheShippedPolicies() {
        #expect(Self.shippedPolicies.count >= 4)
        #expect(Self.shippedPolicies.contains("default.yaml"))
    }

    @Test(arguments: shippedPolicies)
    func loadsEveryShippedPolicyWithoutWarnings(_ name: String) throws {
        let path = Self.repositoryRoot.appendingPathComponent("policies").appendingPathComponent(name).path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let (policy, warnings) = try PolicyLoader.load(text: text, path: path)
        #expect(warnings.isEmpty, "\(warnings)")
        #expect(policy.version == 1)
        #expect(policy.source.path == path)
    }

    @Test func readsEverySetting() throws {
        let policy = try loadPolicy(
            """
            version: 1
            description: "Everything"
            defaults: {read: confirm, write: deny}
            unlisted: {class: sensitive, decision: allow}
            approval: {timeout: 90s}
            tools:
              - name: [a, "b.*"]
                class: read
                decision: confirm
                reason: Because
                tags: [x, audit]
                when:
                  path: {glob: "/tmp/*"}
            """
        )
        #expect(policy.defaults == [.read: .confirm, .write: .deny, .sensitive: .deny])
        #expect(policy.unlisted == Policy.Unlisted(toolClass: .sensitive, decision: .allow))
        #expect(policy.approval.timeout == .seconds(90))
        let rule = try #require(policy.rules.first)
        #expect(rule.patternDescription == "a|b.*")
        #expect(
            rule.toolClass == .read && rule.decision == .confirm && rule.reason == "Because"
                && rule.tags == ["x", "audit"])
        #expect(rule.location == SourceLocation(file: "policy.yaml", line: 7, column: 5))
        #expect(rule.conditions.map(\.path) == ["path"])
        #expect(try loadPolicy("version: 1\nunlisted: {class: annotations}\n").unlisted.toolClass == nil)
    }

    @Test func policyHashIsTheSHA256OfTheFileBytes() throws {
        #expect(
            try loadPolicy("version: 1\n").source.sha256
                == "09bfcc6a14b83e2192b8673677725c84883ee9cd0c70e45c9ec09daa8f2b2847")
        #expect(
            try loadPolicy("version: 1\n\n").source.sha256
                != "09bfcc6a14b83e2192b8673677725c84883ee9cd0c70e45c9ec09daa8f2b2847")
    }

    /// A policy with one problem, where it is reported, and fragments of the message and hint.
    typealias Problem = PolicyProblem

    static let problems: [Problem] = [
        Problem(
            yaml: "version: 1\ntool:\n  - name: x\n", line: 2, column: 1, message: "unknown key `tool`",
            hint: "did you mean `tools`?"),
        Problem(
            yaml: "version: 1\ntools:\n  - name: x\n    clas: read\n", line: 4, column: 5,
            message: "unknown key `clas` in rule 1", hint: "did you mean `class`?"),
        Problem(
            yaml: "version: 1\ntools:\n  - name: x\n    decision: no\n", line: 4, column: 15,
            message: "YAML 1.1 reads as a boolean", hint: "did you mean `deny`?"),
        Problem(
            yaml: "version: 1\ntools:\n  - name: x\n    decision: yes\n", line: 4, column: 15, message: "boolean",
            hint: "did you mean `allow`?"),
        Problem(
            yaml: "version: 1\ntools:\n  - name: x\n    decision: confrim\n", line: 4, column: 15,
            message: "`confrim` is not one of allow, confirm, deny", hint: "did you mean `confirm`?"),
        Problem(
            yaml: "version: 1\ntools:\n  - name: x\n    class: secret\n", line: 4, column: 12,
            message: "class `secret` is not one of read, write, sensitive"),
        Problem(
            yaml: "version: 1\ndefaults:\n  write: off\n", line: 3, column: 10, message: "defaults.write is `off`",
            hint: "did you mean `deny`?"),
        Problem(
            yaml: "version: 1\ndefaults:\n  writes: deny\n", line: 3, column: 3,
            message: "unknown key `writes` in defaults", hint: "did you mean `write`?"),
        Problem(yaml: "version: \"1\"\n", line: 1, column: 10, message: "version must be an integer"),
        Problem(yaml: "version: 1\ntools: {name: x}\n", line: 2, column: 8, message: "tools must be a list of rules"),
        Problem(yaml: "version: 1\ndefaults: [allow]\n", line: 2, column: 11, message: "defaults must be a mapping"),
        Problem(
            yaml: "version: 1\ntools:\n  - name: {a: 1}\n    class: read\n", line: 3, column: 11,
            message: "name must be a string or a list of strings"),
        Problem(
            yaml: "version: 1\ntools:\n  - name: x\n    class: read\n    reason: [a]\n", line: 5, column: 13,
            message: "reason must be a string, found a list"),
        Problem(
            yaml: "version: 1\ntools:\n  - class: read\n", line: 3, column: 5, message: "rule 1 in tools has no `name`"),
        Problem(
            yaml: "version: 1\ntools:\n  - name: x\n    class: read\n    class: write\n", line: 4, column: 5,
            message: "duplicate key `class`"),
        Problem(yaml: "version: 1\nversion: 1\n", line: 1, column: 1, message: "duplicate key `version`"),
        Problem(
            yaml: "version: 1\ntools:\n  - name: '[abc'\n    class: read\n", line: 3, column: 11,
            message: "unclosed `[` in glob `[abc`"),
        Problem(
            yaml: "version: 1\ntools:\n  - name: [ok, '[z-a]']\n    class: read\n", line: 3, column: 16,
            message: "range z-a is reversed"),
        Problem(
            yaml: "version: 1\ntools:\n  - name: x\n    decision: deny\n    when:\n      cmd: {regex: '('}\n", line: 6,
            column: 20, message: "invalid regular expression `(`"),
        Problem(
            yaml: "tools: []\n", line: 1, column: 1, message: "the policy has no `version`",
            hint: "add `version: 1` at the top"),
        Problem(yaml: "version: 2\n", line: 1, column: 10, message: "policy version 2 is not supported"),
        Problem(yaml: "", line: 1, column: 1, message: "the policy file is empty"),
        Problem(yaml: "# only a comment\n", line: 1, column: 1, message: "the policy file is empty"),
        Problem(
            yaml:
                "version: 1\ntools:\n  - name: x\n    decision: deny\n    when:\n      cmd: {glob: '*', matches: x}\n",
            line: 6, column: 24, message: "unknown key `matches` in when.cmd"),
        Problem(
            yaml: "version: 1\ntools:\n  - name: x\n    decision: deny\n    when:\n      cmd: {}\n", line: 6,
            column: 12, message: "condition on `cmd` has no operator"),
        Problem(
            yaml: "version: 1\ntools:\n  - name: x\n    decision: deny\n    when:\n      env: {in: prod}\n", line: 6,
            column: 17, message: "`in` needs a list of values"),
        Problem(
            yaml: "version: 1\ntools:\n  - name: x\n    decision: deny\n    when:\n      n: {gt: ten}\n", line: 6,
            column: 15, message: "`gt` must be a number"),
        Problem(
            yaml: "version: 1\ntools:\n  - name: x\n    decision: deny\n    when:\n      n: {exists: yes}\n", line: 6,
            column: 19, message: "`exists` must be true or false"),
        Problem(
            yaml: "version: 1\ntools:\n  - name: x\n    decision: deny\n    when:\n      a..b: 1\n", line: 6, column: 7,
            message: "argument path `a..b` has an empty component"),
        Problem(
            yaml: "version: 1\ntools:\n  - name: x\n    decision: deny\n    when:\n      mode: on\n", line: 6,
            column: 13, message: "when.mode is `on`"),
        Problem(yaml: "version: 1\ntools: [\n", line: 3, column: 1, message: "YAML syntax"),
        Problem(
            yaml: "version: 1\ndefaults:\n\tread: allow\n", line: 3, column: 1, message: "YAML syntax",
            hint: "indent with spaces: YAML does not allow tabs in indentation"),
        Problem(
            yaml: "version: 1\ntools:\n  - name: x\n  \tclass: read\n", line: 4, column: 3, message: "YAML syntax",
            hint: "indent with spaces: YAML does not allow tabs in indentation"),
    ]

    /// The tab hint is for tabs: another syntax error gets none, and a tab inside a line is no indentation.
    @Test func onlyATabInTheIndentationGetsTheSpacesHint() {
        #expect(policyDiagnostics("version: 1\ntools: [\n").map(\.hint) == [nil])
        #expect(policyDiagnostics("version: 1\ndescription: \"a\tb\"\ntools: [\n").map(\.hint) == [nil])
    }

    @Test(arguments: problems)
    func reportsEachProblemWithItsPositionAndHint(_ problem: Problem) throws {
        try problem.check()
    }

    @Test func reportsEveryProblemOfAFileAtOnce() {
        let diagnostics = policyDiagnostics(
            """
            version: 1
            defualts: {read: allow}
            approval: {timeout: soon}
            tools:
              - name: a
                decision: confrim
              - name: b
                class: secret
                when:
                  n: {gt: many}
            """
        )
        let positions = diagnostics.map { "\($0.location.line):\($0.location.column)" }
        #expect(positions == ["2:1", "3:21", "6:15", "8:12", "10:15"])
        #expect(diagnostics.allSatisfy { $0.severity == .error })
        #expect(diagnostics[0].hint == "did you mean `defaults`?")
        let description = PolicyError(diagnostics: diagnostics).description
        #expect(description.hasSuffix("5 error(s) in policy"))
        #expect(
            description.contains(
                "policy.yaml:6:15: error: decision `confrim` is not one of allow, confirm, deny (did you mean `confirm`?)"
            ))
    }

    @Test func warnsAboutARuleThatNeitherClassifiesNorDecides() throws {
        let (_, warnings) = try PolicyLoader.load(
            text: "version: 1\ntools:\n  - name: x\n    reason: why\n", path: "p.yaml")
        #expect(warnings.map(\.severity) == [.warning])
        #expect(warnings.first?.location == SourceLocation(file: "p.yaml", line: 3, column: 5))
        #expect(warnings.first?.message.contains("neither classifies nor decides") == true)
    }

    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("120s", .seconds(120)), ("2m", .seconds(120)), ("1h", .seconds(3600)),
        ("45", .seconds(45)),
    ])
    func readsDurations(_ text: String, expected: Duration) throws {
        #expect(try loadPolicy("version: 1\napproval:\n  timeout: \(text)\n").approval.timeout == expected)
    }

    @Test(arguments: [
        "0s", "-5s", "soon", "1.5m", "2d", "0", "s", "ms", "9223372036854775807s", "9223372036854775807h",
    ])
    func rejectsBadDurations(_ text: String) {
        let diagnostics = policyDiagnostics("version: 1\napproval:\n  timeout: \(text)\n")
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message == "approval.timeout `\(text)` is not a positive duration")
        #expect(diagnostics.first?.location == SourceLocation(file: "policy.yaml", line: 3, column: 12))
    }

    @Test func keepsQuotedWordsAndNumbersApartFromBooleans() throws {
        let policy = try loadPolicy(
            """
            version: 1
            tools:
              - name: "no"
                decision: deny
                when:
                  flag: true
                  answer: "yes"
                  count: 5
                  label: '5'
                  nothing: null
            """
        )
        let rule = try #require(policy.rules.first)
        #expect(rule.patternDescription == "no")
        #expect(rule.conditions.map(\.path) == ["flag", "answer", "count", "label", "nothing"])
        #expect(
            rule.conditionsOutcome(try json(#"{"flag":true,"answer":"yes","count":5.0,"label":"5","nothing":null}"#))
                == .holds)
        #expect(
            rule.conditionsOutcome(try json(#"{"flag":true,"answer":"yes","count":5,"label":5,"nothing":null}"#))
                != .holds, "a quoted '5' is a string, never the number 5")
    }
}
