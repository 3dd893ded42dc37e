import FirewallCore
import Foundation
import Testing

/// `mcp-firewall report` and the demo's report, run as a user runs them (the built binary).
@Suite(.timeLimit(.minutes(2)))
struct ReportCommandTests {
    static let sample = E2E.repositoryRoot + "/examples/sample-audit.jsonl"
    static let trail = E2E.repositoryRoot + "/Tests/FirewallReportTests/Fixtures/mcp-audit-trail-sample.json"

    @Test func writesAnHTMLReportAndSaysWhere() throws {
        let folder = try E2E.temporaryFolder()
        let result = try Shell.output([
            E2E.binary, "report", Self.sample, "-o", folder + "/r.html", "--title", "Weekly",
        ])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("wrote \(folder)/r.html (1 session, 49 records)"))
        let html = try String(contentsOfFile: folder + "/r.html", encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<title>Weekly</title>"))
        #expect(html.contains("approved via client elicitation `mcp-firewall-demo 0.1.0` (human not verified)"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/r.html.partial"))
    }

    @Test func markdownAndJSONGoToStdoutWithDash() throws {
        let markdown = try Shell.output([E2E.binary, "report", Self.sample, "--format", "markdown", "-o", "-"])
        #expect(markdown.status == 0)
        #expect(markdown.output.hasPrefix("# mcp-firewall audit report\n"))
        let json = try Shell.output([E2E.binary, "report", Self.sample, "--format", "json", "-o", "-"])
        #expect(json.status == 0)
        let value = try JSONParser.parse(Array(json.output.utf8))
        #expect(value["records"] == .number("49"))
    }

    @Test func entityKeyPicksTheArgumentKeysOfTheDataAccessMap() throws {
        let keys = { (extra: [String]) throws -> [String] in
            let json = try Shell.output([E2E.binary, "report", Self.sample, "--format", "json", "-o", "-"] + extra)
            #expect(json.status == 0, "\(json.output)")
            guard case .array(let sessions) = try JSONParser.parse(Array(json.output.utf8))["sessions"],
                case .array(let entities) = sessions.first?["entities"]
            else { return [] }
            return entities.compactMap { $0["key"]?.stringValue }
        }
        #expect(Set(try keys([])) == ["employee_id"])
        #expect(try keys(["--entity-key", "depart*", "--entity-key", "query"]) == ["query", "department"])
        #expect(try Shell.output([E2E.binary, "report", Self.sample, "--entity-key", "[x"]).status == 64)
    }

    @Test func eachSessionStatesItsChainVerdictAndMarksApprovalsAnEditLeftUnproven() throws {
        let clean = try Shell.output([E2E.binary, "report", Self.sample, "--format", "json", "-o", "-"])
        #expect(clean.status == 0)
        guard case .array(let sessions) = try JSONParser.parse(Array(clean.output.utf8))["sessions"] else {
            Issue.record("no sessions")
            return
        }
        #expect(sessions.first?["integrity"]?["status"]?.stringValue == "intact_unsigned")
        // A reviewer must never read "approved" from an edited log unwarned.
        let folder = try E2E.temporaryFolder()
        let lines = try String(contentsOfFile: Self.sample, encoding: .utf8).split(separator: "\n").map(String.init)
        let edited = lines.enumerated().map { index, line in
            index == 9 ? line.replacingOccurrences(of: "\"ts\":\"", with: "\"ts\":\"1") : line
        }
        let log = folder + "/edited.jsonl"
        try (edited.joined(separator: "\n") + "\n").write(toFile: log, atomically: true, encoding: .utf8)
        let json = try Shell.output([E2E.binary, "report", log, "--format", "json", "-o", "-"])
        guard case .array(let after) = try JSONParser.parse(Array(json.output.utf8))["sessions"],
            case .array(let approvals) = after.first?["approvals"]
        else {
            Issue.record("no approvals in \(json.output)")
            return
        }
        #expect(after.first?["integrity"]?["status"]?.stringValue == "edited")
        #expect(after.first?["integrity"]?["untrusted_from_seq"] == .number("10"))
        #expect(!approvals.isEmpty && approvals.allSatisfy { $0["unproven"] == .bool(true) })
        let html = try Shell.output([E2E.binary, "report", log, "-o", folder + "/r.html"])
        #expect(html.status == 0)
        let page = try String(contentsOfFile: folder + "/r.html", encoding: .utf8)
        #expect(page.contains("Audit chain: EDITED"))
        #expect(page.contains("NOT PROVEN"))
        let markdown = try Shell.output([E2E.binary, "report", log, "--format", "markdown", "-o", "-"])
        #expect(markdown.output.contains("**Audit chain: EDITED**"))
    }

