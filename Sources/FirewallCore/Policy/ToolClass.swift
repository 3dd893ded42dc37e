/// How much a tool can change or reveal: the axis every policy decision starts from.
package enum ToolClass: String, Sendable, Hashable, CaseIterable, Comparable {
    case read
    case write
    case sensitive

    /// Higher ranks are more dangerous; when several rules classify a tool, the highest wins.
    package var rank: Int {
        switch self {
        case .read: 0
        case .write: 1
        case .sensitive: 2
        }
    }

    package static func < (lhs: ToolClass, rhs: ToolClass) -> Bool { lhs.rank < rhs.rank }
}

/// What the policy says to do with a call.
package enum Decision: String, Sendable, Hashable, CaseIterable, Comparable {
    case allow
    case confirm
    case deny

    /// Stricter decisions rank higher: deny > confirm > allow.
    package var strictness: Int {
        switch self {
        case .allow: 0
        case .confirm: 1
        case .deny: 2
        }
    }

    package static func < (lhs: Decision, rhs: Decision) -> Bool { lhs.strictness < rhs.strictness }
}
