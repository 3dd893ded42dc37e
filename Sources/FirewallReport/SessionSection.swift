/// The static HTML of one session: facts, tallies, Approvals, tools and the data-access map.
///
/// Every string from the log goes through `SafeText.html`; nothing from the log becomes a link or an attribute
/// other than text.
struct SessionSection {
    var session: SessionReport
    /// The patterns that picked the entity keys, named in the data-access hint.
    var entityKeys: [String] = EntityKeys.defaultPatterns

    func html() -> String {
        let number = session.index
        var html = """
            <section class="session" id="session-\(number)" aria-labelledby="session-\(number)-title">
            <h2 id="session-\(number)-title">Session \(number) <span class="sid">\(e(session.id))</span></h2>

            """
        html += integrity() + facts() + tallies() + approvals() + tools() + dataAccess()
        return html + "</section>\n"
    }

    private func e(_ text: String) -> String { SafeText.html(text) }

    private func code(_ text: String?) -> String { text.map { "<code>\(e($0))</code>" } ?? "<i>not recorded</i>" }

    /// The verdict of `audit verify` for this session, first, so the rest is read in its light.
    private func integrity() -> String {
        guard session.recorder == "mcp-firewall" else { return "" }
        guard let verdict = session.integrity else {
            return "<p class=\"integrity\"><span class=\"badge muted\">not verified</span> no record of this "
                + "session was read from a JSONL log</p>\n"
        }
        let tone = verdict.status.tone
        var html = "<p class=\"integrity tone-\(tone)\"><span class=\"badge \(tone)\">Audit chain: "
        html += "\(e(verdict.status.label))</span>\(e(verdict.explanation))"
        if let key = verdict.keyID, verdict.status == .intactSigned {
            html += " <span class=\"hash\">key \(e(key))</span>"
        }
        if verdict.status.isTampered {
            html +=
                "<br><strong>Rows marked NOT PROVEN below come from records the chain no longer vouches for.</strong>"
        }
        return html + "</p>\n"
    }

    private func facts() -> String {
        var rows: [(String, String)] = []
        if session.recorder == "mcp-audit-trail" {
            rows.append(
                (
                    "Recorded by",
                    "mcp-audit-trail (imported): it logged traffic only, so no decision or approval is known"
                ))
        } else {
            rows.append(("Recorded by", "mcp-firewall" + (session.proxyVersion.map { " " + e($0) } ?? "")))
        }
        rows.append(
            ("Server", session.serverArgv.isEmpty ? serverInfo() : code(session.serverArgv.joined(separator: " "))))
        if !session.serverArgv.isEmpty, session.serverName != nil { rows.append(("Server info", serverInfo())) }
        if session.recorder != "mcp-audit-trail" {
            let hash = session.policySHA256.map { " <span class=\"hash\">sha256 \(e($0))</span>" } ?? ""
            rows.append(("Policy", code(session.policyPath) + hash))
            rows.append(("Environment", code(session.environment)))
        }
        rows.append(("Time", timeSpan()))
        let client = [session.clientName, session.clientVersion].compactMap { $0 }.joined(separator: " ")
        rows.append(("Client", client.isEmpty ? "<i>not recorded</i>" : e(client)))
        let era = session.era.map { " (\(e($0)))" } ?? ""
        rows.append(("Protocol", (session.protocolVersion.map(e) ?? "<i>not recorded</i>") + era))
        if session.recorder != "mcp-audit-trail" {
            var ended =
                session.endReason.map(e)
                ?? "<i>no session_end record: the session was cut short or is still running</i>"
            if let exit = session.serverExit { ended += "; server \(e(exit))" }
            rows.append(("Ended", ended))
        }
        rows.append(("Source", session.sources.map(code).joined(separator: ", ") + " · \(session.records) records"))
        let items = rows.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" }.joined(separator: "\n")
        return "<dl class=\"facts\">\n\(items)\n</dl>\n"
    }

    private func serverInfo() -> String {
        let info = [session.serverName, session.serverVersion].compactMap { $0 }.joined(separator: " ")
        return info.isEmpty ? "<i>not recorded</i>" : e(info)
    }

    private func timeSpan() -> String {
        guard let first = session.firstTimestamp, let last = session.lastTimestamp else { return "<i>not recorded</i>" }
        let span = TimestampText.span(from: first, to: last).map { " (\($0))" } ?? ""
        return "\(e(first)) → \(e(last))\(span)"
    }

    private func tallies() -> String {
        func table(_ caption: String, _ tally: Tally) -> String {
            let rows =
                tally.entries.isEmpty
                ? "<tr><td colspan=\"2\"><i>none</i></td></tr>"
                : tally.entries.map {
                    "<tr><th scope=\"row\">\(e($0.name))</th><td class=\"num\">\($0.count)</td></tr>"
                }
                .joined()
            return "<table class=\"tally\"><caption>\(caption)</caption>\(rows)</table>\n"
        }
        var html = "<div class=\"tallies\">\n"
        html += table("Calls by class", session.classes) + table("Calls by decision", session.decisions)
        html += table("Policy said", session.policyDecisions) + table("Decided by", session.approvers)
        html += table("Results", session.results)
        if session.rejections > 0 {
            html += "<table class=\"tally\"><caption>Rejected messages</caption><tr><td class=\"num\">"
            html += "\(session.rejections)</td></tr></table>\n"
        }
        return html + "</div>\n"
    }

