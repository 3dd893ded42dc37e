/// A decision document from an approval hook or a webhook, read strictly.
///
/// `{"decision": "approve"|"deny", "approver": "alice@example.com", "comment"?: "…", "remember"?: bool,
/// "approval_id"?: "…", "binding"?: "<hex>"}`. Any other member, a duplicate key or a wrong type is an
/// error, and every error denies the call: a typo must never read as a yes.
package struct ApprovalAnswer: Sendable, Equatable {
    /// What the approver decided.
    package enum Decision: String, Sendable {
        case approve
        case deny
    }

    /// Where an answer came from: the channel name and how messages name it.
    package struct Source: Sendable {
        /// The channel name recorded in the audit log (`command`, `webhook`).
        package var channel: String
        /// The channel in a sentence: "approved by alice via `the approval hook`".
        package var via: String
        /// The document in a sentence: "`approval hook's answer` is not valid JSON".
        package var document: String

        /// An answer written to stdout by an `approval.command` hook.
        package static let command = Source(
            channel: "command", via: "the approval hook", document: "approval hook's answer")
        /// An answer in the body of a webhook's `200` response.
        package static let webhook = Source(channel: "webhook", via: "the webhook", document: "webhook's answer")
        /// An answer from the machine's `mcp-firewall approver`, over its socket.
        package static let approver = Source(
            channel: "approver", via: "the approver", document: "approver's answer")
        /// An answer posted to the callback URL after a `202 Accepted`.
        package static let webhookCallback = Source(
            channel: "webhook", via: "the webhook", document: "webhook callback")

        /// The fail-closed response for a problem with this source: `unattended`, attributed to policy.
        package func failure(_ detail: String) -> ApprovalResponse {
            ApprovalResponse(outcome: .unattended, approver: Approver(kind: .policy, channel: channel), detail: detail)
        }
    }

    package static let maxApproverLength = 200
    package static let maxCommentLength = 2000
    /// The longest document read from a hook's stdout or an HTTP body.
    package static let maxDocumentBytes = 64 * 1024

    package var decision: Decision
    /// The person who answered; required to approve.
    package var approver: String?
    package var comment: String?
    /// The approver asked to remember the grant (honoured only when the request allows it).
    package var remember: Bool
    /// When present, must name the request answered.
    package var approvalID: String?
    /// When present, must equal the request's binding digest.
    package var binding: String?

    package init(
        decision: Decision, approver: String? = nil, comment: String? = nil, remember: Bool = false,
        approvalID: String? = nil, binding: String? = nil
    ) {
        self.decision = decision
        self.approver = approver
        self.comment = comment
        self.remember = remember
        self.approvalID = approvalID
        self.binding = binding
    }

    private static let members: Set<String> = ["decision", "approver", "comment", "remember", "approval_id", "binding"]

    /// Reads a decision document; the checks that need the request are in `check(against:)`.
    package static func parse(_ bytes: [UInt8]) throws(ApprovalAnswerError) -> ApprovalAnswer {
        guard bytes.count <= maxDocumentBytes else { throw .tooLarge(bytes.count) }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes, maxDepth: 8)
        } catch {
            throw .notJSON(error.description)
        }
        guard case .object(let fields) = value else { throw .notAnObject(value.typeDescription) }
        if let unknown = fields.first(where: { !members.contains($0.key) }) { throw .unknownMember(unknown.key) }
        guard let decisionValue = value["decision"] else { throw .missing("decision") }
        guard let word = decisionValue.stringValue else {
            throw .wrongType(member: "decision", expected: "a string", actual: decisionValue.typeDescription)
        }
        guard let decision = Decision(rawValue: word) else { throw .unknownDecision(word) }
        var answer = ApprovalAnswer(decision: decision)
        answer.approver = try text(value, "approver", limit: maxApproverLength, singleLine: true)
        answer.comment = try text(value, "comment", limit: maxCommentLength, singleLine: false)
        answer.approvalID = try text(value, "approval_id", limit: 200, singleLine: true)
        answer.binding = try text(value, "binding", limit: 128, singleLine: true)
        if let remember = value["remember"] {
            guard let flag = remember.boolValue else {
                throw .wrongType(member: "remember", expected: "a boolean", actual: remember.typeDescription)
            }
            answer.remember = flag
        }
        return answer
    }

    private static func text(
        _ object: JSONValue, _ member: String, limit: Int, singleLine: Bool
    ) throws(ApprovalAnswerError) -> String? {
        guard let value = object[member] else { return nil }
        guard let text = value.stringValue else {
            throw .wrongType(member: member, expected: "a string", actual: value.typeDescription)
        }
        guard text.count <= limit else { throw .tooLong(member: member, limit: limit) }
        let forbidden = text.unicodeScalars.contains { scalar in
            switch scalar.properties.generalCategory {
            case .control: singleLine || !(scalar == "\n" || scalar == "\t")
            case .format, .lineSeparator, .paragraphSeparator: true
            default: false
            }
        }
        guard !forbidden else { throw .controlCharacters(member) }
        return text
    }

    /// Checks the answer against the request it claims to answer. `requireIdentifiers`: the document
    /// must name the approval and its binding (callbacks, which arrive detached from any request).
    package func check(against request: ApprovalRequest, requireIdentifiers: Bool = false) throws(ApprovalAnswerError) {
        if requireIdentifiers {
            guard approvalID != nil else { throw .missing("approval_id") }
            guard binding != nil else { throw .missing("binding") }
        }
        if let approvalID, approvalID != request.id { throw .wrongApproval(approvalID, expected: request.id) }
        if let binding, binding != request.binding { throw .bindingMismatch }
        if decision == .approve, attributedApprover == nil { throw .approvalWithoutApprover }
    }

    /// The approver's name unless it is empty or blank.
    private var attributedApprover: String? {
        guard let approver, ApprovalSummary.isVisibleName(approver) else { return nil }
        return approver
    }

    /// The response this (checked) answer gives: `approved` or `declined`, attributed to the named
    /// human; a denial that names nobody is attributed to the channel's policy instead.
    package func response(to request: ApprovalRequest, from source: Source) -> ApprovalResponse {
        let outcome: ApprovalOutcome = decision == .approve ? .approved : .declined
        let verb = decision == .approve ? "approved" : "declined"
        guard let identity = attributedApprover else {
            return ApprovalResponse(
                outcome: outcome, approver: Approver(kind: .policy, channel: source.channel, comment: comment),
                detail: "\(verb) by \(source.via) (no approver named)")
        }
        let shown = ApprovalSummary.middleCut(ApprovalSummary.sanitize(identity), limit: 80)
        return ApprovalResponse(
            outcome: outcome,
            approver: Approver(kind: .human, channel: source.channel, identity: identity, comment: comment),
            detail: "\(verb) by \(shown) via \(source.via)",
            remember: decision == .approve && remember && request.remember != .never)
    }

    /// Parses, checks and maps `bytes`; any problem becomes the fail-closed `unattended` response.
    package static func response(
        parsing bytes: [UInt8], to request: ApprovalRequest, from source: Source
    ) -> ApprovalResponse {
        do throws(ApprovalAnswerError) {
            let answer = try parse(bytes)
            try answer.check(against: request)
            return answer.response(to: request, from: source)
        } catch {
            return source.failure("\(source.document) \(error)")
        }
    }
}

