/// One readable line per audit record, for the stderr sink and `mcp-firewall audit tail`.
///
/// `2026-11-25 21:27:40.516Z 3f2a9c1b #12 decision  update_salary write ALLOW by human alice via web: …`
/// Every text taken from a record is sanitised (control and format characters escaped), so a tool
/// name or an approver's comment cannot move the cursor or colour the terminal. Colour is the
/// caller's choice: only when the output is a terminal.
package struct AuditLineFormatter: Sendable {
    package var colour: Bool

    package init(colour: Bool = false) {
        self.colour = colour
    }

    private enum Tint: String {
        case dim = "2"
        case green = "32"
        case red = "31"
        case yellow = "33"
        case bold = "1"
    }

    private func paint(_ text: String, _ tint: Tint) -> String {
        colour ? "\u{1B}[\(tint.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// The line for one log line (its newline not needed); a line that is not a record says so.
    package func format(_ line: ArraySlice<UInt8>) -> String {
        let trimmed = line.last == 0x0A ? line.dropLast() : line
        guard let record = try? JSONParser.parse(Array(trimmed), rules: .document), case .object = record else {
            return paint("(not an audit record: \(trimmed.count) bytes, a line cut short or edited)", .yellow)
        }
        return format(record)
    }

    /// The line for one parsed record.
    package func format(_ record: JSONValue) -> String {
        let event = Self.text(record["event"]) ?? "?"
        let time = Self.shortTime(record["ts"]?.stringValue)
        let session = String((Self.text(record["session"]) ?? "-").prefix(8))
        let seq = record["seq"].map { "#" + (Self.text($0) ?? "?") } ?? "#?"
        let head = paint("\(time) \(session) \(seq)", .dim)
        let name = event.padding(toLength: max(event.count, 18), withPad: " ", startingAt: 0)
        let detail = details(record, event: event)
        return "\(head) \(paint(name, .bold))" + (detail.isEmpty ? "" : " " + detail)
    }

    private func details(_ record: JSONValue, event: String) -> String {
        let tool = Self.text(record["tool"])
        switch event {
        case "session_start":
            var parts = ["policy \(Self.text(record["policy"]?["path"]) ?? "?")"]
            if let environment = Self.text(record["environment"]) { parts.append("env \(environment)") }
            if case .array(let argv)? = record["server"]?["argv"] {
                parts.append("server " + argv.compactMap { Self.text($0) }.joined(separator: " "))
            }
            return parts.joined(separator: ", ")
        case "session_negotiated":
            let client = [Self.text(record["client_info"]?["name"]), Self.text(record["client_info"]?["version"])]
                .compactMap { $0 }.joined(separator: " ")
            return "client \(client.isEmpty ? "?" : client), protocol \(Self.text(record["protocol_version"]) ?? "?")"
        case "message":
            let direction = (Self.text(record["direction"]) ?? "?").replacingUnderscoreTo
            var parts = [direction, Self.text(record["kind"]) ?? "?"]
            if let method = Self.text(record["method"]) { parts.append(method) }
            if let id = record["id"] { parts.append("id=\(Self.text(id) ?? "?")") }
            return parts.joined(separator: " ")
        case "approval_requested":
            let channel = Self.text(record["channel"]) ?? "?"
            return paint("\(tool ?? "?") waits for \(channel)", .yellow)
                + " (\(Self.text(record["approval_id"]) ?? "?"))"
        case "decision":
            return decision(record, tool: tool)
        case "result":
            let outcome = Self.text(record["outcome"]) ?? "?"
            let duration = Self.text(record["duration_ms"]).map { " \($0) ms" } ?? ""
            return "\(tool ?? "?") " + paint(outcome, outcome == "ok" ? .green : .red) + duration
        case "rejection":
            return paint("code \(Self.text(record["code"]) ?? "?")", .red) + " " + (Self.text(record["message"]) ?? "")
        case "tools_listed":
            let count = { (key: String) -> Int in
                if case .array(let items)? = record[key] { return items.count }
                return 0
            }
            return "\(count("tools")) tools, \(count("hidden")) hidden"
        case "session_end":
            let duration = Self.text(record["duration_ms"]).map { " after \($0) ms" } ?? ""
            return (Self.text(record["reason"]) ?? "?") + duration
        default:
            return ""
        }
    }

    private func decision(_ record: JSONValue, tool: String?) -> String {
        let decision = Self.text(record["decision"]) ?? "?"
        var text = "\(tool ?? "?") \(Self.text(record["class"]) ?? "?") "
        text += paint(decision.uppercased(), decision == "allow" ? .green : .red)
        if let by = record["decided_by"] {
            text += " by \(Self.text(by["kind"]) ?? "?")"
            if let identity = Self.text(by["identity"]) { text += " \(identity)" }
            if let channel = Self.text(by["channel"]), channel != Self.text(by["kind"]) { text += " via \(channel)" }
        }
        if let outcome = Self.text(record["approval"]?["outcome"]) { text += " (\(outcome))" }
        if let file = Self.text(record["rule"]?["file"]), let line = Self.text(record["rule"]?["line"]) {
            text += " (rule \(file):\(line))"
        }
        if let reason = Self.text(record["reason"]) { text += ": \(ApprovalSummary.middleCut(reason, limit: 160))" }
        return text
    }

    /// `2026-11-25T21:27:40.516703Z` as `2026-11-25 21:27:40.516Z`.
    static func shortTime(_ ts: String?) -> String {
        guard let ts, ts.count >= 23 else { return ApprovalSummary.sanitize(ts ?? "-") }
        return ApprovalSummary.sanitize(String(ts.prefix(10)) + " " + String(ts.dropFirst(11).prefix(12)) + "Z")
    }

    /// A string or number of the record, sanitised for a terminal.
    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)?: ApprovalSummary.sanitize(text)
        case .number(let text)?: text
        case .bool(let flag)?: flag ? "true" : "false"
        default: nil
        }
    }
}

extension String {
    /// `client_to_server` as `client→server`.
    fileprivate var replacingUnderscoreTo: String {
        guard let range = range(of: "_to_") else { return self }
        return self[..<range.lowerBound] + "→" + self[range.upperBound...]
    }
}
