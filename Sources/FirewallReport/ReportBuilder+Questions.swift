import FirewallCore

/// The two rounds of a 2026-07-28 confirmation.
///
/// The first `tools/call` gets `approval_requested` (channel `elicitation`) and a `proxy_to_client` response with
/// `resultType: "input_required"`, but no decision. The client's retry is a new call, and its decision cites the
/// first round's `approval.id`. The first round gets an Approvals entry of its own, which the retry's decision
/// marks as answered; until then it says the question was never answered.
extension ReportBuilder {
    /// Whether a `proxy_to_client` message answers the call with the proxy's question: its payload says
    /// `input_required`, or (payload not kept) the call asked for approval and has no decision.
    func isQuestionRound(_ record: RecordFields, state: CallState?) -> Bool {
        guard record.string("kind") == "response", state?.decision == nil else { return false }
        if let result = record.object("payload")?.object("result") {
            return result.string("resultType") == "input_required"
        }
        return record.range("payload") == nil && state?.approvalID != nil
    }

    /// Notes a first round: its timeline label, its Approvals entry, and the question its retry will cite.
    func readQuestion(_ state: CallState?, into event: inout TimelineEvent) {
        let approvalID = state?.approvalID
        event.label = .inputRequired(approvalID: approvalID)
        let entry = SessionReport.ApprovalEntry(
            call: event.call, seq: event.seq, timestamp: event.timestamp, tool: state?.tool ?? "(tool not recorded)",
            toolClass: state?.toolClass, label: .inputRequired(approvalID: approvalID, answeredBy: nil), reason: nil,
            arguments: state?.arguments ?? "(not recorded)", approvalID: approvalID)
        var index: Int?
        updateSession(event.session) { index = $0.add(approval: entry, limits: limits) }
        guard let approvalID else { return }
        if questions[event.session].count >= maxCallsInFlight { questions[event.session].removeAll() }
        questions[event.session][approvalID] = Question(call: event.call, entry: index)
    }

    /// The first round a decision on another call cites, if any. The first retry that is not refused as
    /// `invalid` answers it (a replayed state cites a question already answered).
    func linkRetry(_ facts: DecisionFacts, session: Int, call: Int?) -> Question? {
        guard let id = facts.approvalID, var question = questions[session][id], question.call != call else {
            return nil
        }
        if question.answeredBy == nil, facts.approvalOutcome != "invalid", let call {
            question.answeredBy = call
            questions[session][id] = question
            if let entry = question.entry {
                updateSession(session) { $0.answerQuestion(at: entry, by: call, facts: facts) }
            }
        }
        return question
    }

    /// The timeline's line about the link, for the retry's decision row.
    static func linkText(_ question: Question, approvalID: String?, call: Int?) -> String {
        let asked = question.call.map { "call \($0)" } ?? "an earlier call"
        let id = approvalID.map { " (\($0))" } ?? ""
        if let answeredBy = question.answeredBy, answeredBy != call {
            return "cites the question asked on \(asked)\(id), already answered by call \(answeredBy)"
        }
        return question.answeredBy == nil
            ? "cites the question asked on \(asked)\(id), without answering it"
            : "answers the question asked on \(asked)\(id)"
    }
}
