import FirewallCore

extension ReportBuilder {
    /// Reads one line of an mcp-firewall audit log (JSONL); a line that is not a record becomes a warning.
    package func readAuditLine(_ line: UnsafeBufferPointer<UInt8>, file: String, number: Int, terminated: Bool = true) {
        guard line.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { return }
        let members: [(key: String, value: Range<Int>)]
        do {
            guard case .object(let found) = try JSONParser.topLevelMembers(line, rules: .document) else {
                warn(file, line: number, "not an audit record (not a JSON object); skipped")
                return
            }
            members = found
        } catch {
            let endedEarly = error.reason.hasPrefix("unterminated") || error.reason == "unexpected end of input"
            if !terminated || error.offset >= line.count || endedEarly {
                warn(file, line: number, "line is cut short (a torn write?): \(error.reason); skipped")
            } else {
                warn(file, line: number, "not valid JSON (\(error)); skipped")
            }
            return
        }
        let record = RecordFields(buffer: line, members: members)
        guard let name = record.string("event") else {
            warn(file, line: number, "not an audit record (no `event`); skipped")
            return
        }
        noteVersion(record, file: file, line: number)
        let session = session(record.string("session") ?? "(no session id in \(file))", file: file)
        let timestamp = record.string("ts") ?? ""
        updateSession(session) { $0.saw(timestamp: timestamp) }
        var event = TimelineEvent(
            session: session, seq: record.int("seq") ?? number, timestamp: timestamp, kind: .init(eventName: name),
            call: record.int("call"), summary: "")
        switch event.kind {
        case .sessionStart: readSessionStart(record, into: &event)
        case .sessionNegotiated: readNegotiated(record, into: &event)
        case .message: readMessage(record, into: &event)
        case .approvalRequested: readApprovalRequested(record, into: &event)
        case .decision: readDecision(record, into: &event)
        case .rejection: readRejection(record, into: &event)
        case .result: readResult(record, into: &event)
        case .sessionEnd: readSessionEnd(record, into: &event)
        case .toolsListed:
            let tools = record.strings("tools")
            let hidden = record.strings("hidden")
            event.summary = SafeText.capped(
                "the server lists \(tools.count) tool(s)"
                    + (hidden.isEmpty ? "" : ", \(hidden.count) hidden by the policy"),
                limit: 300)
            event.detail = SafeText.capped(tools.joined(separator: ", "), limit: detailLimit)
        case .checkpoint:
            let reason = record.string("reason") ?? "?"
            let key = record.string("key_id").map { "signed by key \($0)" } ?? "unsigned"
            event.summary = "checkpoint (\(reason)) of records 1–\(record.int("head_seq") ?? 0), \(key)"
        case .other:
            event.summary = "record of a type this report does not know: `\(name)`"
            event.detail = SafeText.capped(line, limit: detailLimit)
        }
        emit(event)
    }

    /// Notes, once per file and version, records of a schema version other than 1 and 2.
    private func noteVersion(_ record: RecordFields, file: String, line: Int) {
        let version = record.int("v")
        guard version != 1 && version != 2 else { return }
        let key = "\(file)\u{0}\(version.map(String.init) ?? "none")"
        guard versionNotes.insert(key).inserted else { return }
        if let version {
            warn(
                file, line: line,
                "audit schema version \(version) (this report reads versions 1 and 2): read leniently, unknown fields ignored"
            )
        } else {
            warn(file, line: line, "records without a schema version `v` (an older format?): read leniently")
        }
    }

    private func readSessionStart(_ record: RecordFields, into event: inout TimelineEvent) {
        let argv = record.object("server")?.strings("argv") ?? []
        let policy = record.object("policy")
        let proxy = record.object("proxy")
        updateSession(event.session) { session in
            session.serverArgv = argv
            session.policyPath = policy?.string("path")
            session.policySHA256 = policy?.string("sha256")
            session.environment = record.string("environment")
            session.proxyVersion = proxy?.string("version")
        }
        event.summary = SafeText.capped("session started: " + argv.joined(separator: " "), limit: 300)
        var lines = ["server: " + argv.joined(separator: " ")]
        if let policy {
            lines.append("policy: \(policy.string("path") ?? "?") (sha256 \(policy.string("sha256") ?? "?"))")
        }
        if let environment = record.string("environment") { lines.append("environment: " + environment) }
        if let proxy {
            lines.append(
                "proxy: \(proxy.string("name") ?? "?") \(proxy.string("version") ?? "") pid \(proxy.int("pid") ?? 0)")
        }
        if let limit = record.int("payload_limit") { lines.append("payload limit: \(limit) bytes") }
        event.detail = SafeText.capped(lines.joined(separator: "\n"), limit: detailLimit)
    }

    private func readNegotiated(_ record: RecordFields, into event: inout TimelineEvent) {
        let client = record.object("client_info")
        let server = record.object("server_info")
        updateSession(event.session) { session in
            session.era = record.string("era")
            session.protocolVersion = record.string("protocol_version")
            session.clientName = client?.string("name")
            session.clientVersion = client?.string("version")
            if let server {
                session.serverName = server.string("name")
                session.serverVersion = server.string("version")
            }
        }
        let who = [client?.string("name"), client?.string("version")].compactMap { $0 }.joined(separator: " ")
        event.summary =
            "negotiated protocol \(record.string("protocol_version") ?? "?") (\(record.string("era") ?? "?"))"
            + (who.isEmpty ? "" : " with client \(who)")
        let parts = ["client_info", "client_capabilities", "server_info"].compactMap { key in
            record.text(key, limit: detailLimit).map { "\(key): \($0)" }
        }
        event.detail = SafeText.capped(parts.joined(separator: "\n"), limit: detailLimit)
    }

