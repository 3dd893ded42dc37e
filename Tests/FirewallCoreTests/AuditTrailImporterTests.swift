import Testing

@testable import FirewallCore

struct AuditTrailImporterTests {
    static func sample() throws -> ReplayInput {
        AuditTrailImporter.read(try ReplayFixtures.fixture("mcp-audit-trail-sample.json"), path: "trail.json")
    }

    @Test func importsEveryToolCallOfTheSampleInOrder() throws {
        let input = try Self.sample()
        #expect(input.diagnostics.isEmpty)
        #expect(input.kind == .auditTrail)
        #expect(input.calls.map(\.tool) == ["get_employee", "update_salary", "export_payroll", "delete_employee"])
        let salary = input.calls[1]
        #expect(
            salary.arguments
                == .object([.init("employee_id", .string("E-1001")), .init("new_salary", .number("128000"))]))
        #expect(salary.name == "request 4")
        #expect(input.calls.allSatisfy { $0.recorded == nil && $0.expectation == nil && $0.environment == nil })
    }

    @Test func keepsTheRecorderFlagsAsInformationOnly() throws {
        let input = try Self.sample()
        #expect(input.calls.map(\.flags) == [[], ["write"], ["sensitive"], ["write"]])
        #expect(input.calls.allSatisfy { $0.annotations == nil })
    }

    @Test func locatesEachCallOnTheLineItsEventStarts() throws {
        let bytes = try ReplayFixtures.fixture("mcp-audit-trail-sample.json")
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let input = AuditTrailImporter.read(bytes, path: "trail.json")
        #expect(input.calls.map(\.location.line) == [121, 166, 212, 256])
        for call in input.calls {
            #expect(lines[call.location.line - 1].drop(while: { $0 == " " }) == "{")
            let event = lines[call.location.line..<min(call.location.line + 12, lines.count)].joined()
            #expect(event.contains("\"tools/call\"") && event.contains("\"\(call.tool)\""))
        }
        #expect(input.calls.first?.locationDescription == "trail.json:121")
    }

    @Test func fallsBackToTheMessageParamsWhenTheExtractedFieldsAreMissing() throws {
        let text = """
            {"events": [{"direction": "client_to_server",
              "message": {"jsonrpc": "2.0", "id": "a", "method": "tools/call",
              "params": {"name": "get_employee", "arguments": {"employee_id": "E-2"}}}},
             {"direction": "server_to_client", "method": "tools/call", "tool_name": "ignored"}]}
            """
        let input = AuditTrailImporter.read(Array(text.utf8), path: "t.json")
        #expect(input.diagnostics.isEmpty)
        #expect(input.calls.map(\.tool) == ["get_employee"])
        #expect(input.calls.first?.name == "request a")
        #expect(input.calls.first?.arguments["employee_id"] == .string("E-2"))
    }

    @Test func reportsInvalidJSONWithLineAndColumn() throws {
        let input = AuditTrailImporter.read(Array("{\n  \"events\": [\n    {,}\n  ]\n}".utf8), path: "t.json")
        let error = try #require(input.diagnostics.first)
        #expect(error.severity == .error)
        #expect(error.location.line == 3)
        #expect(error.location.column == 6)
        #expect(input.calls.isEmpty)
    }

    @Test func reportsCallsItCannotReadAndKeepsTheOthers() throws {
        let text = """
            {"events": [
              {"direction": "client_to_server", "method": "tools/call"},
              {"direction": "client_to_server", "method": "tools/call", "tool_name": "x", "tool_arguments": [1]},
              {"direction": "client_to_server", "method": "tools/call", "tool_name": "y"}
            ]}
            """
        let input = AuditTrailImporter.read(Array(text.utf8), path: "t.json")
        #expect(input.diagnostics.map(\.location.line) == [2, 3])
        #expect(input.diagnostics[1].message.contains("an array"))
        #expect(input.calls.map(\.tool) == ["y"])
    }

    @Test func rejectsADocumentWithoutEvents() {
        let input = AuditTrailImporter.read(Array(#"{"session_id": "x"}"#.utf8), path: "t.json")
        #expect(input.hasErrors)
        #expect(input.diagnostics.first?.message.contains("no `events` list") == true)
    }

    @Test func warnsWhenTheSummaryCountsOtherCallsThanTheEvents() {
        let text = """
            {"summary": {"total_tool_calls": 3},
             "events": [{"direction": "client_to_server", "method": "tools/call", "tool_name": "y"}]}
            """
        let input = AuditTrailImporter.read(Array(text.utf8), path: "t.json")
        #expect(!input.hasErrors)
        #expect(input.diagnostics.first?.message.contains("counts 3 tool call(s), its events hold 1") == true)
    }
}
