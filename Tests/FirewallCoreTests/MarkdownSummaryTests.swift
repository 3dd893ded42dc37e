import Testing

@testable import FirewallCore

struct MarkdownSummaryTests {
    static func report(_ calls: [RecordedCall]) throws -> ReplayReport {
        let policy = try loadPolicy(ReplayFixtures.hrPolicy, path: "hr.yaml")
        return ReplayRunner(policy: policy).run(calls, clock: ContinuousClock())
    }

    @Test func listsTotalsThenEveryFailingCallWithRuleAndReason() throws {
        let report = try Self.report([
            ReplayFixtures.scenario("reads pass", tool: "get_employee", expect: .allow),
            ReplayFixtures.scenario(
                "raise", tool: "update_salary", arguments: try json(#"{"new_salary":900000}"#), expect: .confirm,
                line: 7),
        ])
        let text = MarkdownSummary(report).markdown()
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "## ❌ mcp-firewall test: 2 call(s): 1 passed, 1 failed")
        #expect(lines.contains("| passed | 1 |"))
        #expect(lines.contains("| failed | 1 |"))
        let row = try #require(lines.first { $0.hasPrefix("| failed |") && $0.contains("raise") })
        #expect(row.contains("s.yaml:7:5 raise"))
        #expect(row.contains(#"<code>update\_salary</code>"#))
        #expect(row.contains(#"| {"new\_salary":900000} |"#))
        #expect(row.contains("| confirm | deny | hr.yaml:8 | Too large |"))
        #expect(!text.contains("reads pass"), "passing calls are only counted")
    }

    @Test func aPassingRunHasNoFailureTable() throws {
        let report = try Self.report([ReplayFixtures.scenario("ok", tool: "get_employee", expect: .allow)])
        let text = MarkdownSummary(report).markdown()
        #expect(text.hasPrefix("## ✅"))
        #expect(!text.contains("Failures and changes"))
    }

    @Test func allowedChangesAreListedButDoNotFailTheRun() throws {
        let report = try Self.report([ReplayFixtures.logged("delete_employee", recorded: .allow)])
        #expect(MarkdownSummary(report).markdown().hasPrefix("## ❌"))
        let allowed = MarkdownSummary(report, allowChanges: true).markdown()
        #expect(allowed.hasPrefix("## ✅"))
        #expect(allowed.contains("| changed (allowed) |"))
    }

    @Test func cellsCannotBreakTheTableOrInjectMarkup() {
        #expect(MarkdownSummary.cell("a|b\nc") == #"a\|b c"#)
        #expect(MarkdownSummary.cell("<img src=x>") == "&lt;img src=x&gt;")
        #expect(MarkdownSummary.cell("**bold** [link](x) `code`") == #"\*\*bold\*\* \[link\](x) \`code\`"#)
        #expect(MarkdownSummary.cell("bell\u{07}") == "bell\u{FFFD}")
    }

    @Test func inputProblemsAreListedAndFailTheRun() {
        let problem = PolicyDiagnostic(.error, "bad", at: SourceLocation(file: "s.yaml", line: 2, column: 1))
        let text = MarkdownSummary(ReplayReport(), problems: [problem]).markdown()
        #expect(text.hasPrefix("## ❌"))
        #expect(text.contains("- s.yaml:2:1: error: bad"))
    }

    @Test func capsTheRowsItLists() throws {
        let calls = (1...5).map { ReplayFixtures.scenario("c\($0)", tool: "get_employee", expect: .deny, line: $0) }
        let text = MarkdownSummary(try Self.report(calls), maxRows: 2).markdown()
        #expect(text.split(separator: "\n").count { $0.hasPrefix("| failed | s.yaml") } == 2)
        #expect(text.contains("… and 3 more"))
    }
}
