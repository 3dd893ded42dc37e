import Crypto
import Foundation

/// Writes the self-contained HTML report: static sections per session, then the timeline's embedded data.
///
/// Log text reaches the page in two ways only: HTML-escaped text in the static sections, and script-safe JSON
/// strings that the page's script puts in the DOM with `textContent`. The Content-Security-Policy allows the
/// page's one script (by hash) and inline styles, nothing else: no network, no other script, no forms.
package struct HTMLReportWriter {
    /// What the static sections show.
    package var model: ReportModel
    /// The timeline rows, embedded as they were spooled.
    package var spool: TimelineSpool

    /// A writer of `model` with the rows of `spool`.
    package init(model: ReportModel, spool: TimelineSpool) {
        self.model = model
        self.spool = spool
    }

    /// The CSP `script-src` source for the page's script: `'sha256-<base64>'`.
    package static var scriptHashSource: String {
        let digest = SHA256.hash(data: Array(ReportScript.source.utf8))
        return "'sha256-\(Data(digest).base64EncodedString())'"
    }

    /// The page's Content-Security-Policy.
    package static var contentSecurityPolicy: String {
        "default-src 'none'; style-src 'unsafe-inline'; script-src \(scriptHashSource); base-uri 'none'; "
            + "form-action 'none'"
    }

    /// Writes the page to `sink`.
    package func write(to sink: ByteSink) throws(ByteSink.WriteError) {
        let title = SafeText.html(model.title)
        try sink.write(
            """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="\(Self.contentSecurityPolicy)">
            <meta name="referrer" content="no-referrer">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title)</title>
            <style>
            \(ReportStyle.css)
            </style>
            </head>
            <body>
            <header>
            <h1>\(title)</h1>
            <p class="lede">\(lede())</p>
            </header>

            """)
        try sink.write(warnings())
        try sink.write(contents())
        try sink.write("<main>\n")
        for session in model.sessions {
            try sink.write(SessionSection(session: session, entityKeys: model.entityKeys).html())
        }
        try sink.write(timeline())
        try sink.write("</main>\n<script type=\"application/json\" id=\"report-events\">[")
        try spool.copy(to: sink)
        try sink.write("]</script>\n<script type=\"application/json\" id=\"report-meta\">")
        try sink.write(meta())
        try sink.write("</script>\n<script>\(ReportScript.source)</script>\n</body>\n</html>\n")
    }

    private func lede() -> String {
        let sessions = model.sessions.count == 1 ? "1 session" : "\(model.sessions.count) sessions"
        let files = model.inputs.map { "<code>\(SafeText.html($0))</code>" }.joined(separator: ", ")
        return "\(sessions), \(model.records) records, from \(files)."
    }

    private func warnings() -> String {
        guard !model.warnings.isEmpty else { return "" }
        var html = "<section class=\"warnings\" aria-labelledby=\"warnings-title\"><div role=\"alert\">\n"
        let count = model.warnings.count + model.warningsOmitted
        html += "<strong id=\"warnings-title\">⚠ \(count) problem\(count == 1 ? "" : "s") while reading the logs"
        html += "</strong> — the rest of the report is complete.\n<ul>\n"
        for warning in model.warnings {
            let place = "\(warning.file)\(warning.line.map { ":\($0)" } ?? "")"
            html += "<li><code>\(SafeText.html(place))</code>: \(SafeText.html(warning.message))</li>\n"
        }
        if model.warningsOmitted > 0 { html += "<li>… and \(model.warningsOmitted) more</li>\n" }
        return html + "</ul>\n</div></section>\n"
    }

    private func contents() -> String {
        guard model.sessions.count > 1 else { return "" }
        var html = "<nav class=\"toc\" aria-label=\"Sessions\">"
        for session in model.sessions {
            html += "<a href=\"#session-\(session.index)\">Session \(session.index)</a>"
        }
        return html + "<a href=\"#timeline\">Timeline</a></nav>\n"
    }

    private func timeline() -> String {
        func options(_ names: [String]) -> String {
            names.enumerated().dropFirst().map { "<option value=\"\($0.offset)\">\($0.element)</option>" }.joined()
        }
        let all = "<option value=\"\">all</option>"
        return """
            <section class="timeline" id="timeline" aria-labelledby="timeline-title">
            <h2 id="timeline-title">Timeline</h2>
            <form class="filters" id="tl-filters" role="search" aria-label="Filter the timeline">
            <label>Session<select id="f-session">\(all)</select></label>
            <label>Class<select id="f-class">\(all)\(options(TimelineEvent.Codes.classes))</select></label>
            <label>Decision<select id="f-decision">\(all)\(options(Array(TimelineEvent.Codes.decisions.prefix(3))))</select></label>
            <label>Decided by<select id="f-approver">\(all)\(options(TimelineEvent.Codes.approvers))</select></label>
            <label>Tool<select id="f-tool">\(all)</select></label>
            <label>Text<input type="search" id="f-text" placeholder="search every field"></label>
            <label>Rows per page<select id="f-size"><option>50</option><option selected>100</option><option>500</option></select></label>
            </form>
            <p id="tl-status" role="status" aria-live="polite">\(spool.rowCount) events. <span class="nojs">Turn on JavaScript to browse them; the sections above need none.</span></p>
            <div class="pager"><button type="button" id="tl-prev">Previous</button><span id="tl-page"></span><button type="button" id="tl-next">Next</button></div>
            <table class="timeline">
            <thead><tr><th><span class="nojs">·</span></th><th class="num">#</th><th>Time</th><th class="num">Session</th><th>Event</th><th>Tool</th><th>Class</th><th>Decision</th><th>Decided by</th><th>Summary</th></tr></thead>
            <tbody id="tl-body"></tbody>
            </table>
            </section>

            """
    }

    /// The names behind the codes of the embedded rows, and the string table.
    private func meta() -> String {
        let sink = ByteSink()
        func list(_ items: [String]) {
            sink.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { sink.append(UInt8(ascii: ",")) }
                SafeText.appendScriptJSON(item, to: sink)
            }
            sink.append(UInt8(ascii: "]"))
        }
        sink.append("{\"strings\":")
        list(spool.strings)
        sink.append(",\"tools\":[\(spool.toolNames.map(String.init).joined(separator: ","))],\"sessions\":")
        list(model.sessions.map { "#\($0.index) \($0.id)" })
        sink.append(",\"events\":")
        list(TimelineEvent.Kind.allCases.map(\.name))
        sink.append(",\"classes\":")
        list(TimelineEvent.Codes.classes)
        sink.append(",\"decisions\":")
        list(TimelineEvent.Codes.decisions)
        sink.append(",\"approvers\":")
        list(TimelineEvent.Codes.approvers)
        sink.append(",\"labels\":[")
        for (index, kind) in ApprovalLabel.Kind.allCases.enumerated() {
            if index > 0 { sink.append(UInt8(ascii: ",")) }
            sink.append("{\"badge\":")
            SafeText.appendScriptJSON(kind.badge, to: sink)
            sink.append(",\"icon\":")
            SafeText.appendScriptJSON(kind.icon, to: sink)
            sink.append(",\"tone\":")
            SafeText.appendScriptJSON(kind.tone, to: sink)
            sink.append(UInt8(ascii: "}"))
        }
        sink.append("]}")
        return String(decoding: sink.bytes, as: UTF8.self)
    }
}
