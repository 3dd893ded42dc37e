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
        return writer.bytes
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
        return writer.bytes
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
