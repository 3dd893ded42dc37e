import Testing

@testable import FirewallCore

struct ReplayInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var path: String
        var text: String
        var kind: ReplayInput.Kind
        var testDescription: String { "\(path) → \(kind.rawValue)" }
    }

    static let cases: [Case] = [
        Case(path: "s.yaml", text: "version: 1", kind: .scenarios),
        Case(path: "s.YML", text: "{}", kind: .scenarios),
        Case(path: "audit.jsonl", text: "", kind: .auditLog),
        Case(path: "trail.json", text: #"{"session_id": "x", "events": []}"#, kind: .auditTrail),
        Case(
            path: "audit.json", text: #"{"v":1,"event":"session_start"}"# + "\n" + #"{"v":1,"event":"x"}"#,
            kind: .auditLog),
        Case(path: "audit.log", text: #"{"v":1,"event":"session_start"}"# + "\n", kind: .auditLog),
        Case(path: "trail", text: "\n  {\"events\": []}", kind: .auditTrail),
        Case(path: "scenarios", text: "version: 1\nscenarios: []", kind: .scenarios),
    ]

    @Test(arguments: cases)
    func detectsTheFormatByExtensionThenByContent(_ testCase: Case) {
        #expect(ReplayInput.detect(Array(testCase.text.utf8), path: testCase.path) == testCase.kind)
    }

    @Test func readsEachFormatWithItsReader() throws {
        let trail = ReplayInput.read(try ReplayFixtures.fixture("mcp-audit-trail-sample.json"), path: "trail.json")
        #expect(trail.kind == .auditTrail && trail.calls.count == 4)
        let scenarios = ReplayInput.read(
            Array("version: 1\nscenarios:\n  - {name: a, tool: t, expect: deny}\n".utf8), path: "s.yaml")
        #expect(scenarios.kind == .scenarios && scenarios.calls.count == 1)
    }

    @Test func reportsAScenarioFileThatIsNotUTF8() {
        let input = ReplayInput.read([0x76, 0xFF, 0xFE], path: "s.yaml")
        #expect(input.hasErrors)
        #expect(input.diagnostics.first?.message.contains("UTF-8") == true)
    }
}
