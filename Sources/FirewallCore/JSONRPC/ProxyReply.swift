/// Messages the proxy writes to the client itself, shaped for the era of the request they answer.
package enum ProxyReply {
    /// A JSON-RPC error response.
    package static func error(id: RequestID?, code: Int, message: String, data: JSONValue? = nil) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("jsonrpc", "2.0")
        writer.key("id")
        if let id { id.write(to: &writer) } else { writer.null() }
        writer.key("error")
        writer.beginObject()
        writer.field("code", code)
        writer.field("message", message)
        if let data {
            writer.key("data")
            writer.value(data)
        }
        writer.endObject()
        writer.endObject()
        return writer.take()
    }

    /// A `CallToolResult` with `isError: true` carrying `text`, so the model reads why and can recover.
    ///
    /// Modern (2026-07-28) results carry `resultType: "complete"`; legacy results get no new fields.
    package static func toolError(id: RequestID, era: ProtocolEra, text: String) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("jsonrpc", "2.0")
        writer.key("id")
        id.write(to: &writer)
        writer.key("result")
        writer.beginObject()
        writer.key("content")
        writer.beginArray()
        writer.beginObject()
        writer.field("type", "text")
        writer.field("text", text)
        writer.endObject()
        writer.endArray()
        writer.field("isError", true)
        if era == .modern { writer.field("resultType", "complete") }
        writer.endObject()
        writer.endObject()
        return writer.take()
    }

    /// The text of a denial: what was denied, by which rule (file:line) or setting, and why.
    package static func denialText(_ decision: PolicyDecision, detail: String? = nil) -> String {
        var text = "mcp-firewall denied the call to `\(decision.tool)` (\(decision.toolClass.rawValue) tool)"
        let toolClass = decision.toolClass.rawValue
        let rule = decision.rule.map {
            "rule `\(decision.ruleName ?? $0.patternDescription)` at \($0.location.fileAndLine)"
        }
        switch (decision.decisionSource, rule) {
        case (.evaluationError, let rule?):
            text += ": a condition of \(rule) could not be evaluated"
        case (.rule, let rule?):
            text +=
                ": \(rule) "
                + (decision.decision == .confirm ? "requires confirmation" : "decides \(decision.decision.rawValue)")
        case (.unlistedSetting, _):
            text +=
                ": the policy \(decision.decision == .confirm ? "requires confirmation for" : "denies") tools it does not list"
        case (_, let rule?):
            text += ": \(rule) classifies it as \(toolClass), and \(toolClass) tools "
            text += decision.decision == .confirm ? "require confirmation" : "default to \(decision.decision.rawValue)"
        default:
            let source = decision.classSource == .annotations ? " (from the server's annotations)" : ""
            text += ": it is a \(toolClass) tool\(source), and \(toolClass) tools "
            text += decision.decision == .confirm ? "require confirmation" : "default to \(decision.decision.rawValue)"
        }
        text += ". Reason: \(sentence(decision.reason))"
        if let detail { text += " \(sentence(detail))" }
        text += " The call was not executed; do not retry it unchanged."
        return text
    }

    private static func sentence(_ text: String) -> String {
        text.hasSuffix(".") || text.hasSuffix("!") || text.hasSuffix("?") ? text : text + "."
    }
}

extension ProxyReply {
    /// A 2026-07-28 `InputRequiredResult` asking the client's user to approve the call, carrying the
    /// proxy's signed `requestState`.
    package static func approvalInputRequired(
        id: RequestID, request: ApprovalRequest, requestState: String, now: Double
    ) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("jsonrpc", "2.0")
        writer.key("id")
        id.write(to: &writer)
        writer.key("result")
        writer.beginObject()
        writer.field("resultType", "input_required")
        writer.key("inputRequests")
        writer.beginObject()
        writer.dynamicKey(ElicitationForm.inputKey)
        writer.beginObject()
        writer.field("method", "elicitation/create")
        writer.key("params")
        ElicitationForm.params(request, now: now, to: &writer)
        writer.endObject()
        writer.endObject()
        writer.field("requestState", requestState)
        writer.endObject()
        writer.endObject()
        return writer.take()
    }

    /// A 2025-11-25 `elicitation/create` request from the proxy to the client.
    package static func approvalElicitation(id: String, request: ApprovalRequest, now: Double) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("jsonrpc", "2.0")
        writer.field("id", id)
        writer.field("method", "elicitation/create")
        writer.key("params")
        ElicitationForm.params(request, now: now, to: &writer)
        writer.endObject()
        return writer.take()
    }

    /// `notifications/cancelled` for a request the proxy sent the client (its question was withdrawn).
    package static func cancelled(requestID: String, reason: String) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("jsonrpc", "2.0")
        writer.field("method", "notifications/cancelled")
        writer.key("params")
        writer.beginObject()
        writer.field("requestId", requestID)
        writer.field("reason", reason)
        writer.endObject()
        writer.endObject()
        return writer.take()
    }

    /// The client's retry of a `tools/call` with the proxy's own `requestState` and `inputResponses`
    /// removed, so the server sees the call as first made. Re-serialised from the strict parse (the
    /// one frame the proxy must change); everything else, `_meta` included, is kept.
    package static func strippingApprovalState(_ message: JSONValue) -> [UInt8] {
        guard case .object(let members) = message else {
            var writer = JSONWriter()
            writer.value(message)
            return writer.take()
        }
        let rebuilt = members.map { member -> JSONValue.Member in
            guard member.key == "params", case .object(let params) = member.value else { return member }
            return JSONValue.Member(
                "params", .object(params.filter { $0.key != "requestState" && $0.key != "inputResponses" }))
        }
        var writer = JSONWriter()
        writer.value(.object(rebuilt))
        return writer.take()
    }
}
