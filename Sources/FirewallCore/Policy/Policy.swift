import Crypto

/// A checked, typed policy, ready to evaluate calls.
package struct Policy: Sendable {
    /// How tools that no rule names are treated.
    package struct Unlisted: Sendable, Equatable {
        /// A fixed class, or nil to classify from the server's annotations.
        package var toolClass: ToolClass?
        /// A fixed decision, or nil to use the class default.
        package var decision: Decision?

        package init(toolClass: ToolClass? = nil, decision: Decision? = nil) {
            self.toolClass = toolClass
            self.decision = decision
        }
    }

    /// Settings for `confirm` decisions.
    package typealias Approval = ApprovalSettings

    /// What a `confirm` decision does when no approver can be reached.
    package enum Unattended: String, Sendable, CaseIterable, Comparable {
        /// Run the call anyway; recorded as an unattended allow.
        case allow
        /// Refuse the call (the default).
        case deny
        /// Refuse the call and fail the session: the proxy exits 75 so a CI job notices.
        case fail

        var strictness: Int {
            switch self {
            case .allow: 0
            case .deny: 1
            case .fail: 2
            }
        }

        package static func < (lhs: Unattended, rhs: Unattended) -> Bool { lhs.strictness < rhs.strictness }
    }

    package var version: Int
    package var defaults: [ToolClass: Decision]
    package var unlisted: Unlisted
    package var approval: Approval
    package var rules: [PolicyRule]
    /// How the audit log is written: what it redacts (`audit:`).
    package var audit = AuditSettings()
    /// Where the policy came from, for the audit log and denial messages (all layers combined).
    package var source: Source
    /// Every file that went into this policy, in merge order (`extends:` first).
    package var layers: [Source]
    /// The `environments:` overlays, by name.
    package var environments: [String: Environment] = [:]
    /// Where each top-level setting is written (`defaults.write`, `unlisted`, `unattended`), for diagnostics.
    package var settingLocations: [String: SourceLocation] = [:]
    /// The environment this policy has been resolved for, if any.
    package var environment: String?
    /// For a tighten-only environment: the policy before the overlay, which no decision may undercut.
    package var baseline: Baseline?
    /// For a layered policy: each layer on its own, none of which any decision may undercut. Uniting
    /// rules alone is not enough: one layer's `decision: allow` would beat another's class default.
    package var layerFloors: [Policy] = []
    /// Where the audit log is shipped besides its file (`audit.sinks`).
    package var auditSinks: [AuditSinkSettings] = []

    /// Holds the pre-overlay policy (a class, because a struct cannot contain itself).
    package final class Baseline: Sendable {
        package let policy: Policy

        init(_ policy: Policy) {
            self.policy = policy
        }
    }

    /// The file a policy was loaded from and its SHA-256.
    package struct Source: Sendable, Equatable {
        package var path: String
        package var sha256: String

        package init(path: String, sha256: String) {
            self.path = path
            self.sha256 = sha256
        }

        package init(path: String, contents: some Sequence<UInt8>) {
            self.path = path
            self.sha256 = SHA256.hash(data: Array(contents)).hexString
        }
    }

    /// The built-in defaults of policy version 1: read allow, write confirm, sensitive deny.
    package static let standardDefaults: [ToolClass: Decision] = [.read: .allow, .write: .confirm, .sensitive: .deny]

    package init(
        version: Int = 1,
        defaults: [ToolClass: Decision] = Policy.standardDefaults,
        unlisted: Unlisted = Unlisted(),
        approval: Approval = Approval(),
        rules: [PolicyRule] = [],
        source: Source
    ) {
        self.version = version
        self.defaults = defaults
        self.unlisted = unlisted
        self.approval = approval
        self.rules = rules
        self.source = source
        self.layers = [source]
    }

    /// The decision for a class when no rule states one.
    package func defaultDecision(for toolClass: ToolClass) -> Decision {
        defaults[toolClass] ?? Self.standardDefaults[toolClass] ?? .deny
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal, two digits a byte.
    package var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
