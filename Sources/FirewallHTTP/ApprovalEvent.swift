import FirewallCore

/// One Server-Sent Event for the approval page: the pending calls when a page connects, then each call
/// added or removed, and a comment now and then so a dead connection is noticed.
package enum ApprovalEvent: Sendable, Equatable {
    /// Every pending call, as `{"pending": [card…]}`.
    case snapshot([[UInt8]])
    /// A call now waiting: its card.
    case added([UInt8])
    /// A call no longer waiting, with why: `approved`, `declined` or `withdrawn`.
    case removed(approvalID: String, reason: String)
    /// An SSE comment line; the browser ignores it, but writing it fails on a dead connection.
    case heartbeat

    /// How long the browser waits before reconnecting after the stream ends, in milliseconds.
    package static let retryMilliseconds = 2000

    /// The event in `text/event-stream` framing. JSON never contains a raw line break, so each payload is
    /// one `data:` line.
    package var bytes: [UInt8] {
        switch self {
        case .snapshot(let cards):
            var data: [UInt8] = Array(#"{"pending":["#.utf8)
            for (index, card) in cards.enumerated() {
                if index > 0 { data.append(UInt8(ascii: ",")) }
                data += card
            }
            data += Array("]}".utf8)
            return Array("retry: \(Self.retryMilliseconds)\n".utf8) + Self.frame("snapshot", data)
        case .added(let card):
            return Self.frame("add", card)
        case .removed(let approvalID, let reason):
            var writer = JSONWriter()
            writer.beginObject()
            writer.field("approval_id", approvalID)
            writer.field("reason", reason)
            writer.endObject()
            return Self.frame("remove", writer.bytes)
        case .heartbeat:
            return Array(": heartbeat\n\n".utf8)
        }
    }

    private static func frame(_ name: String, _ data: [UInt8]) -> [UInt8] {
        Array("event: \(name)\ndata: ".utf8) + data + Array("\n\n".utf8)
    }

    /// What the page renders for one request: `{"request": <ApprovalRequest.json()>, "rule_text",
    /// "deadline_ms"}`, where `rule_text` is `ApprovalSummary.ruleText` and `deadline_ms` the deadline in
    /// milliseconds since the Unix epoch (for the countdown).
    package static func card(_ request: ApprovalRequest) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("request")
        writer.raw(request.json())
        writer.field("rule_text", ApprovalSummary.ruleText(request.decision))
        arguments(request.arguments, deadline: Int((request.deadline * 1000).rounded(.down)), into: &writer)
        writer.endObject()
        return writer.bytes
    }

    /// The card for a call another proxy sent the approver: the same fields, plus `server_label` and
    /// `pid`, so the page can tell the servers apart; `request.approval_id` is the id the board lists it
    /// under (`ApproverSubmission.listedID`).
    package static func card(_ submission: ApproverSubmission) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("request")
        // The page answers by `approval_id`: it names the call as the board lists it.
        var request = submission.request
        if case .object(var members) = request, let index = members.firstIndex(where: { $0.key == "approval_id" }) {
            members[index].value = .string(submission.listedID)
            request = .object(members)
        }
        writer.value(request)
        writer.field("rule_text", submission.ruleText)
        writer.field("server_label", submission.label)
        writer.field("pid", submission.pid)
        arguments(submission.request["arguments"] ?? .null, deadline: submission.deadlineMilliseconds, into: &writer)
        writer.endObject()
        return writer.bytes
    }

    private static func arguments(_ arguments: JSONValue, deadline: Int, into writer: inout JSONWriter) {
        // What the page shows of the arguments: text made here, so numbers keep the client's literal
        // (no float rounding in the browser) and nested values are opened up leaf by leaf.
        let (entries, hidden) = ApprovalSummary.argumentEntries(arguments)
        writer.key("argument_view")
        writer.beginArray()
        for entry in entries {
            writer.beginObject()
            writer.field("name", entry.path)
            writer.field("value", entry.text)
            writer.endObject()
        }
        writer.endArray()
        writer.field("arguments_not_shown", hidden)
        writer.field("deadline_ms", deadline)
    }
}
