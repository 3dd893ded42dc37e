import Foundation
import Testing

@testable import FirewallCore

#if canImport(FoundationXML)
import FoundationXML
#endif

struct JUnitReportTests {
    /// What XMLParser read back: every element with its attributes and text, in document order.
    final class Parsed: NSObject, XMLParserDelegate {
        struct Element {
            var name: String
            var attributes: [String: String]
            var text = ""
        }

        var elements: [Element] = []
        private var open: [Int] = []

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            open.append(elements.count)
            elements.append(Element(name: name, attributes: attributes))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let index = open.last { elements[index].text += string }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            open.removeLast()
        }

        func named(_ name: String) -> [Element] { elements.filter { $0.name == name } }
    }

    static func parse(_ xml: String) throws -> Parsed {
        let parser = XMLParser(data: Data(xml.utf8))
        let parsed = Parsed()
        parser.delegate = parsed
        let ok = parser.parse()
        #expect(ok, "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "")\n\(xml)")
        try #require(ok)
        return parsed
    }

    static func report() throws -> ReplayReport {
        let policy = try loadPolicy(ReplayFixtures.hrPolicy, path: "hr.yaml")
        let calls = [
            ReplayFixtures.scenario("reads pass", tool: "get_employee", expect: .allow, line: 3),
            ReplayFixtures.scenario(
                "raise", tool: "update_salary", arguments: try json(#"{"new_salary":900000}"#), expect: .confirm,
                line: 7),
            ReplayFixtures.logged("delete_employee", recorded: .allow, call: 1),
        ]
        return ReplayRunner(policy: policy).run(calls, clock: ContinuousClock())
    }

    @Test func countsTestsAndFailuresPerInputFile() throws {
        let parsed = try Self.parse(JUnitReport(try Self.report()).xml())
        let root = try #require(parsed.named("testsuites").first)
        #expect(root.attributes["tests"] == "3")
        #expect(root.attributes["failures"] == "2")
        #expect(root.attributes["errors"] == "0")
        let suites = parsed.named("testsuite")
        #expect(suites.map { $0.attributes["name"] } == ["s.yaml", "audit.jsonl"])
        #expect(suites.map { $0.attributes["tests"] } == ["2", "1"])
        #expect(suites.map { $0.attributes["failures"] } == ["1", "1"])
        let cases = parsed.named("testcase")
        #expect(cases.map { $0.attributes["name"] } == ["reads pass", "raise", "call 1 of session 01234567"])
        #expect(cases.map { $0.attributes["line"] } == ["3", "7", "4"])
        #expect(cases.allSatisfy { $0.attributes["time"]?.wholeMatch(of: /\d+\.\d{6}/) != nil })
    }

    @Test func aFailureCarriesTheMismatchTheRuleAndTheReason() throws {
        let failures = try Self.parse(JUnitReport(try Self.report()).xml()).named("failure")
        try #require(failures.count == 2)
        #expect(failures[0].attributes["message"] == "expected confirm, got deny")
        #expect(failures[0].attributes["type"] == "decision")
        #expect(failures[0].text.contains("rule: hr.yaml:8"))
        #expect(failures[0].text.contains("reason: Too large"))
        #expect(failures[1].attributes["type"] == "changed")
        #expect(failures[1].attributes["message"] == "recorded allow, now deny")
    }

    @Test func allowedChangesAreReportedWithoutFailing() throws {
        let parsed = try Self.parse(JUnitReport(try Self.report(), allowChanges: true).xml())
        #expect(parsed.named("testsuites").first?.attributes["failures"] == "1")
        #expect(parsed.named("system-out").first?.text.hasPrefix("decision changed (allowed)") == true)
    }

    @Test func escapesEveryPieceOfTextSoHostileNamesRoundTrip() throws {
        let hostile = #"</failure><x a="1"> & 'quote' "#
        let control = "bell\u{07}tab\tline\nend"
        let call = ReplayFixtures.scenario(hostile + control, tool: hostile, expect: .allow)
        let policy = try loadPolicy("version: 1\nunlisted: {decision: deny}\n")
        let report = ReplayRunner(policy: policy).run([call], clock: ContinuousClock())
        let parsed = try Self.parse(JUnitReport(report, name: "a&b").xml())
        #expect(parsed.named("testsuites").first?.attributes["name"] == "a&b")
        let testcase = try #require(parsed.named("testcase").first)
        #expect(testcase.attributes["name"] == hostile + "bell\u{FFFD}tab\tline\nend")
        #expect(parsed.named("failure").first?.text.contains("tool: " + hostile) == true)
        #expect(parsed.named("x").isEmpty, "no element may be injected")
    }

    @Test func inputProblemsBecomeErrorsOfAnInputsSuite() throws {
        let problem = PolicyDiagnostic(
            .error, "unknown key `expectt`", at: SourceLocation(file: "s.yaml", line: 4, column: 5))
        let warning = PolicyDiagnostic(
            .warning, "only a warning", at: SourceLocation(file: "s.yaml", line: 1, column: 1))
        let parsed = try Self.parse(JUnitReport(ReplayReport(), problems: [problem, warning]).xml())
        #expect(parsed.named("testsuites").first?.attributes["errors"] == "1")
        #expect(parsed.named("testsuite").first?.attributes["name"] == "inputs")
        #expect(parsed.named("testcase").first?.attributes["name"] == "s.yaml:4:5")
        #expect(parsed.named("error").first?.attributes["message"] == "unknown key `expectt`")
    }

    @Test(arguments: [
        (Duration.zero, "0.000000"), (.microseconds(42), "0.000042"), (.milliseconds(1500), "1.500000"),
        (.seconds(3), "3.000000"),
    ])
    func writesTimesInSecondsWithMicroseconds(duration: Duration, text: String) {
        #expect(JUnitReport.seconds(duration) == text)
    }
}
