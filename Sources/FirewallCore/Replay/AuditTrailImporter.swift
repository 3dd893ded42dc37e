/// Imports the JSON log written by `mcp-audit-trail` 0.1 (the Python stdio audit proxy) for replay.
///
/// The log is one JSON document: a `summary` and an `events` list of every message both ways. Each
/// `client_to_server` `tools/call` event becomes a call, with the tool and arguments the recorder
/// extracted (`tool_name`, `tool_arguments`, else the message's `params`). That tool decided
/// nothing, so the calls carry no recorded decision; its `flags` (`sensitive`, `write`) come along
/// as information only. Events are located by the line their object starts on.
package enum AuditTrailImporter {
    /// Reads the log's bytes; `path` names the file in locations and diagnostics.
    package static func read(_ bytes: [UInt8], path: String) -> ReplayInput {
        var input = ReplayInput(path: path, kind: .auditTrail)
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes, rules: .document)
        } catch {
            input.diagnostics.append(
                PolicyDiagnostic(
                    .error, "not valid JSON: \(error.reason)", at: location(of: error.offset, in: bytes, path: path)))
            return input
        }
        guard case .array(let events)? = document["events"] else {
            input.diagnostics.append(
                PolicyDiagnostic(
                    .error, "not an mcp-audit-trail log: the document has no `events` list",
                    at: SourceLocation(file: path, line: 1, column: 1),
                    hint: "replay our own audit logs as .jsonl files, scenario files as .yaml"))
            return input
        }
        let lines = eventLines(bytes, count: events.count)
        for (index, event) in events.enumerated() {
            let at = SourceLocation(file: path, line: lines[index], column: 1)
            guard event["direction"]?.stringValue == "client_to_server",
                (event["method"] ?? event["message"]?["method"])?.stringValue == "tools/call"
            else { continue }
            let params = event["message"]?["params"]
            guard let tool = (event["tool_name"] ?? params?["name"])?.stringValue, !tool.isEmpty else {
                input.diagnostics.append(
                    PolicyDiagnostic(.error, "tools/call event \(index + 1) names no tool", at: at))
                continue
            }
            let arguments = event["tool_arguments"] ?? params?["arguments"] ?? .object([])
            guard case .object = arguments else {
                input.diagnostics.append(
                    PolicyDiagnostic(
                        .error, "tools/call event \(index + 1) has arguments that are \(arguments.typeDescription)",
                        at: at, hint: "tool arguments are a JSON object"))
                continue
            }
            var flags: [String] = []
            if case .array(let items)? = event["flags"] { flags = items.compactMap(\.stringValue) }
            input.calls.append(
                RecordedCall(
                    origin: .auditTrail(
                        event: index + 1, requestID: (event["rpc_id"] ?? event["message"]?["id"]).map(idText)),
                    location: at, tool: tool, arguments: arguments, flags: flags))
        }
        if let expected = document["summary"]?["total_tool_calls"]?.doubleValue, Int(expected) != input.calls.count {
            input.diagnostics.append(
                PolicyDiagnostic(
                    .warning,
                    "the log's summary counts \(Int(expected)) tool call(s), its events hold \(input.calls.count)",
                    at: SourceLocation(file: path, line: 1, column: 1),
                    hint: "the log may have been edited or cut short"))
        }
        return input
    }

    /// The 1-based line each element of the top-level `events` list starts on (1 when it cannot be found).
    private static func eventLines(_ bytes: [UInt8], count: Int) -> [Int] {
        let ranges: [Range<Int>] = bytes.withUnsafeBufferPointer { buffer in
            guard let members = try? JSONParser.members(buffer, in: 0..<buffer.count, rules: .document),
                let events = members.first(where: { $0.key == "events" })?.value
            else { return [] }
            return (try? JSONParser.elements(buffer, in: events)) ?? []
        }
        guard ranges.count == count else { return Array(repeating: 1, count: count) }
        var lines: [Int] = []
        var line = 1
        var scanned = 0
        for range in ranges {
            line += bytes[scanned..<range.lowerBound].count { $0 == UInt8(ascii: "\n") }
            scanned = range.lowerBound
            lines.append(line)
        }
        return lines
    }

    private static func location(of offset: Int, in bytes: [UInt8], path: String) -> SourceLocation {
        let before = bytes.prefix(min(offset, bytes.count))
        let line = 1 + before.count { $0 == UInt8(ascii: "\n") }
        let column = 1 + (before.count - ((before.lastIndex(of: UInt8(ascii: "\n")) ?? -1) + 1))
        return SourceLocation(file: path, line: line, column: column)
    }

    private static func idText(_ id: JSONValue) -> String {
        if let text = id.stringValue { return text }
        var writer = JSONWriter()
        writer.value(id)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
