/// Writes a Markdown summary fit for a CI job summary (`--format markdown`).
///
/// Log text is escaped for both Markdown and the HTML that job-summary renderers accept, so a tool name can
/// neither add markup nor break a table.
package struct MarkdownReportWriter {
    /// What the summary describes.
    package var model: ReportModel
    /// The most Approvals rows per session; the rest are counted.
    package var maxApprovalRows: Int

    /// A writer of `model` listing at most `maxApprovalRows` approvals per session.
    package init(model: ReportModel, maxApprovalRows: Int = 200) {
        self.model = model
        self.maxApprovalRows = maxApprovalRows
    }

    /// `text` safe inside a Markdown table cell: HTML-escaped, Markdown punctuation backslash-escaped, one line.
    package static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        let characters = Array(text)
        for (index, character) in characters.enumerated() {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\n", "\r", "\r\n", "\u{2028}", "\u{2029}": out += " "
            case "|", "\\", "`", "*", "_", "[", "]", "~": out += "\\\(character)"
            // `\:` before `//` keeps renderers from turning a URL in the log into a link.
            case ":" where characters[(index + 1)...].starts(with: ["/", "/"]): out += "\\:"
            default: out.append(character)
            }
        }
        return out
    }

    /// The Markdown text.
    package func render() -> String {
        var text = "# \(Self.escape(model.title))\n\n"
        let sessions = model.sessions.count == 1 ? "1 session" : "\(model.sessions.count) sessions"
        text += "\(sessions), \(model.records) records.\n\n"
        if !model.warnings.isEmpty {
            let count = model.warnings.count + model.warningsOmitted
            text += "> **⚠ \(count) problem\(count == 1 ? "" : "s") while reading the logs** (the rest is complete):\n"
            for warning in model.warnings.prefix(20) {
                let place = "\(warning.file)\(warning.line.map { ":\($0)" } ?? "")"
                text += "> - \(Self.escape(place)): \(Self.escape(warning.message))\n"
            }
            if count > 20 { text += "> - … and \(count - 20) more\n" }
            text += "\n"
        }
        for session in model.sessions { text += render(session) }
        return text
    }

    private func render(_ session: SessionReport) -> String {
        let e = Self.escape
        var text = "## Session \(session.index): \(e(session.id))\n\n"
        if let verdict = session.integrity {
            let icon = verdict.status.tone == "ok" ? "✅" : verdict.status.tone == "bad" ? "❌" : "⚠️"
            text += "> \(icon) **Audit chain: \(e(verdict.status.label))**\(e(verdict.explanation))\n\n"
        }
        text += "| | |\n|---|---|\n"
        if !session.serverArgv.isEmpty { text += "| Server | \(e(session.serverArgv.joined(separator: " "))) |\n" }
        if let path = session.policyPath {
            text +=
                "| Policy | \(e(path))\(session.policySHA256.map { " (sha256 \(e(String($0.prefix(12)))))" } ?? "") |\n"
        }
        if let environment = session.environment { text += "| Environment | \(e(environment)) |\n" }
        if let first = session.firstTimestamp, let last = session.lastTimestamp {
            text += "| Time | \(e(first)) → \(e(last)) |\n"
        }
        let client = [session.clientName, session.clientVersion].compactMap { $0 }.joined(separator: " ")
        if !client.isEmpty { text += "| Client | \(e(client)) |\n" }
        if let version = session.protocolVersion { text += "| Protocol | \(e(version)) |\n" }
        text += "| Recorded by | \(e(session.recorder)) |\n\n"
        func tally(_ tally: Tally) -> String {
            tally.entries.isEmpty ? "none" : tally.entries.map { "\(e($0.name)) \($0.count)" }.joined(separator: ", ")
        }
        text += "- **Calls by class:** \(tally(session.classes))\n"
        text += "- **By decision:** \(tally(session.decisions))\n"
        text += "- **Decided by:** \(tally(session.approvers))\n"
        text += "- **Results:** \(tally(session.results))\n\n"
        text += "### Approvals\n\n"
        if session.approvals.isEmpty {
            text += "No write, sensitive or confirmed call.\n\n"
        } else {
            text += "| Call | Tool | Class | Who let it through | Reason |\n|---:|---|---|---|---|\n"
            for entry in session.approvals.prefix(maxApprovalRows) {
                let kind = entry.label.kind
                text +=
                    "| \(entry.call.map(String.init) ?? "") | \(e(entry.tool)) | \(entry.toolClass?.rawValue ?? "—") "
                let notes = entry.notes.map { " · " + e($0) }.joined()
                text +=
                    "| \(kind.icon) **\(kind.badge)** \(e(entry.label.text))\(notes) | \(entry.reason.map(e) ?? "") |\n"
            }
            let more = session.approvalsOmitted + max(0, session.approvals.count - maxApprovalRows)
            if more > 0 { text += "\n… and \(more) more (see the HTML report's timeline).\n" }
            text += "\n"
        }
        if !session.tools.isEmpty {
            text += "### Tools\n\n| Tool | Class | Class from | Calls | Allowed | Denied | Errors |\n"
            text += "|---|---|---|---:|---:|---:|---:|\n"
            for tool in session.tools {
                text += "| \(e(tool.name)) | \(tool.toolClass?.rawValue ?? "—") | \(tool.classSource.map(e) ?? "") "
                text += "| \(tool.calls) | \(tool.allowed) | \(tool.denied) | \(tool.errors) |\n"
            }
            text += "\n"
        }
        return text
    }
}
