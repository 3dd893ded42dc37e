import FirewallCore
import FirewallReport
import Foundation
import Testing

/// The three formats of a small fixed log; the HTML against a golden file.
///
/// Set `MCP_FIREWALL_RECORD_GOLDEN=1` to re-record `Golden/small-audit.html` instead of comparing; review the diff.
struct ReportFormatTests {
    static let fixture = ReportFixtures.path("small-audit.jsonl")

    /// The report with the fixture's absolute path replaced, so the golden file does not depend on the checkout.
    static func render(_ format: ReportFormat) throws -> String {
        try ReportFixtures.render([fixture], format: format, title: "Golden report")
            .replacingOccurrences(of: ReportFixtures.folder + "/", with: "Fixtures/")
    }

    @Test func htmlMatchesTheGoldenFile() throws {
        let html = try Self.render(.html)
        let golden = ReportFixtures.goldenFolder + "/small-audit.html"
        if ProcessInfo.processInfo.environment["MCP_FIREWALL_RECORD_GOLDEN"] == "1" {
            try html.write(toFile: golden, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOfFile: golden, encoding: .utf8)
        #expect(
            html == expected,
            "HTML differs from \(golden); re-record with MCP_FIREWALL_RECORD_GOLDEN=1 if the change is intended")
    }

    @Test func htmlShowsTheSummaryApprovalsAndAWarningForTheTornLine() throws {
        let html = try Self.render(.html)
        for text in [
            "<code>hr-server --stdio</code>", "<code>policies/hr.yaml</code>", "sha256 abab", "golden-client 2.0",
            "approved by human `alice` via terminal, 12 s wait", "unattended: denied in ci",
            "denied by rule `export_payroll` (policies/hr.yaml:20)", "⚠ 1 problem while reading the logs",
            "<code>Fixtures/small-audit.jsonl:11</code>",
            "2026-11-25T10:00:00.000100Z → 2026-11-25T10:00:18.000000Z (18.0 s)",
        ] {
            #expect(html.contains(SafeText.html(text)) || html.contains(text), "missing: \(text)")
        }
        #expect(html.contains("class=\"badge ok\"><span class=\"icon\" aria-hidden=\"true\">✔</span> approved</span>"))
    }

    @Test func timelineRowsAreOnePerRecord() throws {
        let html = try Self.render(.html)
        let rows = try JSONParser.parse(Array(try ReportFixtures.dataBlock(html, id: "report-events").utf8))
        guard case .array(let items) = rows else {
            Issue.record("rows are not an array")
            return
        }
        #expect(items.count == 13, "14 lines, one torn")
    }

    @Test func jsonCarriesTheComputedSummary() throws {
        let value = try JSONParser.parse(Array(try Self.render(.json).utf8))
        #expect(value["records"] == .number("13"))
        guard case .array(let sessions)? = value["sessions"], let session = sessions.first,
            case .array(let approvals)? = session["approvals"], case .array(let warnings)? = value["warnings"]
        else {
            Issue.record("unexpected shape")
            return
        }
        #expect(session["environment"]?.stringValue == "ci")
        #expect(session["counts"]?["decided_by"]?["human"] == .number("1"))
        #expect(session["counts"]?["class"]?["write"] == .number("2"))
        #expect(
            approvals.compactMap { $0["label_kind"]?.stringValue } == [
                "approved_by_human", "denied", "unattended_denied",
            ])
        #expect(warnings.first?["line"] == .number("11"))
    }

    @Test func markdownIsAJobSummary() throws {
        let markdown = try Self.render(.markdown)
        #expect(markdown.hasPrefix("# Golden report\n"))
        #expect(markdown.contains("## Session 1: 11111111-2222-3333-4444-555555555555"))
        #expect(
            markdown.contains(
                "| 2 | update\\_salary | write | ✔ **approved** approved by human \\`alice\\` via terminal, 12 s wait |"
            ))
        #expect(markdown.contains("> - Fixtures/small-audit.jsonl:11: line is cut short"))
        #expect(markdown.contains("- **Decided by:** policy 3, human 1"))
    }

    @Test func nothingReadableIsAnError() throws {
        let path = try ReportFixtures.file("garbage\nmore garbage\n")
        #expect(throws: ReportError.self) { try ReportFixtures.render([path]) }
        #expect(throws: ReportError.self) { try ReportFixtures.render(["/nonexistent/audit.jsonl"]) }
    }

    @Test func foldersAreExpandedToTheirLogs() throws {
        let folder = try ReportFixtures.temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder + "/nested", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: folder + "/a.jsonl")
        try FileManager.default.copyItem(
            atPath: ReportFixtures.path("mcp-audit-trail-sample.json"), toPath: folder + "/nested/b.json")
        try "ignored".write(toFile: folder + "/notes.txt", atomically: true, encoding: .utf8)
        let value = try JSONParser.parse(Array(try ReportFixtures.render([folder], format: .json).utf8))
        guard case .array(let sessions)? = value["sessions"] else {
            Issue.record("no sessions")
            return
        }
        #expect(sessions.compactMap { $0["recorder"]?.stringValue } == ["mcp-firewall", "mcp-audit-trail"])
    }
}