    private func approvals() -> String {
        var html = "<h3>Approvals</h3>\n"
        html += "<p class=\"hint\">Every write and sensitive call, and every call that asked for a person: "
        html += "who let it through, or what stopped it.</p>\n"
        guard !session.approvals.isEmpty else { return html + "<p class=\"note\">No such call in this session.</p>\n" }
        html += "<table class=\"approvals\"><thead><tr><th class=\"num\">Call</th><th>Time</th><th>Tool</th>"
        html += "<th>Class</th><th>Who let it through</th><th>Reason</th><th>Arguments</th></tr></thead><tbody>\n"
        for entry in session.approvals {
            let kind = entry.label.kind
            html += "<tr class=\"tone-\(kind.tone)\" data-label=\"\(kind.name)\">"
            html += "<td class=\"num\">\(entry.call.map(String.init) ?? "")</td>"
            html += "<td title=\"\(e(entry.timestamp))\">\(e(TimestampText.time(entry.timestamp)))</td>"
            html += "<td>\(code(entry.tool))</td>"
            let toolClass = entry.toolClass?.rawValue ?? "unclassified"
            html += "<td class=\"cls-\(toolClass)\">\(toolClass)</td>"
            html +=
                "<td><span class=\"badge \(kind.tone)\"><span class=\"icon\" aria-hidden=\"true\">\(kind.icon)</span> "
            html += "\(kind.badge)</span> <span class=\"label\">\(e(entry.label.text))</span>"
            for note in entry.notes { html += "<br><span class=\"note\">\(e(note))</span>" }
            html += "</td>"
            html += "<td>\(entry.reason.map(e) ?? "")</td><td class=\"args\">\(code(entry.arguments))</td></tr>\n"
        }
        html += "</tbody></table>\n"
        if session.approvalsOmitted > 0 {
            html += "<p class=\"note\">… and \(session.approvalsOmitted) more: the timeline lists every call "
            html += "(filter it by class).</p>\n"
        }
        return html
    }

    private func tools() -> String {
        var html = "<h3>Tools</h3>\n"
        guard !session.tools.isEmpty else { return html + "<p class=\"note\">No tool was called.</p>\n" }
        html += "<table class=\"tools\"><thead><tr><th>Tool</th><th>Class</th><th>Class from</th><th class=\"num\">"
        html += "Calls</th><th class=\"num\">Allowed</th><th class=\"num\">Denied</th><th class=\"num\">Confirmation "
        html += "asked</th><th class=\"num\">Errors</th></tr></thead><tbody>\n"
        for tool in session.tools {
            let toolClass = tool.toolClass?.rawValue ?? "unclassified"
            html += "<tr><td>\(code(tool.name))</td><td class=\"cls-\(toolClass)\">\(toolClass)</td>"
            html += "<td>\(tool.classSource.map(e) ?? "")</td><td class=\"num\">\(tool.calls)</td>"
            html += "<td class=\"num\">\(tool.allowed)</td><td class=\"num\">\(tool.denied)</td>"
            html += "<td class=\"num\">\(tool.confirmations)</td><td class=\"num\">\(tool.errors)</td></tr>\n"
        }
        html += "</tbody></table>\n"
        if session.toolsOmitted > 0 {
            html += "<p class=\"note\">… and \(session.toolsOmitted) calls of more tools.</p>\n"
        }
        return html
    }

    private func dataAccess() -> String {
        let keys = entityKeys.map(code).joined(separator: " ")
        var html = "<h3>Data access</h3>\n<p class=\"hint\">Values found in call arguments under keys matching "
        html += "\(keys.isEmpty ? "no pattern" : keys) (<code>mcp-firewall report --entity-key</code> picks others) "
        html += "and the tools that read or wrote them. Denied calls did not reach the data.</p>\n"
        guard !session.entities.isEmpty else { return html + "<p class=\"note\">No entity found.</p>\n" }
        html += "<table class=\"entities\"><thead><tr><th>Entity</th><th>Found under</th><th>Tool</th><th>Class</th>"
        html += "<th class=\"num\">Allowed</th><th class=\"num\">Denied</th></tr></thead><tbody>\n"
        for entity in session.entities {
            for (index, access) in entity.accesses.enumerated() {
                let toolClass = access.toolClass?.rawValue ?? "unclassified"
                html += "<tr>"
                if index == 0 {
                    let span = entity.accesses.count
                    html +=
                        "<td rowspan=\"\(span)\">\(code(entity.value))</td><td rowspan=\"\(span)\">\(code(entity.key))</td>"
                }
                html += "<td>\(code(access.tool))</td><td class=\"cls-\(toolClass)\">\(toolClass)</td>"
                html += "<td class=\"num\">\(access.allowed)</td><td class=\"num\">\(access.denied)</td></tr>\n"
            }
        }
        html += "</tbody></table>\n"
        if session.entitiesOmitted > 0 {
            html += "<p class=\"note\">… and \(session.entitiesOmitted) accesses to more entities.</p>\n"
        }
        return html
    }
}
