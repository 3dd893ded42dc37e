/// The MCP elicitation the proxy sends to ask the client's user about a call, and how it reads the
/// answer. The same form serves both eras: a 2025-11-25 `elicitation/create` request, and the
/// `inputRequests` entry of a 2026-07-28 `InputRequiredResult`.
package enum ElicitationForm {
    /// The `inputRequests` key of the proxy's question in a 2026-07-28 result.
    package static let inputKey = "mcp-firewall.approval"

    /// `params` of an `elicitation/create`: a form with a required approve/deny choice and, when the
    /// policy allows remembering, an optional "remember" box.
    package static func params(_ request: ApprovalRequest, now: Double, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("mode", "form")
        writer.field("message", ApprovalSummary.message(request, now: now))
        writer.key("requestedSchema")
        writer.beginObject()
        writer.field("type", "object")
        writer.key("properties")
        writer.beginObject()
        writer.key("decision")
        writer.beginObject()
        writer.field("type", "string")
        writer.field("title", "Allow `\(ApprovalSummary.sanitize(request.tool))` to run with these arguments?")
        writer.key("enum")
        writer.value(.array([.string("approve"), .string("deny")]))
        writer.endObject()
        if request.remember != .never {
            writer.key("remember")
            writer.beginObject()
            writer.field("type", "boolean")
            writer.field(
                "title",
                "Also allow later calls to `\(ApprovalSummary.sanitize(request.tool))` for \(request.remember.span)")
            writer.field("default", false)
            writer.endObject()
        }
        writer.endObject()
        writer.key("required")
        writer.value(.array([.string("decision")]))
        writer.endObject()
        writer.endObject()
    }

    /// The answer (an `ElicitResult`) as an approval outcome, from the client's point of view:
    /// `accept` with `decision: approve` approves; an explicit `deny` or `decline` declines; `cancel`
    /// (dismissed) cancels; anything else declines, naming what was wrong.
    package static func outcome(
        of result: JSONValue, clientName: String?
    ) -> (outcome: ApprovalOutcome, remember: Bool, detail: String) {
        let via = clientName.map { " in \(ApprovalSummary.sanitize($0))" } ?? ""
        switch result["action"]?.stringValue {
        case "accept":
            let content = result["content"]
            switch content?["decision"]?.stringValue {
            case "approve":
                return (.approved, content?["remember"]?.boolValue ?? false, "approved through the client\(via)")
            case "deny":
                return (.declined, false, "denied through the client\(via)")
            default:
                return (.declined, false, "the client accepted the form without choosing approve\(via)")
            }
        case "decline":
            return (.declined, false, "declined through the client\(via)")
        case "cancel":
            return (.cancelled, false, "dismissed through the client\(via)")
        default:
            return (.declined, false, "the client's answer is not an elicitation result\(via)")
        }
    }
}