    @Test func corruptLinesAreWarningsWithLineNumbersAndTheRestRenders() throws {
        let folder = try E2E.temporaryFolder()
        var text = try String(contentsOfFile: Self.sample, encoding: .utf8)
        text = text.replacingOccurrences(of: "\n", with: "\nnot json at all\n", options: [], range: nil)
        let log = folder + "/broken.jsonl"
        try (text + #"{"v":1,"seq":42,"event":"dec"#).write(toFile: log, atomically: true, encoding: .utf8)
        let result = try Shell.output([E2E.binary, "report", log, "-o", folder + "/r.html"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("\(log):2: warning: not valid JSON"))
        #expect(result.output.contains("\(log):99: warning: line is cut short"), "\(result.output)")
        let html = try String(contentsOfFile: folder + "/r.html", encoding: .utf8)
        #expect(html.contains("problems while reading the logs"))
        #expect(html.contains("49 records"))
    }

    @Test func foldersAndImportedLogsMakeOneSectionPerSession() throws {
        let folder = try E2E.temporaryFolder()
        try FileManager.default.copyItem(atPath: Self.sample, toPath: folder + "/a.jsonl")
        try FileManager.default.copyItem(atPath: Self.trail, toPath: folder + "/b.json")
        let result = try Shell.output([E2E.binary, "report", folder, "-o", folder + "/r.html"])
        #expect(result.status == 0, "\(result.output)")
        let html = try String(contentsOfFile: folder + "/r.html", encoding: .utf8)
        #expect(html.contains("id=\"session-1\"") && html.contains("id=\"session-2\""))
        #expect(html.contains("mcp-audit-trail (imported)"))
    }

    @Test func nothingReadableExitsOne() throws {
        let folder = try E2E.temporaryFolder()
        try "garbage\n".write(toFile: folder + "/g.jsonl", atomically: true, encoding: .utf8)
        let garbage = try Shell.output([E2E.binary, "report", folder + "/g.jsonl", "-o", folder + "/r.html"])
        #expect(garbage.status == 1)
        #expect(garbage.output.contains("no audit record could be read"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/r.html"))
        let missing = try Shell.output([E2E.binary, "report", folder + "/none.jsonl", "-o", folder + "/r.html"])
        #expect(missing.status == 1)
        #expect(missing.output.contains("no such file or folder"))
    }

    @Test func usageErrorsExit64() throws {
        #expect(try Shell.output([E2E.binary, "report"]).status == 64)
        #expect(try Shell.output([E2E.binary, "report", Self.sample, "--format", "pdf"]).status == 64)
    }

    @Test func theDemoWritesItsReportAndPrintsThePath() throws {
        let folder = try E2E.temporaryFolder()
        let result = try Shell.output(
            [E2E.binary, "demo", "--no-terminal", "--output-dir", folder + "/demo"], directory: folder)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("Report: \(folder)/demo/report.html"))
        let html = try String(contentsOfFile: folder + "/demo/report.html", encoding: .utf8)
        #expect(html.contains("approved via client elicitation `mcp-firewall-demo 0.1.0` (human not verified)"))
        #expect(html.contains("Content-Security-Policy"))
    }
}
