/// What every channel shows an approver: the same facts, bounded and sanitised, so a long harmless
/// value can never push a dangerous one out of view and no text can repaint the approver's screen.
package enum ApprovalSummary {
    /// The rule that asked for the confirmation, or the class default: "`send_*` at policy.yaml:12".
    package static func ruleText(_ decision: PolicyDecision) -> String {
        decision.rule.map { "`\(decision.ruleName ?? $0.patternDescription)` at \($0.location.fileAndLine)" }
            ?? "\(decision.toolClass.rawValue) default"
    }

    /// Every argument on its own line, each value cut in the middle when long. A long object or array
    /// is opened up: each of its values gets its own line under a dotted path (`"message.recipient":`),
    /// so a long harmless value can never push a dangerous one out of view, however deeply nested.
    /// Past `maxLines` values the rest are counted, not shown.
    package static func argumentLines(_ arguments: JSONValue, limit: Int = 240, maxLines: Int = 200) -> [String] {
        let (entries, hidden) = argumentEntries(arguments, limit: limit, maxLines: maxLines)
        guard case .object(let members) = arguments, !members.isEmpty else { return entries.map(\.text) }
        var shown = entries.map { "\(json(.string($0.path))):\($0.text)" }
        if hidden > 0 { shown.append("…(\(hidden) more values not shown: deny if unsure)") }
        return shown.enumerated().map { index, line in
            (index == 0 ? "{" : " ") + line + (index == shown.count - 1 ? "}" : "")
        }
    }

    /// The values `argumentLines` shows, as (dotted path, sanitised JSON text) pairs, and how many more
    /// there are. Arguments that are not a non-empty object give one entry with an empty path.
    package static func argumentEntries(
        _ arguments: JSONValue, limit: Int = 240, maxLines: Int = 200
    ) -> (entries: [(path: String, text: String)], hidden: Int) {
        guard case .object(let members) = arguments, !members.isEmpty else {
            return ([("", middleCut(json(arguments), limit: limit))], 0)
        }
        var entries: [(path: String, text: String)] = []
        for member in members {
            collect(path: member.key, member.value, limit: limit, into: &entries)
        }
        return (Array(entries.prefix(maxLines)), max(0, entries.count - maxLines))
    }

    private static func collect(
        path: String, _ value: JSONValue, limit: Int, into entries: inout [(path: String, text: String)]
    ) {
        let text = json(value)
        guard text.count > limit else {
            entries.append((path, text))
            return
        }
        switch value {
        case .object(let members) where !members.isEmpty:
            for member in members { collect(path: path + "." + member.key, member.value, limit: limit, into: &entries) }
        case .array(let items) where !items.isEmpty:
            for (index, item) in items.enumerated() {
                collect(path: path + ".\(index)", item, limit: limit, into: &entries)
            }
        default:
            entries.append((path, middleCut(text, limit: limit)))
        }
    }

    /// One value as sanitised JSON text (number literals kept as the client wrote them).
    private static func json(_ value: JSONValue) -> String {
        var writer = JSONWriter()
        writer.value(value)
        return sanitize(String(decoding: writer.bytes, as: UTF8.self))
    }

    /// A plain-text description for channels that show one message (MCP elicitation, chat hooks). The
    /// arguments end each line with a comma, so a client that runs the lines together still shows where
    /// one value stops and the next starts.
    package static func message(_ request: ApprovalRequest, now: Double) -> String {
        let decision = request.decision
        let seconds = max(0, Int((request.deadline - now).rounded()))
        return """
            mcp-firewall asks you to approve a tool call [\(request.id)].
            server: \(sanitize(request.server))
            tool: \(sanitize(request.tool)) (\(decision.toolClass.rawValue))
            rule: \(sanitize(ruleText(decision)))
            reason: \(sanitize(decision.reason))
            arguments:
            \(argumentLines(request.arguments).joined(separator: ",\n"))
            Denied automatically in \(seconds) s without an answer.
            """
    }

    /// `text` with its middle replaced by a count when it is longer than `limit` characters.
    package static func middleCut(_ text: String, limit: Int = 240) -> String {
        guard text.count > limit else { return text }
        let head = text.prefix(limit * 2 / 3)
        let tail = text.suffix(limit / 3)
        return "\(head)…(\(text.count - head.count - tail.count) characters omitted)…\(tail)"
    }

    /// Whether a name shows something: at least one character that is not white space, a control or
    /// format character, or default-ignorable (a Hangul filler, a zero-width space). An approver whose
    /// name renders as nothing is not attributed.
    package static func isVisibleName(_ text: String) -> Bool {
        text.unicodeScalars.contains { scalar in
            let properties = scalar.properties
            switch properties.generalCategory {
            case .control, .format, .spaceSeparator, .lineSeparator, .paragraphSeparator, .unassigned, .surrogate,
                .privateUse:
                return false
            default:
                return !properties.isWhitespace && !properties.isDefaultIgnorableCodePoint
                    && !properties.isNoncharacterCodePoint
            }
        }
    }

    /// Replaces control and format characters (escape sequences, bidi overrides) with visible escapes.
    package static func sanitize(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension ApprovalRequest {
    /// The request as one JSON object, for hooks, webhooks and the web page:
    /// `{"approval_id", "tool", "class", "rule": {"name", "pattern", "file", "line"} | null, "reason",
    /// "server", "policy_sha256", "arguments", "binding", "requested_at", "deadline", "remember"}`.
    /// Times are RFC 3339 UTC; `remember` is `never`, `session` or a duration (`10m`).
    package func json() -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("approval_id", id)
        writer.field("tool", tool)
        writer.field("class", decision.toolClass.rawValue)
        writer.key("rule")
        if let rule = decision.rule {
            writer.beginObject()
            writer.field("name", decision.ruleName)
            writer.field("pattern", rule.patternDescription)
            writer.field("file", rule.location.file)
            writer.field("line", rule.location.line)
            writer.endObject()
        } else {
            writer.null()
        }
        writer.field("reason", decision.reason)
        writer.field("server", server)
        writer.field("policy_sha256", policySHA256)
        writer.key("arguments")
        writer.value(arguments)
        writer.field("binding", binding)
        writer.field("requested_at", AuditTimestamp.format(requestedAt))
        writer.field("deadline", AuditTimestamp.format(deadline))
        writer.field("remember", remember.description)
        writer.endObject()
        return writer.take()
    }
}
