import FirewallCore
import FirewallReport
import Foundation
import Testing

/// Logs written by `mcp-audit-trail` (the Python tool users migrate from), detected by content.
struct AuditTrailImportTests {
    @Test func readsThePrettyPrintedFixtureAsOneSession() throws {
        let builder = ReportBuilder(timeline: true)
        ReportInputs.load([ReportFixtures.path("mcp-audit-trail-sample.json")], into: builder)
        #expect(builder.warnings.isEmpty, "\(builder.warnings)")
        #expect(builder.records == 13)
        let session = try #require(builder.sessions.first)
        #expect(session.id == "20261125_204559")
        #expect(session.recorder == "mcp-audit-trail")
        #expect(session.clientName == "sample-client")
        #expect(session.serverName == "hr-server")
        #expect(session.protocolVersion == "2025-11-25")
        #expect(session.tools.map(\.name) == ["get_employee", "update_salary", "export_payroll", "delete_employee"])
        #expect(session.tools.map { $0.toolClass?.rawValue } == [nil, "write", "sensitive", "write"])
        #expect(session.results["ok"] == 3 && session.results["error"] == 1)
        #expect(session.tools.last?.errors == 1)
        #expect(session.approvals.map(\.tool) == ["update_salary", "export_payroll", "delete_employee"])
        #expect(session.approvals.allSatisfy { $0.label == .notDecided })
        #expect(session.entities.map(\.value) == ["E-1001", "E-9999"])
        #expect(session.firstTimestamp == "2026-11-25T20:45:59.293932+00:00")
    }

    @Test func compactSingleLineDocumentsAreDetectedToo() throws {
        let pretty = try String(contentsOfFile: ReportFixtures.path("mcp-audit-trail-sample.json"), encoding: .utf8)
        let value = try JSONParser.parse(Array(pretty.utf8))
        var writer = JSONWriter()
        writer.value(value)
        let path = try ReportFixtures.file(String(decoding: writer.bytes, as: UTF8.self), name: "trail.json")
        let builder = ReportBuilder(timeline: false)
        ReportInputs.load([path], into: builder)
        #expect(builder.records == 13)
        #expect(builder.sessions.first?.recorder == "mcp-audit-trail")
    }

    @Test func aSummaryThatDisagreesWithTheEventsIsAWarning() throws {
        let text = #"{"session_id":"s","summary":{"total_tool_calls":5},"events":[]}"#
        let builder = ReportBuilder(timeline: false)
        ReportInputs.load([try ReportFixtures.file(text, name: "t.json")], into: builder)
        #expect(builder.warnings.map(\.message) == ["the log's summary counts 5 tool call(s), its events hold 0"])
    }

    @Test func aBrokenPrettyDocumentFallsBackToLineByLineWarnings() throws {
        let path = try ReportFixtures.file("{\n  \"events\": [\n", name: "broken.json")
        let builder = ReportBuilder(timeline: false)
        ReportInputs.load([path], into: builder)
        #expect(builder.records == 0)
        #expect(builder.warnings.map(\.line) == [1, 2])
    }

    @Test func aTornFirstRecordDoesNotMakeAnAuditLogLookLikeADocument() throws {
        let path = try ReportFixtures.file(#"{"v":1,"seq":1,"event":"sess"# + "\n" + Line.start() + "\n")
        let builder = ReportBuilder(timeline: false)
        ReportInputs.load([path], into: builder)
        #expect(builder.records == 1)
        #expect(builder.warnings.map(\.line) == [1])
    }

    @Test func theHTMLReportSaysNoDecisionWasRecorded() throws {
        let html = try ReportFixtures.render([ReportFixtures.path("mcp-audit-trail-sample.json")])
        #expect(html.contains("mcp-audit-trail (imported)"))
        #expect(html.contains("no decision recorded: mcp-audit-trail forwards every call unchecked"))
    }
}