/// Why a decision document was refused; the description completes "<document> …".
package enum ApprovalAnswerError: Error, Sendable, Equatable, CustomStringConvertible {
    case tooLarge(Int)
    case notJSON(String)
    case notAnObject(String)
    case unknownMember(String)
    case missing(String)
    case wrongType(member: String, expected: String, actual: String)
    case unknownDecision(String)
    case tooLong(member: String, limit: Int)
    case controlCharacters(String)
    case wrongApproval(String, expected: String)
    case bindingMismatch
    case approvalWithoutApprover

    package var description: String {
        func shown(_ text: String) -> String { ApprovalSummary.middleCut(ApprovalSummary.sanitize(text), limit: 80) }
        return switch self {
        case .tooLarge(let count): "is larger than \(ApprovalAnswer.maxDocumentBytes) bytes (\(count) bytes)"
        case .notJSON(let reason): "is not valid JSON: \(reason)"
        case .notAnObject(let type): "is not a JSON object (it is \(type))"
        case .unknownMember(let key):
            "has an unknown member `\(shown(key))` (expected decision, approver, comment, remember, approval_id, "
                + "binding)"
        case .missing(let member): "has no `\(member)`"
        case .wrongType(let member, let expected, let actual): "has `\(member)` as \(actual), not \(expected)"
        case .unknownDecision(let word): "has `decision` \"\(shown(word))\" (expected \"approve\" or \"deny\")"
        case .tooLong(let member, let limit): "has more than \(limit) characters in `\(member)`"
        case .controlCharacters(let member): "has control characters in `\(member)`"
        case .wrongApproval(let id, let expected): "answers approval `\(shown(id))`, not `\(shown(expected))`"
        case .bindingMismatch: "is bound to a different call (its `binding` is not this request's)"
        case .approvalWithoutApprover: "approves without naming an `approver`"
        }
    }
}
