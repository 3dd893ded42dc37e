import FirewallCore

extension ReportBuilder {
    /// Reads a JSON log written by `mcp-audit-trail` 0.1 (one document with `events`); false if it is not one.
    ///
    /// That tool decides nothing: every call was forwarded, so calls carry no decision, their class comes from
    /// its `sensitive`/`write` flags, and the Approvals label says no decision was recorded.
    @discardableResult
    package func readAuditTrail(_ document: UnsafeBufferPointer<UInt8>, file: String) -> Bool {
        guard let root = RecordFields(buffer: document, object: Self.trimmed(document)),
            let eventsRange = root.range("events"),
            let events = try? JSONParser.elements(document, in: eventsRange, rules: .document)
        else { return false }
        let session = session(root.string("session_id") ?? "(mcp-audit-trail log \(file))", file: file)
        updateSession(session) { $0.recorder = "mcp-audit-trail" }
        var lines = LineCounter(document)
        for (index, range) in events.enumerated() {
            guard let event = RecordFields(buffer: document, object: range) else {
                warn(file, line: lines.line(at: range.lowerBound), "event \(index + 1) is not an object; skipped")
                continue
            }
            readTrailEvent(event, session: session, seq: index + 1)
        }
        if let expected = root.object("summary")?.int("total_tool_calls"), expected != sessions[session].classes.total {
            warn(
                file, line: 1,
                "the log's summary counts \(expected) tool call(s), its events hold \(sessions[session].classes.total)")
        }
        return true
    }

    private func readTrailEvent(_ event: RecordFields, session: Int, seq: Int) {
        let timestamp = event.string("timestamp") ?? ""
        updateSession(session) { $0.saw(timestamp: timestamp) }
        let message = event.object("message")
        let direction = event.string("direction")
        let method = event.string("method") ?? message?.string("method")
        let id = event.int("rpc_id") ?? message?.int("id")
        var row = TimelineEvent(session: session, seq: seq, timestamp: timestamp, kind: .message, summary: "")
        noteHandshake(message, method: method, session: session)
        if direction == "client_to_server", method == "tools/call" {
            let params = message?.object("params")
            let tool = event.string("tool_name") ?? params?.string("name") ?? "(tool not recorded)"
            let flags = event.strings("flags")
            let toolClass: ToolClass? =
                flags.contains("sensitive") ? .sensitive : flags.contains("write") ? .write : nil
            let facts = DecisionFacts(
                tool: tool, toolClass: toolClass,
                classSource: flags.isEmpty ? "unflagged (mcp-audit-trail)" : "mcp-audit-trail flag")
            let arguments = event.object("tool_arguments") ?? params?.object("arguments")
            let argumentsText =
                event.text("tool_arguments", limit: detailLimit) ?? params?.text("arguments", limit: detailLimit)
                ?? "{}"
            account(
                facts, label: .notDecided, session: session, call: id, seq: seq, timestamp: timestamp,
                arguments: arguments, argumentsText: argumentsText)
            updateCall(session, id) { call in
                call.tool = tool
                call.toolClass = toolClass
            }
            row.label = .notDecided
            row.detail =
                "arguments: " + argumentsText + (flags.isEmpty ? "" : "\nflags: " + flags.joined(separator: ", "))
        } else if direction == "server_to_client", let state = callState(session, id) {
            let failed = event.bool("has_error") == true || message?.range("error") != nil
            account(result: failed ? "error" : "ok", isError: failed, tool: state.tool, session: session)
            finishCall(session, id)
            apply(state, to: &row)
            let result = event.text("tool_result", limit: detailLimit) ?? event.text("message", limit: detailLimit)
            row.detail = (failed ? "error: " : "result: ") + (result ?? "")
        } else {
            row.detail = event.text("message", limit: detailLimit) ?? ""
        }
        if row.tool == nil, let state = callState(session, id) { apply(state, to: &row) }
        row.call = nil
        let arrow =
            direction == "client_to_server"
            ? "client → server" : direction == "server_to_client" ? "server → client" : direction ?? "?"
        row.summary = SafeText.capped(
            "\(arrow) \(method ?? "response")" + (id.map { " (id \($0))" } ?? ""), limit: 300)
        emit(row)
    }

    /// Client, server and protocol facts from the `initialize` exchange.
    private func noteHandshake(_ message: RecordFields?, method: String?, session: Int) {
        guard let message else { return }
        if method == "initialize", let params = message.object("params") {
            let client = params.object("clientInfo")
            updateSession(session) { summary in
                summary.clientName = client?.string("name")
                summary.clientVersion = client?.string("version")
                summary.protocolVersion = summary.protocolVersion ?? params.string("protocolVersion")
                summary.era = "legacy"
            }
        } else if let result = message.object("result"), let server = result.object("serverInfo") {
            updateSession(session) { summary in
                summary.serverName = server.string("name")
                summary.serverVersion = server.string("version")
                summary.protocolVersion = result.string("protocolVersion") ?? summary.protocolVersion
            }
        }
    }

    private static func trimmed(_ buffer: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        var lower = 0
        var upper = buffer.count
        while lower < upper, [0x20, 0x09, 0x0A, 0x0D].contains(buffer[lower]) { lower += 1 }
        while upper > lower, [0x20, 0x09, 0x0A, 0x0D].contains(buffer[upper - 1]) { upper -= 1 }
        return lower..<upper
    }
}

/// Turns byte offsets into 1-based line numbers, for offsets visited in increasing order.
struct LineCounter {
    private let buffer: UnsafeBufferPointer<UInt8>
    private var offset = 0
    private var current = 1

    init(_ buffer: UnsafeBufferPointer<UInt8>) {
        self.buffer = buffer
    }

    mutating func line(at target: Int) -> Int {
        while offset < min(target, buffer.count) {
            if buffer[offset] == 0x0A { current += 1 }
            offset += 1
        }
        return current
    }
}
