import FirewallCore

/// One row of the report's timeline: a record of the log, reduced to what the page filters and shows.
package struct TimelineEvent: Sendable, Hashable {
    /// The record types the timeline knows; anything else is `other`.
    package enum Kind: Int, Sendable, CaseIterable {
        case sessionStart
        case sessionNegotiated
        case message
        case approvalRequested
        case decision
        case rejection
        case result
        case sessionEnd
        case toolsListed
        case checkpoint
        case other

        /// The record's `event` value.
        package var name: String {
            switch self {
            case .sessionStart: "session_start"
            case .sessionNegotiated: "session_negotiated"
            case .message: "message"
            case .approvalRequested: "approval_requested"
            case .decision: "decision"
            case .rejection: "rejection"
            case .result: "result"
            case .sessionEnd: "session_end"
            case .toolsListed: "tools_listed"
            case .checkpoint: "checkpoint"
            case .other: "other"
            }
        }

        /// The kind for an `event` value; `other` for values this report does not know.
        package init(eventName: String) {
            self = Self.allCases.first { $0 != .other && $0.name == eventName } ?? .other
        }
    }

    /// 0-based index of the session in the report.
    package var session: Int
    /// The record's `seq` (its line number when it has none).
    package var seq: Int
    /// The record's `ts`.
    package var timestamp: String
    /// The record type.
    package var kind: Kind
    /// The tool of the call the record belongs to, when known.
    package var tool: String?
    /// The call's class, once its decision is known.
    package var toolClass: ToolClass?
    /// The call's final decision, on every record of a decided call.
    package var decision: Decision?
    /// `decided_by.kind` of the call, on every record of a decided call.
    package var approver: String?
    /// The call number.
    package var call: Int?
    /// Who let the call through, on its decision row.
    package var label: ApprovalLabel?
    /// One line saying what happened.
    package var summary: String
    /// The expandable detail: arguments, payload prefix, result facts; capped by the builder.
    package var detail: String

    /// A row; everything but the position and summary is optional.
    package init(
        session: Int, seq: Int, timestamp: String, kind: Kind, tool: String? = nil, toolClass: ToolClass? = nil,
        decision: Decision? = nil, approver: String? = nil, call: Int? = nil, label: ApprovalLabel? = nil,
        summary: String, detail: String = ""
    ) {
        self.session = session
        self.seq = seq
        self.timestamp = timestamp
        self.kind = kind
        self.tool = tool
        self.toolClass = toolClass
        self.decision = decision
        self.approver = approver
        self.call = call
        self.label = label
        self.summary = summary
        self.detail = detail
    }

    /// Codes used in the embedded data; the page reads their names from the report's metadata.
    package enum Codes {
        /// Class names by code.
        package static let classes = ["", "read", "write", "sensitive"]
        /// Decision names by code.
        package static let decisions = ["", "allow", "deny", "confirm"]
        /// Approver kinds by code; unknown kinds are `other`.
        package static let approvers = ["", "policy", "human", "client", "other"]

        static func code(_ toolClass: ToolClass?) -> Int {
            switch toolClass {
            case nil: 0
            case .read?: 1
            case .write?: 2
            case .sensitive?: 3
            }
        }

        static func code(_ decision: Decision?) -> Int {
            switch decision {
            case nil: 0
            case .allow?: 1
            case .deny?: 2
            case .confirm?: 3
            }
        }

        static func code(approver: String?) -> Int {
            guard let approver else { return 0 }
            return approvers.firstIndex(of: approver) ?? 4
        }
    }
}
