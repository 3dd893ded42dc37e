/// What a proxy sends the machine's approver for one waiting call: one JSON line,
/// `{"type": "request", "version": 1, "label", "pid", "rule_text", "deadline_ms", "run",
/// "request": <ApprovalRequest.json()>}`.
///
/// The approver shows it and answers with one `ApproverReply` line. The proxy withdraws the call by
/// sending `{"type": "withdraw"}` or closing the connection. The approver trusts nothing in it for the
/// decision: the proxy checks the answer against its own request (id and binding) before it counts.
package struct ApproverSubmission: Sendable, Equatable {
    /// The protocol version written and accepted.
    package static let version = 1
    /// The longest line either side accepts, in bytes (arguments are bounded by the proxy's frame cap,
    /// but a call this large cannot be reviewed on a page anyway).
    package static let maxLineBytes = 1 << 20
    /// The withdrawal line a proxy may send before closing.
    package static let withdrawLine: [UInt8] = Array(#"{"type":"withdraw"}"#.utf8) + [0x0A]

    /// The server's short name for the page ("example-hr-server").
    package var label: String
    /// The proxy's process id, shown next to the label.
    package var pid: Int
    /// `ApprovalSummary.ruleText` of the decision.
    package var ruleText: String
    /// The deadline, milliseconds since the Unix epoch.
    package var deadlineMilliseconds: Int
    /// The request document, as the proxy wrote it.
    package var request: JSONValue
    /// The proxy run's random id (`ApprovalRequest.run`): approval ids are unique only within a run.
    package var run: String

    /// The submission for `request` from the proxy with process id `pid` serving `label`.
    package init(request: ApprovalRequest, label: String, pid: Int) {
        self.label = label
        self.pid = pid
        self.ruleText = ApprovalSummary.ruleText(request.decision)
        self.deadlineMilliseconds = Int((request.deadline * 1000).rounded(.down))
        // The document was written by our own writer: it always parses.
        self.request = (try? JSONParser.parse(request.json())) ?? .null
        self.run = request.run
    }

    private init(
        label: String, pid: Int, ruleText: String, deadlineMilliseconds: Int, request: JSONValue, run: String
    ) {
        self.label = label
        self.pid = pid
        self.ruleText = ruleText
        self.deadlineMilliseconds = deadlineMilliseconds
        self.request = request
        self.run = run
    }

    /// The approval id the request carries.
    package var approvalID: String { request["approval_id"]?.stringValue ?? "" }
    /// The binding the request carries.
    package var binding: String { request["binding"]?.stringValue ?? "" }
    /// The id the approver lists the call under, unique across proxies: the approval id and the run.
    package var listedID: String { approvalID + "@" + run.prefix(16) }
    /// The deadline in Unix seconds.
    package var deadline: Double { Double(deadlineMilliseconds) / 1000 }

    /// The line to send, newline included.
    package func line() -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("type", "request")
        writer.field("version", Self.version)
        writer.field("label", label)
        writer.field("pid", pid)
        writer.field("rule_text", ruleText)
        writer.field("deadline_ms", deadlineMilliseconds)
        writer.field("run", run)
        writer.key("request")
        writer.value(request)
        writer.endObject()
        writer.endLine()
        return writer.take()
    }

    /// What a line from a proxy asks for.
    package enum Message: Sendable, Equatable {
        case request(ApproverSubmission)
        case withdraw
    }

    /// Reads one line (without its newline); unknown types, versions and missing fields are errors.
    package static func parse(_ bytes: [UInt8]) throws(ApproverProtocolError) -> Message {
        guard bytes.count <= maxLineBytes else { throw .tooLarge }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes, maxDepth: 64)
        } catch {
            throw .malformed("not valid JSON: \(error)")
        }
        switch value["type"]?.stringValue {
        case "withdraw": return .withdraw
        case "request": break
        default: throw .malformed("`type` must be \"request\" or \"withdraw\"")
        }
        // `Int(_:)` of a Double traps on infinity, NaN or out of range: a peer's `1e999` must not end the approver.
        guard let version = value["version"]?.doubleValue.flatMap(Int.init(exactly:)), version == Self.version else {
            throw .malformed("unsupported protocol version (this approver speaks version \(Self.version))")
        }
        guard let label = value["label"]?.stringValue, let pid = value["pid"]?.doubleValue.flatMap(Int.init(exactly:)),
            let ruleText = value["rule_text"]?.stringValue,
            let deadline = value["deadline_ms"]?.doubleValue.flatMap(Int.init(exactly:)),
            let run = value["run"]?.stringValue, run.count <= 200,
            let request = value["request"], case .object = request,
            let id = request["approval_id"]?.stringValue, !id.isEmpty, id.count <= 200,
            let binding = request["binding"]?.stringValue, !binding.isEmpty, binding.count <= 200,
            request["tool"]?.stringValue != nil
        else { throw .malformed("a request needs label, pid, rule_text, deadline_ms, run and request") }
        return .request(
            ApproverSubmission(
                label: ApprovalSummary.middleCut(label, limit: 80), pid: pid, ruleText: ruleText,
                deadlineMilliseconds: deadline, request: request, run: run))
    }
}

/// Why a line of the approver protocol was refused.
package enum ApproverProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    case tooLarge
    case malformed(String)

    package var description: String {
        switch self {
        case .tooLarge: "the line is larger than \(ApproverSubmission.maxLineBytes) bytes"
        case .malformed(let reason): reason
        }
    }
}
