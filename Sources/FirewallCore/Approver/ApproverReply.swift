/// What the approver sends back for one call: a decision document (`ApprovalAnswer`, naming the
/// approval and its binding) or `{"refused": "why"}` when it cannot show the call.
package enum ApproverReply: Sendable, Equatable {
    case answer(ApprovalAnswer)
    case refused(String)

    /// The line to send, newline included.
    package func line() -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        switch self {
        case .answer(let answer):
            writer.field("decision", answer.decision.rawValue)
            writer.field("approver", answer.approver)
            writer.field("comment", answer.comment)
            writer.field("remember", answer.remember)
            writer.field("approval_id", answer.approvalID)
            writer.field("binding", answer.binding)
        case .refused(let reason):
            writer.field("refused", reason)
        }
        writer.endObject()
        writer.endLine()
        return writer.take()
    }

    /// The response a reply gives to `request`: an answer must name exactly this approval and binding;
    /// anything else is the fail-closed `unattended` response.
    package static func response(parsing bytes: [UInt8], to request: ApprovalRequest) -> ApprovalResponse {
        let source = ApprovalAnswer.Source.approver
        if let value = try? JSONParser.parse(bytes, maxDepth: 4), let reason = value["refused"]?.stringValue {
            let shown = ApprovalSummary.middleCut(ApprovalSummary.sanitize(reason), limit: 200)
            return source.failure("the approver refused the call: \(shown)")
        }
        do throws(ApprovalAnswerError) {
            let answer = try ApprovalAnswer.parse(bytes)
            try answer.check(against: request, requireIdentifiers: true)
            return answer.response(to: request, from: source)
        } catch {
            return source.failure("\(source.document) \(error)")
        }
    }
}
