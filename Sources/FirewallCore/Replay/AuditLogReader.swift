/// Reads our audit log (JSONL, schema version 1) into the calls it decided, for replay.
///
/// Every `decision` record becomes a call with its recorded policy decision, in the environment of
/// its session (`session_start.environment`). The log does not record annotations with a call, so
/// they are rebuilt: from the server's `tools/list` answers recorded earlier in the session, else
/// from a class that came from annotations (`read` means `readOnlyHint: true`). Lines that do not
/// parse are reported with their line numbers and skipped; a torn last write is only a warning.
package enum AuditLogReader {
    /// Reads the log's bytes; `path` names the file in locations and diagnostics.
    package static func read(_ bytes: [UInt8], path: String) -> ReplayInput {
        var state = State(path: path)
        var lineNumber = 0
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            guard line.contains(where: { !isSpace($0) }) else { continue }
            state.read(Array(line), line: lineNumber)
        }
        if state.calls.isEmpty, !state.diagnostics.contains(where: { $0.severity == .error }) {
            state.diagnostics.append(
                PolicyDiagnostic(
                    .warning, "the audit log records no tools/call decision",
                    at: SourceLocation(file: path, line: 1, column: 1), hint: "nothing from this file is replayed"))
        }
        return ReplayInput(path: path, kind: .auditLog, calls: state.calls, diagnostics: state.diagnostics)
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }

    /// What the reader knows so far, per session.
    private struct State {
        let path: String
        var calls: [RecordedCall] = []
        var diagnostics: [PolicyDiagnostic] = []
        var environments: [String: String] = [:]
        var annotations: [String: [String: ToolAnnotations]] = [:]

        init(path: String) {
            self.path = path
        }

        mutating func read(_ line: [UInt8], line number: Int) {
            let record: JSONValue
            do {
                record = try JSONParser.parse(line, rules: .document)
            } catch {
                if error.offset >= line.count {
                    warn("line \(number) is cut short (a proxy stopped mid-write); skipped", line: number)
                } else {
                    fail("line \(number) is not valid JSON: \(error)", line: number)
                }
                return
            }
            guard case .object = record, let event = record["event"]?.stringValue else {
                fail("line \(number) is not an audit record (no `event`)", line: number)
                return
            }
            guard ["session_start", "message", "decision"].contains(event) else { return }
            if let version = record["v"], version != .number("1"), version != .number("2") {
                fail(
                    "line \(number) has audit schema version \(Self.text(version)), this reader knows versions 1 and 2",
                    line: number)
                return
            }
            let session = record["session"]?.stringValue ?? ""
            switch event {
            case "session_start":
                // Only an overlay that was in force says how the session was judged; a bare label
                // (`dev` by default) must not make a replay apply an overlay the session never had.
                // Logs written before `environment_overlay` existed carry the name alone.
                if record["environment_overlay"]?.boolValue != false {
                    environments[session] = record["environment"]?.stringValue
                }
            case "message":
                learnAnnotations(from: record, session: session)
            default:
                readDecision(record, session: session, line: number)
            }
        }

        private mutating func learnAnnotations(from record: JSONValue, session: String) {
            guard record["direction"]?.stringValue == "server_to_client",
                case .array(let tools)? = record["payload"]?["result"]?["tools"]
            else { return }
            for tool in tools {
                guard let name = tool["name"]?.stringValue else { continue }
                annotations[session, default: [:]][name] = tool["annotations"].map(ToolAnnotations.init)
            }
        }

        private mutating func readDecision(_ record: JSONValue, session: String, line: Int) {
            guard let tool = record["tool"]?.stringValue, !tool.isEmpty else {
                fail("decision record on line \(line) has no `tool`", line: line)
                return
            }
            guard let word = record["policy_decision"]?.stringValue, let decision = Decision(rawValue: word) else {
                fail("decision record on line \(line) has no valid `policy_decision`", line: line)
                return
            }
            let arguments = record["arguments"] ?? .object([])
            guard case .object = arguments else {
                fail("decision record on line \(line) has `arguments` that are not an object", line: line)
                return
            }
            let toolClass = record["class"]?.stringValue.flatMap(ToolClass.init(rawValue:))
            let rule = record["rule"].flatMap { rule -> String? in
                guard let file = rule["file"]?.stringValue, let ruleLine = rule["line"] else { return nil }
                return "\(file):\(Self.text(ruleLine))"
            }
            var known = annotations[session]?[tool]
            if known == nil, record["class_source"]?.stringValue == "annotations", let toolClass {
                // The proxy classified from annotations it saw; only `readOnlyHint` matters for the class.
                known = ToolAnnotations(readOnlyHint: toolClass == .read)
            }
            let call = record["call"]?.doubleValue.flatMap { Int(exactly: $0) } ?? calls.count + 1
            // A redacted argument is replayed as its marker: say so, since a changed decision may come from it.
            var flags: [String] = []
            if case .array(let redactions)? = record["redactions"] {
                for path in redactions.compactMap({ $0["path"]?.stringValue }) where path.hasPrefix("/arguments/") {
                    flags.append("redacted:" + path.dropFirst("/arguments".count))
                }
            }
            calls.append(
                RecordedCall(
                    origin: .auditLog(session: session, call: call),
                    location: SourceLocation(file: path, line: line, column: 1),
                    tool: tool, arguments: arguments, annotations: known, environment: environments[session],
                    recorded: RecordedCall.Recorded(
                        policyDecision: decision,
                        finalDecision: record["decision"]?.stringValue.flatMap(Decision.init(rawValue:)),
                        toolClass: toolClass, rule: rule),
                    flags: flags
                ))
        }

        private mutating func fail(_ message: String, line: Int) {
            diagnostics.append(PolicyDiagnostic(.error, message, at: SourceLocation(file: path, line: line, column: 1)))
        }

        private mutating func warn(_ message: String, line: Int) {
            diagnostics.append(
                PolicyDiagnostic(.warning, message, at: SourceLocation(file: path, line: line, column: 1)))
        }

        private static func text(_ value: JSONValue) -> String {
            var writer = JSONWriter()
            writer.value(value)
            return String(decoding: writer.bytes, as: UTF8.self)
        }
    }
}
