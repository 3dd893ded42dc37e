/// Renders a replay as GitHub-flavoured markdown, fit for `$GITHUB_STEP_SUMMARY`.
///
/// A heading with the verdict, a table of totals, the errors in inputs and policies, then one row for
/// every call that failed, changed
/// or could not be judged: where it is, the tool and arguments, the environment, what was expected,
/// what the policy decides now, the deciding rule (file:line) and its reason. Cells are escaped, so
/// a tool name or reason from a log cannot break the table or inject markup.
package struct MarkdownSummary: Sendable {
    package var report: ReplayReport
    /// The heading's subject, `mcp-firewall test` by default.
    package var title: String
    /// Whether changed decisions pass (`--allow-changes`); they are listed either way.
    package var allowChanges: Bool
    /// Rows listed at most; the rest are counted. Job summaries are limited to 1 MiB.
    package var maxRows: Int
    /// Errors in the inputs or policies, which kept some calls from being judged.
    package var problems: [PolicyDiagnostic]

    package init(
        _ report: ReplayReport, title: String = "mcp-firewall test", allowChanges: Bool = false, maxRows: Int = 200,
        problems: [PolicyDiagnostic] = []
    ) {
        self.report = report
        self.title = title
        self.allowChanges = allowChanges
        self.maxRows = maxRows
        self.problems = problems.filter { $0.severity == .error }
    }

    /// The markdown text, ending with a newline.
    package func markdown() -> String {
        let ok = report.succeeded(allowingChanges: allowChanges) && problems.isEmpty
        var out = "## \(ok ? "✅" : "❌") \(Self.cell(title)): \(Self.cell(report.totalsLine))\n\n"
        out += "| result | calls |\n|---|---:|\n"
        for status in ReplayOutcome.Status.allCases where report.count(status) > 0 {
            out += "| \(status.rawValue) | \(report.count(status)) |\n"
        }
        out += "| **total** | **\(report.outcomes.count)** |\n"
        if !problems.isEmpty {
            out += "\n### Errors in inputs and policies\n\n"
            for problem in problems.prefix(maxRows) { out += "- \(Self.cell(problem.description))\n" }
        }
        let listed = report.outcomes.filter { [.failed, .changed, .error].contains($0.status) }
        guard !listed.isEmpty else { return out }
        out += "\n### Failures and changes\n\n"
        out += "| result | call | tool | arguments | environment | expected | actual | rule | reason |\n"
        out += "|---|---|---|---|---|---|---|---|---|\n"
        for outcome in listed.prefix(maxRows) {
            let call = outcome.call
            let result = outcome.status == .changed && allowChanges ? "changed (allowed)" : outcome.status.rawValue
            let reason = outcome.decision?.reason ?? outcome.message
            let cells = [
                result, "\(call.locationDescription) \(call.name)", call.tool, call.argumentsSummary(limit: 60),
                outcome.environment ?? "-", outcome.expectedText, outcome.actualText, outcome.ruleText,
                String(reason.prefix(200)),
            ]
            var row = "|"
            for (index, text) in cells.enumerated() {
                row += index == 2 ? " <code>\(Self.cell(text))</code> |" : " \(Self.cell(text)) |"
            }
            out += row + "\n"
        }
        if listed.count > maxRows {
            out += "\n… and \(listed.count - maxRows) more; see the JUnit report or `--format json` for all.\n"
        }
        return out
    }

    /// `text` as the content of one table cell: one line, no markup, no column breaks.
    package static func cell(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "|": out += "\\|"
            case "\\", "`", "*", "_", "[", "]", "~", "#", "!": out += "\\\(character)"
            case _ where character.isNewline || character == "\t": out += " "
            case _ where character.unicodeScalars.allSatisfy({ $0.value < 0x20 || $0.value == 0x7F }): out += "\u{FFFD}"
            default: out.append(character)
            }
        }
        return out
    }
}