    private func readMessage(_ record: RecordFields, into event: inout TimelineEvent) {
        let direction = record.string("direction")
        let method = record.string("method")
        if direction == "client_to_server", method == "tools/call", event.call != nil {
            let params = record.object("payload")?.object("params")
            let tool = params?.string("name")
            let arguments = params?.text("arguments", limit: 200)
            updateCall(event.session, event.call) { call in
                call.tool = tool ?? call.tool
                call.arguments = arguments ?? call.arguments
            }
        }
        let state = callState(event.session, event.call)
        apply(state, to: &event)
        var note = ""
        if direction == "proxy_to_client", event.call != nil {
            if isQuestionRound(record, state: state) {
                readQuestion(state, into: &event)
                note = ": input required, the proxy asks the client to confirm the call"
            }
            finishCall(event.session, event.call)
        } else if direction == "proxy_to_client", method == "elicitation/create" {
            note = ": the proxy asks the client to confirm a call"
        } else if direction == "client_to_proxy" {
            note = ": the client's answer to the proxy's question (not forwarded)"
        }
        let arrow =
            switch direction {
            case "client_to_server"?: "client → server"
            case "server_to_client"?: "server → client"
            case "proxy_to_client"?: "proxy → client"
            case "client_to_proxy"?: "client → proxy"
            default: direction ?? "?"
            }
        var summary = "\(arrow) \(record.string("kind") ?? "message")"
        if let method { summary += " " + method }
        if let id = record.text("id", limit: 80) { summary += " (id \(id))" }
        event.summary = SafeText.capped(summary + note, limit: 300)
        event.detail = payloadText(record)
    }

    /// The message itself: the payload's first bytes, or the recorded prefix and digest.
    private func payloadText(_ record: RecordFields) -> String {
        if let payload = record.bytes("payload") { return SafeText.capped(payload, limit: detailLimit) }
        let size = record.int("size").map { "\($0) bytes" } ?? "size unknown"
        if record.bool("payload_dropped") == true { return "(dropped unread: \(size))" }
        let prefix = record.string("payload_prefix").map { SafeText.capped($0, limit: detailLimit) } ?? ""
        let digest = record.string("payload_sha256").map { ", sha256 \($0)" } ?? ""
        return prefix + "\n(payload not kept in full: \(size)\(digest))"
    }

    private func readApprovalRequested(_ record: RecordFields, into event: inout TimelineEvent) {
        let timeout = record.int("timeout_ms")
        let tool = record.string("tool")
        let approvalID = record.string("approval_id")
        let racing = record.strings("racing").prefix(10).map { SafeText.capped($0, limit: 60) }
        updateCall(event.session, event.call) { call in
            call.tool = tool ?? call.tool
            call.timeoutMilliseconds = timeout
            call.approvalID = approvalID
            call.racing = racing
        }
        apply(callState(event.session, event.call), to: &event)
        let channel = record.string("channel") ?? "an unknown channel"
        event.summary = SafeText.capped(
            "approval requested via \(channel)"
                + (racing.isEmpty ? "" : " (asked at once: \(racing.joined(separator: ", ")))")
                + (timeout.map { ", timeout \(ApprovalLabel.duration($0))" } ?? ""), limit: 300)
        var lines = ["approval id: \(approvalID ?? "?")"]
        if !racing.isEmpty { lines.append("racing: " + racing.joined(separator: ", ")) }
        if let binding = record.string("binding") { lines.append("binding: " + binding) }
        event.detail = SafeText.capped(lines.joined(separator: "\n"), limit: detailLimit)
    }

    private func readRejection(_ record: RecordFields, into event: inout TimelineEvent) {
        updateSession(event.session) { $0.rejections += 1 }
        let code = record.int("code").map { " (\($0))" } ?? ""
        event.summary = SafeText.capped(
            "rejected a client message\(code): \(record.string("message") ?? "")", limit: 300)
        event.detail = payloadText(record)
    }

    private func readResult(_ record: RecordFields, into event: inout TimelineEvent) {
        let state = callState(event.session, event.call)
        apply(state, to: &event)
        let tool = record.string("tool") ?? state?.tool
        event.tool = tool
        let outcome = record.string("outcome") ?? "unknown"
        let isError = record.bool("is_error") ?? (outcome != "ok")
        account(result: outcome, isError: isError, tool: tool, session: event.session)
        finishCall(event.session, event.call)
        let duration = record.double("duration_ms").map { " in \($0) ms" } ?? ""
        let code = record.int("error_code").map { ", error code \($0)" } ?? ""
        event.summary = "result: \(outcome)\(duration)\(code)"
        event.detail = "outcome: \(outcome)\nis_error: \(isError)" + code.replacingOccurrences(of: ", ", with: "\n")
    }

    private func readSessionEnd(_ record: RecordFields, into event: inout TimelineEvent) {
        let reason = record.string("reason")
        updateSession(event.session) { session in
            session.endReason = reason
            session.serverExit = record.string("server_exit")
            session.durationMilliseconds = record.double("duration_ms")
        }
        event.summary = SafeText.capped("session ended: \(reason ?? "reason not recorded")", limit: 300)
        let parts = [
            record.string("server_exit").map { "server: \($0)" },
            record.text("counts", limit: detailLimit).map { "counts: \($0)" },
        ]
        event.detail = parts.compactMap { $0 }.joined(separator: "\n")
    }

    /// Copies what is known about the call onto a row, so filters find every record of a call.
    func apply(_ state: CallState?, to event: inout TimelineEvent) {
        guard let state else { return }
        event.tool = state.tool
        event.toolClass = state.toolClass
        event.decision = state.decision
        event.approver = state.approver
    }
}
