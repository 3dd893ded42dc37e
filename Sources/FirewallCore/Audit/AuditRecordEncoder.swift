/// Turns audit events into JSONL records: one compact JSON object and a newline each.
///
/// Every record carries the schema version `v`, a per-session sequence number `seq` (gap-free,
/// so a removed line is detectable), the time, the session id and the event name. `AuditRecorder`
/// then chains each record to the one before it (`AuditChain`).
package struct AuditRecordEncoder: Sendable {
    /// The audit schema version written by this build.
    package static let schemaVersion = 2

    package let sessionID: String
    package private(set) var sequence = 0
    /// Members written on every record right after `event_type` (`"actor":{…},"host":…`, without
    /// braces; `AuditRecorder` builds them from the session's context and what negotiation showed).
    package var context: [UInt8] = []
    /// Whether `context` holds `environment` (then `session_start` does not repeat it).
    package var contextHasEnvironment = false
    /// The `sensitivity` written for each tool class (lokryn / OCSF confidentiality).
    package var sensitivity: [ToolClass: String] = AuditRecordEncoder.defaultSensitivity

    /// read: internal, write: confidential, sensitive: secret.
    package static let defaultSensitivity: [ToolClass: String] = [
        .read: "internal", .write: "confidential", .sensitive: "secret",
    ]

    /// The first half of every correlation id of this session: 16 hex digits of the session id.
    private let correlationPrefix: String
    /// Takes secrets out of payloads, arguments and bound values before they are written (the policy's
    /// `audit.redaction`; the built-in rules when it says nothing).
    package let redactor: Redactor

    package init(sessionID: String, redactor: Redactor = .standard) {
        self.sessionID = sessionID
        let digits = sessionID.lowercased().filter(\.isHexDigit)
        correlationPrefix = String((digits + String(repeating: "0", count: 16)).prefix(16))
        self.redactor = redactor
    }

    /// Encodes `event` as the next record, stamped with `time` (seconds since the Unix epoch).
    /// `traceID` is the call's W3C trace id when its client sent one: the call's `correlation_id`.
    package mutating func encode(_ event: AuditEvent, time: Double, traceID: String? = nil) -> [UInt8] {
        // Redacted before anything is written: no secret is in the record, nor in any digest of it.
        if let redacted = redactor.redacted(event) {
            return encode(redacted.event, redactions: redacted.redactions, time: time, traceID: traceID)
        }
        return encode(event, redactions: AuditRedactions(), time: time, traceID: traceID)
    }

    private mutating func encode(
        _ event: AuditEvent, redactions: AuditRedactions, time: Double, traceID: String?
    ) -> [UInt8] {
        sequence += 1
        // A decision carries the call's arguments whole: room for them up front, not by doubling.
        // Room for the context and the chain members too, so sealing the line does not move it.
        var capacity = 512 + context.count + AuditChain.prevMemberLength + AuditChain.hashSuffixLength + 1
        if case .decision(let record) = event { capacity += record.arguments.range.count }
        var writer = JSONWriter(capacity: capacity)
        writer.beginObject()
        writer.field("v", Self.schemaVersion)
        writer.field("seq", sequence)
        writer.key("ts")
        AuditTimestamp.write(time, to: &writer)
        writer.field("session", sessionID)
        writer.field("event", event.name)
        writer.field("event_type", Self.eventType(event))
        if !context.isEmpty { writer.raw(context) }
        if let call = event.call {
            writer.field("correlation_id", traceID ?? correlationID(call: call))
            writer.field("trace_id", traceID)
        }
        switch event {
        case .sessionStart(let start): Self.write(start, skippingEnvironment: contextHasEnvironment, to: &writer)
        case .sessionNegotiated(let negotiated): Self.write(negotiated, to: &writer)
        case .message(let message): Self.write(message, to: &writer)
        case .approvalRequested(let requested):
            Self.write(requested, to: &writer)
            writer.field("sensitivity", requested.toolClass.flatMap { sensitivity[$0] })
        case .decision(let decision):
            Self.write(decision, to: &writer)
            writer.field("sensitivity", sensitivity[decision.policy.toolClass])
        case .rejection(let rejection): Self.write(rejection, to: &writer)
        case .result(let result):
            Self.write(result, to: &writer)
            writer.field("sensitivity", result.toolClass.flatMap { sensitivity[$0] })
        case .toolsListed(let listed): Self.write(listed, to: &writer)
        case .sessionEnd(let end): Self.write(end, to: &writer)
        case .checkpoint(let checkpoint): Self.write(checkpoint, to: &writer)
        case .rotation(let rotation):
            writer.field("phase", rotation.phase.rawValue)
            writer.field("reason", rotation.reason)
            writer.field(rotation.phase == .close ? "archived_as" : "previous_file", rotation.archivedFile)
            writer.field("continues_in", rotation.continuesIn)
        }
        redactions.write(to: &writer)
        writer.endObject()
        writer.endLine()
        return writer.take()
    }

    private static func write(_ listed: AuditEvent.ToolsListed, to writer: inout JSONWriter) {
        writer.key("tools")
        strings(listed.tools, to: &writer)
        writer.key("hidden")
        strings(listed.hidden, to: &writer)
        writer.key("unmatched_rules")
        writer.beginArray()
        for finding in listed.unmatchedRules {
            writer.beginObject()
            writer.field("rule", finding.rule.description)
            writer.field("name", finding.name)
            writer.field("suggestion", finding.suggestion)
            writer.endObject()
        }
        writer.endArray()
    }

    /// 32 hex digits naming call `call` of this session, shaped like a W3C trace id: what its records
    /// share when the client sent no trace id (16 hex digits of the session id, then the call number in
    /// 16 hex digits).
    package func correlationID(call: Int) -> String {
        let number = String(UInt64(truncatingIfNeeded: call), radix: 16)
        return correlationPrefix + String(repeating: "0", count: max(0, 16 - number.count)) + number
    }

    /// The record's kind in a fixed vocabulary that maps onto lokryn's `EventType` (docs/audit-format.md).
    package static func eventType(_ event: AuditEvent) -> String {
        switch event {
        case .sessionStart: return "login"
        case .sessionEnd: return "logout"
        case .sessionNegotiated: return "mcp_initialize"
        case .approvalRequested, .decision: return "guardrail_check"
        case .rejection: return "transport_error"
        case .result: return "tool_invocation"
        case .toolsListed: return "tool_list"
        case .checkpoint: return "integrity_checkpoint"
        case .rotation: return "config_change"
        case .message(let message):
            switch message.method {
            case "tools/call": return "tool_invocation"
            case "tools/list": return "tool_list"
            case "resources/read": return "resource_read"
            case "resources/list", "resources/templates/list": return "resource_list"
            case "prompts/get": return "prompt_execution"
            case "prompts/list": return "prompt_list"
            case "initialize": return "mcp_initialize"
            case "notifications/initialized": return "mcp_initialized"
            case "ping": return "mcp_ping"
            case "sampling/createMessage": return "sampling_request"
            case nil where message.call != nil: return "tool_invocation"
            default: return "mcp_message"
            }
        }
    }

    private static func write(
        _ start: AuditEvent.SessionStart, skippingEnvironment: Bool, to writer: inout JSONWriter
    ) {
        writer.key("proxy")
        writer.beginObject()
        writer.field("name", "mcp-firewall")
        writer.field("version", start.proxyVersion)
        writer.field("pid", start.pid)
        writer.endObject()
        writer.key("server")
        writer.beginObject()
        writer.key("argv")
        strings(start.serverArgv, to: &writer)
        writer.endObject()
        writer.key("policy")
        writer.beginObject()
        writer.field("path", start.policy.path)
        writer.field("sha256", start.policy.sha256)
        if start.layers.count > 1 {
            writer.key("layers")
            writer.beginArray()
            for layer in start.layers {
                writer.beginObject()
                writer.field("path", layer.path)
                writer.field("sha256", layer.sha256)
                writer.endObject()
            }
            writer.endArray()
        }
        writer.endObject()
        if !skippingEnvironment { writer.field("environment", start.environment) }
        writer.field("environment_overlay", start.environmentOverlay)
        writer.field("environment_source", start.environmentSource)
        writer.field("payload_limit", start.payloadLimit)
        if let chain = start.chain {
            writer.key("chain")
            writer.beginObject()
            writer.field("alg", "sha256")
            writer.field("signature_alg", chain.keyID == nil ? nil : "ed25519")
            writer.field("key_id", chain.keyID)
            writer.field("public_key", chain.publicKey.map { Base64.encode($0) })
            writer.field("checkpoint_records", chain.checkpointRecords)
            if let seconds = chain.checkpointSeconds {
                writer.key("checkpoint_seconds")
                writer.double(seconds)
            }
            writer.field("anchor", chain.anchor)
            writer.endObject()
        }
    }

    private static func write(_ checkpoint: AuditEvent.Checkpoint, to writer: inout JSONWriter) {
        writer.field("reason", checkpoint.reason)
        writer.field("head_seq", checkpoint.headSeq)
        writer.field("head", checkpoint.head.description)
        writer.field("key_id", checkpoint.keyID)
        writer.field("signature", checkpoint.signature)
    }

    private static func write(_ negotiated: AuditEvent.SessionNegotiated, to writer: inout JSONWriter) {
        writer.field("era", negotiated.era.rawValue)
        writer.field("protocol_version", negotiated.protocolVersion)
        optional("client_info", negotiated.clientInfo, to: &writer)
        optional("client_capabilities", negotiated.clientCapabilities, to: &writer)
        optional("server_info", negotiated.serverInfo, to: &writer)
    }

    private static func write(_ message: AuditEvent.MessageRecord, to writer: inout JSONWriter) {
        writer.field("direction", message.direction.rawValue)
        writer.field("kind", message.kind)
        writer.field("method", message.method)
        id(message.id, to: &writer)
        writer.field("call", message.call)
        message.payload.write(to: &writer)
    }

    private static func write(_ requested: AuditEvent.ApprovalRequested, to writer: inout JSONWriter) {
        writer.field("call", requested.call)
        id(requested.id, to: &writer)
        writer.field("approval_id", requested.approvalID)
        writer.field("tool", requested.tool)
        writer.field("channel", requested.channel)
        if !requested.racing.isEmpty {
            writer.key("racing")
            strings(requested.racing, to: &writer)
        }
        writer.field("timeout_ms", requested.timeoutMilliseconds)
        writer.field("binding", requested.binding)
    }

    private static func write(_ record: AuditEvent.DecisionRecord, to writer: inout JSONWriter) {
        let policy = record.policy
        writer.field("call", record.call)
        id(record.id, to: &writer)
        writer.field("era", record.era.rawValue)
        writer.field("tool", policy.tool)
        writer.key("arguments")
        if record.arguments.containsLineBreak {
            // A record is one line: whitespace that would break it is rewritten by writing the value anew.
            writer.value(record.arguments.value)
        } else {
            writer.raw(record.arguments.bytes)
        }
        writer.field("class", policy.toolClass.rawValue)
        writer.field("class_source", policy.classSource.label)
        writer.field("policy_decision", policy.decision.rawValue)
        writer.field("decision", record.final.rawValue)
        writer.field("decision_source", decisionSource(policy.decisionSource))
        if let rule = policy.rule {
            writer.key("rule")
            writer.beginObject()
            writer.field("name", policy.ruleName ?? rule.patternDescription)
            location(rule.location, to: &writer)
            writer.endObject()
        }
        writer.key("matched_rules")
        writer.beginArray()
        for matched in policy.matchedRules {
            writer.beginObject()
            location(matched, to: &writer)
            writer.endObject()
        }
        writer.endArray()
        writer.field("reason", policy.reason)
        writer.key("tags")
        strings(policy.tags, to: &writer)
        let timedOut = record.approval?.outcome == .timeout
        writer.field("status", record.final == .allow ? "success" : timedOut ? "timeout" : "denied")
        writer.field("request_bytes", record.requestBytes)
        writer.key("decided_by")
        approver(record.decidedBy, to: &writer)
        if let approval = record.approval {
            writer.key("approval")
            writer.beginObject()
            writer.field("id", approval.approvalID)
            writer.field("outcome", approval.outcome.rawValue)
            writer.key("approver")
            approver(record.decidedBy, to: &writer)
            writer.field("detail", approval.detail)
            writer.field("unattended", approval.unattended?.rawValue)
            writer.field("requested_at", AuditTimestamp.format(approval.requestedAt))
            writer.field("decided_at", AuditTimestamp.format(approval.decidedAt))
            writer.field("wait_ms", Int(((approval.decidedAt - approval.requestedAt) * 1000).rounded()))
            writer.field("grant_id", approval.grantID)
            if let grant = approval.grantCreated {
                writer.key("grant")
                writer.beginObject()
                writer.field("id", grant.id)
                writer.field("tool", grant.tool)
                // null: the grant lasts until the session ends.
                writer.key("expires_at")
                if let expiresAt = grant.expiresAt {
                    writer.string(AuditTimestamp.format(expiresAt))
                } else {
                    writer.null()
                }
                if let rule = grant.rule {
                    writer.key("rule")
                    writer.beginObject()
                    location(rule, to: &writer)
                    writer.endObject()
                }
                writer.key("arguments")
                writer.beginObject()
                for (path, value) in grant.boundArguments {
                    guard let value else { continue }
                    writer.dynamicKey(path)
                    writer.value(value)
                }
                writer.endObject()
                // Bound to being left out: later calls must not have these arguments either.
                let absent = grant.boundArguments.filter { $0.1 == nil }.map { JSONValue.string($0.0) }
                if !absent.isEmpty {
                    writer.key("absent_arguments")
                    writer.value(.array(absent))
                }
                writer.endObject()
            }
            writer.endObject()
        }
    }

    private static func write(_ rejection: AuditEvent.RejectionRecord, to writer: inout JSONWriter) {
        id(rejection.id, to: &writer)
        writer.field("code", rejection.code)
        writer.field("message", rejection.message)
        writer.field("status", "error")
        writer.field("error", rejection.message)
        rejection.payload.write(to: &writer)
    }

    private static func write(_ result: AuditEvent.ResultRecord, to writer: inout JSONWriter) {
        writer.field("call", result.call)
        id(result.id, to: &writer)
        writer.field("tool", result.tool)
        writer.field("outcome", result.outcome)
        writer.field("is_error", result.isError)
        writer.field("error_code", result.errorCode)
        writer.field("status", result.outcome == "ok" ? "success" : "error")
        writer.field("response_bytes", result.responseBytes)
        writer.key("duration_ms")
        writer.double((result.durationMilliseconds * 1000).rounded() / 1000)
    }

    private static func write(_ end: AuditEvent.SessionEnd, to writer: inout JSONWriter) {
        writer.field("reason", end.reason)
        writer.field("server_exit", end.serverExit)
        let failedToStart = end.reason.hasPrefix("server failed") || end.reason.hasPrefix("the proxy could not")
        writer.field("status", failedToStart ? "error" : "success")
        writer.key("counts")
        writer.beginObject()
        for (name, count) in end.counts { writer.field(name, count) }
        writer.endObject()
        writer.key("duration_ms")
        writer.double((end.durationMilliseconds * 1000).rounded() / 1000)
    }

    private static func id(_ id: RequestID?, to writer: inout JSONWriter) {
        guard let id else { return }
        writer.key("id")
        id.write(to: &writer)
    }

    private static func optional(_ key: StaticString, _ value: JSONValue?, to writer: inout JSONWriter) {
        guard let value else { return }
        writer.key(key)
        writer.value(value)
    }

    private static func strings(_ strings: [String], to writer: inout JSONWriter) {
        writer.beginArray()
        for string in strings { writer.string(string) }
        writer.endArray()
    }

    private static func location(_ location: SourceLocation, to writer: inout JSONWriter) {
        writer.field("file", location.file)
        writer.field("line", location.line)
        writer.field("column", location.column)
    }

    private static func approver(_ approver: Approver, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("kind", approver.kind.rawValue)
        writer.field("channel", approver.channel)
        writer.field("identity", approver.identity)
        writer.field("comment", approver.comment)
        writer.endObject()
    }

    private static func decisionSource(_ source: PolicyDecision.DecisionSource) -> String {
        switch source {
        case .rule: "rule"
        case .classDefault: "class_default"
        case .unlistedSetting: "unlisted"
        case .evaluationError: "evaluation_error"
        }
    }
}
