/// What every channel shows an approver: the same facts, bounded and sanitised, so a long harmless
/// value can never push a dangerous one out of view and no text can repaint the approver's screen.
package enum ApprovalSummary {
    /// The rule that asked for the confirmation, or the class default: "`send_*` at policy.yaml:12".
    package static func ruleText(_ decision: PolicyDecision) -> String {
        decision.rule.map { "`\(decision.ruleName ?? $0.patternDescription)` at \($0.location.fileAndLine)" }
            ?? "\(decision.toolClass.rawValue) default"
    }

    /// Every argument on its own line, each value cut in the middle when long.
    package static func argumentLines(_ arguments: JSONValue, limit: Int = 240) -> [String] {
        func json(_ value: JSONValue) -> String {
            var writer = JSONWriter()
            writer.value(value)
            return sanitize(String(decoding: writer.bytes, as: UTF8.self))
        }
        guard case .object(let members) = arguments, !members.isEmpty else {
            return [middleCut(json(arguments), limit: limit)]
        }
        return members.enumerated().map { index, member in
            let key = json(.string(member.key))
            let line = "\(key):\(middleCut(json(member.value), limit: limit))"
            return (index == 0 ? "{" : " ") + line + (index == members.count - 1 ? "}" : "")
        }
    }

    /// A plain-text description for channels that show one message (MCP elicitation, chat hooks).
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
            \(argumentLines(request.arguments).joined(separator: "\n"))
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
        return writer.bytes
    }
}
