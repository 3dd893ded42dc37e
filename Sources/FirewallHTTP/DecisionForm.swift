import FirewallCore

/// An answer posted by the page: `{"approval_id", "binding", "decision": "approve"|"deny", "approver"?,
/// "comment"?, "remember"?}`, parsed strictly (unknown or duplicate keys, wrong types and overlong text
/// are refused).
package struct DecisionForm: Sendable, Equatable {
    /// Largest body accepted, in bytes.
    package static let maxBodyBytes = 16 * 1024
    /// Longest approver name, in characters.
    package static let maxApproverLength = 100
    /// Longest comment, in characters.
    package static let maxCommentLength = 1000

    /// The `approval_id` of the call answered.
    package var approvalID: String
    /// Must equal the pending request's `binding`: the answer is for exactly the call that was shown.
    package var binding: String
    /// True for "approve", false for "deny".
    package var approve: Bool
    /// The name the approver typed, if any.
    package var approver: String?
    /// The approver's comment, if any.
    package var comment: String?
    /// Whether the approver asked to remember the approval.
    package var remember: Bool

    /// An answer with the given fields (tests build them directly).
    package init(
        approvalID: String, binding: String, approve: Bool, approver: String? = nil, comment: String? = nil,
        remember: Bool = false
    ) {
        self.approvalID = approvalID
        self.binding = binding
        self.approve = approve
        self.approver = approver
        self.comment = comment
        self.remember = remember
    }

    /// Why a body is not a valid answer; the text is shown on the page.
    package struct Problem: Error, Equatable, CustomStringConvertible {
        package var description: String

        /// A problem described by `description`.
        package init(description: String) {
            self.description = description
        }
    }

    private static let knownKeys: Set = ["approval_id", "binding", "decision", "approver", "comment", "remember"]

    /// Parses and checks `body`. Empty or whitespace-only `approver` and `comment` count as absent.
    package init(parsing body: [UInt8]) throws(Problem) {
        guard body.count <= Self.maxBodyBytes else { throw Problem(description: "the answer is too large") }
        let value: JSONValue
        do {
            value = try JSONParser.parse(body, maxDepth: 4)
        } catch {
            throw Problem(description: "the answer is not valid JSON: \(error)")
        }
        guard case .object(let members) = value else { throw Problem(description: "the answer must be an object") }
        if let unknown = members.first(where: { !Self.knownKeys.contains($0.key) }) {
            throw Problem(description: "unknown field `\(ApprovalSummary.sanitize(unknown.key))`")
        }
        guard let approvalID = value["approval_id"]?.stringValue, !approvalID.isEmpty, approvalID.count <= 200 else {
            throw Problem(description: "`approval_id` must be a non-empty string")
        }
        guard let binding = value["binding"]?.stringValue, !binding.isEmpty, binding.count <= 200 else {
            throw Problem(description: "`binding` must be a non-empty string")
        }
        let approve: Bool
        switch value["decision"]?.stringValue {
        case "approve": approve = true
        case "deny": approve = false
        default: throw Problem(description: "`decision` must be \"approve\" or \"deny\"")
        }
        let remember: Bool
        switch value["remember"] {
        case nil, .null?: remember = false
        case .bool(let flag)?: remember = flag
        default: throw Problem(description: "`remember` must be true or false")
        }
        self.init(
            approvalID: approvalID, binding: binding, approve: approve,
            // A name that renders as nothing (a Hangul filler, zero-width characters) names nobody.
            approver: try Self.text(value["approver"], field: "approver", limit: Self.maxApproverLength)
                .flatMap { ApprovalSummary.isVisibleName($0) ? $0 : nil },
            comment: try Self.text(value["comment"], field: "comment", limit: Self.maxCommentLength, lineBreaks: true),
            remember: remember)
    }

    /// An optional free-text field: trimmed, bounded, and without control or format characters (a line break
    /// is allowed in comments).
    private static func text(
        _ value: JSONValue?, field: String, limit: Int, lineBreaks: Bool = false
    ) throws(Problem) -> String? {
        switch value {
        case nil, .null?:
            return nil
        case .string(let raw)?:
            let text = raw.trimmingWhitespace()
            guard text.count <= limit else {
                throw Problem(description: "`\(field)` is longer than \(limit) characters")
            }
            for scalar in text.unicodeScalars where !(lineBreaks && scalar == "\n") {
                switch scalar.properties.generalCategory {
                case .control, .format, .lineSeparator, .paragraphSeparator:
                    throw Problem(description: "`\(field)` contains control or formatting characters")
                default: continue
                }
            }
            return text.isEmpty ? nil : text
        default:
            throw Problem(description: "`\(field)` must be a string")
        }
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
