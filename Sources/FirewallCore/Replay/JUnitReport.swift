/// Renders a replay as JUnit XML, the test report format CI systems display.
///
/// One `testsuite` per input file, one `testcase` per call. A failed expectation is a `failure`
/// (type `decision`), a changed decision a `failure` of type `changed` (or `system-out` when changes
/// are allowed), a call that could not be judged an `error`. Errors in the inputs or policies come
/// first, as `error` test cases of a suite named `inputs`. Every piece of text is escaped: tool
/// names, arguments and reasons come from logs and policies, not from us.
package struct JUnitReport: Sendable {
    package var report: ReplayReport
    /// The `name` of the `testsuites` element.
    package var name: String
    /// Whether changed decisions pass (`--allow-changes`).
    package var allowChanges: Bool
    /// Errors in the inputs or policies, which kept some calls from being judged.
    package var problems: [PolicyDiagnostic]

    package init(
        _ report: ReplayReport, name: String = "mcp-firewall test", allowChanges: Bool = false,
        problems: [PolicyDiagnostic] = []
    ) {
        self.report = report
        self.name = name
        self.allowChanges = allowChanges
        self.problems = problems.filter { $0.severity == .error }
    }

    /// The whole document, UTF-8 XML 1.0 ending with a newline.
    package func xml() -> String {
        var files: [String] = []
        var byFile: [String: [ReplayOutcome]] = [:]
        for outcome in report.outcomes {
            let file = outcome.call.location.file
            if byFile[file] == nil { files.append(file) }
            byFile[file, default: []].append(outcome)
        }
        var out = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        out += "<testsuites" + counts(name: name, report.outcomes, problems: problems.count) + ">\n"
        if !problems.isEmpty {
            out += "  <testsuite" + counts(name: "inputs", [], problems: problems.count) + ">\n"
            for problem in problems {
                out +=
                    "    <testcase"
                    + attributes([
                        ("name", problem.location.description), ("classname", "inputs"),
                        ("file", problem.location.file), ("line", String(problem.location.line)), ("time", "0.000000"),
                    ]) + ">\n      <error" + attributes([("message", problem.message), ("type", "input")]) + ">"
                    + Self.escape(problem.description) + "</error>\n    </testcase>\n"
            }
            out += "  </testsuite>\n"
        }
        for file in files {
            let outcomes = byFile[file] ?? []
            out += "  <testsuite" + counts(name: file, outcomes) + ">\n"
            for outcome in outcomes { out += testcase(outcome) }
            out += "  </testsuite>\n"
        }
        return out + "</testsuites>\n"
    }

    private func counts(name: String, _ outcomes: [ReplayOutcome], problems: Int = 0) -> String {
        let failures = outcomes.count { $0.status == .failed || ($0.status == .changed && !allowChanges) }
        let errors = outcomes.count { $0.status == .error } + problems
        let time = outcomes.reduce(Duration.zero) { $0 + $1.duration }
        return attributes([
            ("name", name), ("tests", String(outcomes.count + problems)), ("failures", String(failures)),
            ("errors", String(errors)), ("skipped", "0"), ("time", Self.seconds(time)),
        ])
    }

    private func testcase(_ outcome: ReplayOutcome) -> String {
        let call = outcome.call
        let head =
            "    <testcase"
            + attributes([
                ("name", call.name), ("classname", call.location.file), ("file", call.location.file),
                ("line", String(call.location.line)), ("time", Self.seconds(outcome.duration)),
            ])
        let body = outcome.details.joined(separator: "\n")
        switch outcome.status {
        case .passed, .unchanged:
            return head + "/>\n"
        case .evaluated:
            return head + ">\n      <system-out>" + Self.escape(body) + "</system-out>\n    </testcase>\n"
        case .changed where allowChanges:
            let text = "decision changed (allowed): \(outcome.message)\n" + body
            return head + ">\n      <system-out>" + Self.escape(text) + "</system-out>\n    </testcase>\n"
        case .failed, .changed:
            let type = outcome.status == .failed ? "decision" : "changed"
            return head + ">\n      <failure" + attributes([("message", outcome.message), ("type", type)]) + ">"
                + Self.escape(body) + "</failure>\n    </testcase>\n"
        case .error:
            return head + ">\n      <error" + attributes([("message", outcome.message), ("type", "policy")]) + ">"
                + Self.escape(body) + "</error>\n    </testcase>\n"
        }
    }

    private func attributes(_ pairs: [(String, String)]) -> String {
        pairs.map { " \($0.0)=\"\(Self.escape($0.1, attribute: true))\"" }.joined()
    }

    /// `text` as XML character data, or as an attribute value when `attribute` is set.
    ///
    /// Markup characters become entities; characters XML 1.0 cannot carry at all (most C0 controls,
    /// U+FFFE, U+FFFF) become U+FFFD; in attributes, tab and line breaks become character references
    /// so that attribute normalisation does not turn them into spaces.
    package static func escape(_ text: String, attribute: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "'" where attribute: out += "&apos;"
            case "\t" where attribute: out += "&#9;"
            case "\n" where attribute: out += "&#10;"
            case "\r": out += "&#13;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Seconds with microsecond precision, as JUnit's `time` attributes want them.
    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let micros = max(0, attoseconds / 1_000_000_000_000)
        let fraction = String(micros)
        return "\(max(0, seconds)).\(String(repeating: "0", count: max(0, 6 - fraction.count)))\(fraction)"
    }
}
