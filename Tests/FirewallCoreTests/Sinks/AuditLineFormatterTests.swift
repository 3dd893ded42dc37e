import Testing

@testable import FirewallCore

struct AuditLineFormatterTests {
    private func format(_ line: String, colour: Bool = false) -> String {
        AuditLineFormatter(colour: colour).format(Array(line.utf8)[...])
    }

    @Test func aDecisionSaysWhoDecidedAndWhy() {
        #expect(
            format(AuditSinkSamples.decision)
                == "2026-11-25 21:27:40.516Z 0f5b5be2 #3 decision           update_salary write ALLOW by human alice via web (approved) (rule p.yaml:12): Salary changes are approved"
        )
    }

    @Test func everyEventKindGetsOneLine() {
        let lines = AuditSinkSamples.all.map { format($0) }
        #expect(lines.allSatisfy { !$0.contains("\n") })
        #expect(lines[0].hasSuffix("session_start      policy p.yaml, env prod, server hr-server"))
        #expect(lines[1].hasSuffix("client claude-code 2.1, protocol 2025-11-25"))
        #expect(lines[4].hasSuffix("result             update_salary tool_error 12.6 ms"))
        #expect(lines[5].hasSuffix("2 tools, 1 hidden"))
        #expect(lines[6].hasSuffix("client closed its input after 900.1 ms"))
    }

    @Test func textFromTheLogCannotControlTheTerminal() {
        let hostile = AuditSinkSamples.line(
            9, "decision", #""tool":"x\u001b[2J","decision":"deny","reason":"line\nbreak""#)
        let line = format(hostile)
        #expect(!line.unicodeScalars.contains { $0.value < 0x20 })
        #expect(line.contains(#"x\u001b[2J"#))
    }

    @Test func colourOnlyWhenAskedFor() {
        #expect(!format(AuditSinkSamples.denied).contains("\u{1B}["))
        #expect(format(AuditSinkSamples.denied, colour: true).contains("\u{1B}[31mDENY\u{1B}[0m"))
    }

    @Test func aLineThatIsNotARecordIsFlagged() {
        #expect(format(#"{"v":1,"seq":"#) == "(not an audit record: 13 bytes, a line cut short or edited)")
    }
}

struct AuditRecordFilterTests {
    private func record(_ line: String) throws -> JSONValue {
        try JSONParser.parse(Array(line.dropLast().utf8), rules: .document)
    }

    @Test func everyConditionGivenMustHold() throws {
        let decision = try record(AuditSinkSamples.decision)
        let start = try record(AuditSinkSamples.start)
        #expect(AuditRecordFilter().matches(nil))
        #expect(!AuditRecordFilter(events: ["decision"]).matches(nil))
        #expect(AuditRecordFilter(sessions: ["0f5b5be2"]).matches(decision))
        #expect(!AuditRecordFilter(sessions: ["0f5b5be3"]).matches(decision))
        #expect(AuditRecordFilter(events: ["decision", "result"], tools: ["update_salary"]).matches(decision))
        #expect(!AuditRecordFilter(tools: ["update_salary"]).matches(start))
        #expect(!AuditRecordFilter(events: ["result"], tools: ["update_salary"]).matches(decision))
    }
}
