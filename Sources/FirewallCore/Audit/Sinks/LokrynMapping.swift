/// Turns audit records into lokryn compliance-log-schema `LogRequest`s (package
/// `lokryn.compliance.v1`) in their JSON form, so that collectors built for `lokryn-mcp-log` keep
/// working (`format: lokryn` on an HTTP sink).
///
/// Field names are the proto's own (snake_case), enums are their names (`EVENT_LOGIN`), timestamps
/// RFC 3339; 64-bit integers are JSON numbers, which protobuf's JSON parser also accepts. Only what a
/// record holds is mapped: no field is invented. The schema has no integrity fields, so `seq`, and
/// the chain's `prev` and `h` when records carry them, go nowhere: that is what the NDJSON format is
/// for. Facts stated once per session (environment, client and server) are remembered from
/// `session_start` and `session_negotiated` and repeated on every later record of that session.
package struct LokrynMapping: Sendable {
    /// What earlier records of a session said, for the records after them.
    struct SessionFacts: Sendable {
        var environment: String?
        var proxyVersion: String?
        var protocolVersion: String?
        var client: (name: String?, version: String?)
        var server: (name: String?, version: String?)
    }

    /// At most this many sessions are remembered; the oldest is forgotten first.
    static let sessionLimit = 256
    private var sessions: [String: SessionFacts] = [:]
    private var order: [String] = []

    package init() {}

    /// The `LogRequest` JSON of one log line (newline not included), or nil for a line that is not a
    /// record (a torn fragment).
    package mutating func map(_ line: ArraySlice<UInt8>) -> [UInt8]? {
        let trimmed = line.last == 0x0A ? line.dropLast() : line
        guard let record = try? JSONParser.parse(Array(trimmed), rules: .document), case .object = record,
            let event = record["event"]?.stringValue
        else { return nil }
        let session = record["session"]?.stringValue ?? ""
        var facts = sessions[session] ?? SessionFacts()
        learn(from: record, event: event, into: &facts)
        remember(facts, for: session)
        return Self.encode(record, event: event, facts: facts)
    }

    private func learn(from record: JSONValue, event: String, into facts: inout SessionFacts) {
        switch event {
        case "session_start":
            facts.environment = record["environment"]?.stringValue
            facts.proxyVersion = record["proxy"]?["version"]?.stringValue
        case "session_negotiated":
            facts.protocolVersion = record["protocol_version"]?.stringValue
            facts.client = (record["client_info"]?["name"]?.stringValue, record["client_info"]?["version"]?.stringValue)
            facts.server = (record["server_info"]?["name"]?.stringValue, record["server_info"]?["version"]?.stringValue)
        default:
            break
        }
    }

    private mutating func remember(_ facts: SessionFacts, for session: String) {
        if sessions.updateValue(facts, forKey: session) == nil {
            order.append(session)
            if order.count > Self.sessionLimit { sessions[order.removeFirst()] = nil }
        }
    }

    /// lokryn's `EventType` for a record.
    static func eventType(_ event: String, method: String?) -> String {
        switch event {
        case "session_start": return "EVENT_LOGIN"
        case "session_end": return "EVENT_LOGOUT"
        case "session_negotiated": return "EVENT_MCP_INITIALIZE"
        case "decision", "result", "approval_requested": return "EVENT_TOOL_INVOCATION"
        case "tools_listed": return "EVENT_TOOL_LIST"
        case "rejection": return "EVENT_TRANSPORT_ERROR"
        case "message":
            switch method {
            case "initialize": return "EVENT_MCP_INITIALIZE"
            case "notifications/initialized": return "EVENT_MCP_INITIALIZED"
            case "ping": return "EVENT_MCP_PING"
            case "tools/call": return "EVENT_TOOL_INVOCATION"
            case "tools/list": return "EVENT_TOOL_LIST"
            case "resources/list": return "EVENT_RESOURCE_LIST"
            case "resources/read": return "EVENT_RESOURCE_READ"
            case "prompts/list": return "EVENT_PROMPT_LIST"
            case "prompts/get": return "EVENT_PROMPT_EXECUTION"
            case "sampling/createMessage": return "EVENT_SAMPLING_REQUEST"
            default: return "EVENT_UNSPECIFIED"
            }
        default: return "EVENT_UNSPECIFIED"
        }
    }

    /// lokryn's `Outcome` for a record: the decision, the result's outcome, or a v2 `outcome` field.
    static func outcome(_ record: JSONValue, event: String) -> String {
        let stated = record["outcome"]?.stringValue
        switch event {
        case "decision":
            return record["decision"]?.stringValue == "allow" ? "OUTCOME_SUCCESS" : "OUTCOME_FAILURE_DENIED"
        case "rejection":
            return "OUTCOME_FAILURE_ERROR"
        case "approval_requested":
            return "OUTCOME_UNKNOWN"
        default:
            switch stated {
            case nil: return event == "message" ? "OUTCOME_UNKNOWN" : "OUTCOME_SUCCESS"
            case "ok", "success": return "OUTCOME_SUCCESS"
            case "denied": return "OUTCOME_FAILURE_DENIED"
            case "unauthorized": return "OUTCOME_FAILURE_UNAUTHORIZED"
            case "tool_error", "rpc_error", "server_exited", "withheld", "error", "timeout":
                return "OUTCOME_FAILURE_ERROR"
            default: return "OUTCOME_OTHER"
            }
        }
    }

    /// The severity lokryn-mcp-log derives from the outcome.
    static func severity(_ outcome: String) -> String {
        switch outcome {
        case "OUTCOME_FAILURE_ERROR": "SEVERITY_ERROR"
        case "OUTCOME_FAILURE_DENIED", "OUTCOME_FAILURE_UNAUTHORIZED": "SEVERITY_WARNING"
        default: "SEVERITY_INFO"
        }
    }

    static func encode(_ record: JSONValue, event: String, facts: SessionFacts) -> [UInt8] {
        let method = record["method"]?.stringValue
        let type = eventType(event, method: method)
        let outcome = outcome(record, event: event)
        let tool = record["tool"]?.stringValue
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("event_type", type)
        writer.field("outcome", outcome)
        writer.field("severity", severity(outcome))
        if let sensitivity = record["sensitivity"]?.stringValue {
            writer.field("sensitivity", "SENSITIVITY_" + sensitivity.uppercased())
        }
        if type == "EVENT_TOOL_INVOCATION" { writer.field("ocsf_class_uid", 6003) }
        writer.field("time", record["ts"]?.stringValue)
        if case .number(let duration)? = record["duration_ms"], let milliseconds = Double(duration) {
            writer.field("duration_ms", Int(milliseconds.rounded()))
        }
        writer.field("actor_id", record["actor"]?["id"]?.stringValue)
        writer.field("actor_type", record["actor"]?["type"]?.stringValue)
        writer.field("component", record["component"]?.stringValue)
        writer.field("environment", record["environment"]?.stringValue ?? facts.environment)
        writer.field("resource", resource(event: event, tool: tool, method: method))
        writer.field("message", message(record, event: event, tool: tool))
        writer.field("trace_id", record["correlation_id"]?.stringValue)
        writer.field("session_id", record["session"]?.stringValue)
        if case .array(let tags)? = record["tags"] ?? record["policy_tags"] {
            writer.key("policy_tags")
            writer.value(.array(tags.filter { $0.stringValue != nil }))
        }
        writer.key("metadata")
        writer.beginObject()
        writer.field("schema_version", "mcp-firewall/audit/v\(record["v"].map(Self.text) ?? "1")")
        writer.field("product_name", "mcp-firewall")
        writer.field("product_version", facts.proxyVersion)
        writer.field("vendor_name", "mcp-firewall")
        writer.endObject()
        if tool != nil || event == "session_negotiated" || method != nil {
            writer.key("mcp")
            writer.beginObject()
            writer.field("protocol_version", facts.protocolVersion)
            if let id = record["id"] { writer.field("request_id", text(id)) }
            writer.field("tool_name", tool)
            if event == "decision", let arguments = record["arguments"], case .object = arguments {
                writer.key("tool_arguments")
                writer.value(arguments)
            }
            writer.endObject()
        }
        writer.field("client_id", record["client"]?["name"]?.stringValue ?? facts.client.name)
        writer.field("client_version", record["client"]?["version"]?.stringValue ?? facts.client.version)
        writer.field("server_id", record["server"]?["name"]?.stringValue ?? facts.server.name)
        writer.field("server_version", record["server"]?["version"]?.stringValue ?? facts.server.version)
        if case .number(let size)? = record["request_size"] ?? record["size"], let bytes = Int(size) {
            writer.field("request_size_bytes", bytes)
        }
        if case .number(let size)? = record["response_size"], let bytes = Int(size) {
            writer.field("response_size_bytes", bytes)
        }
        writer.endObject()
        return writer.take()
    }

    private static func resource(event: String, tool: String?, method: String?) -> String? {
        switch event {
        case "session_start", "session_negotiated": "session/initialize"
        case "session_end": "session/close"
        case "tools_listed": "tools/list"
        default: tool.map { "tools/\($0)" } ?? method
        }
    }

    private static func message(_ record: JSONValue, event: String, tool: String?) -> String? {
        switch event {
        case "decision":
            let decision = record["decision"]?.stringValue ?? "?"
            let by = record["decided_by"]?["identity"]?.stringValue ?? record["decided_by"]?["kind"]?.stringValue
            var text = "\(decision) \(tool ?? "?")"
            if let by { text += " (decided by \(by))" }
            if let reason = record["reason"]?.stringValue { text += ": \(reason)" }
            return text
        case "result":
            return "\(tool ?? "?") \(record["outcome"]?.stringValue ?? "ended")"
        case "approval_requested":
            return "\(tool ?? "?") waits for approval via \(record["channel"]?.stringValue ?? "?")"
        case "session_end":
            return record["reason"]?.stringValue
        case "rejection":
            return record["message"]?.stringValue
        default:
            return nil
        }
    }

    private static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let text), .number(let text): text
        default:
            {
                var writer = JSONWriter()
                writer.value(value)
                return String(decoding: writer.take(), as: UTF8.self)
            }()
        }
    }
}
