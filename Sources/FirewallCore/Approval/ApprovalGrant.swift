/// A remembered approval: later calls to the same tool (with the same values for the bound
/// arguments) are allowed without asking, each citing the approval record that created the grant.
package struct ApprovalGrant: Sendable, Equatable {
    /// The id of the approval that created the grant; later decisions cite it as `grant_id`.
    package var id: String
    package var tool: String
    /// Arguments whose values later calls must repeat exactly (dotted paths), with the approved values.
    package var boundArguments: [(String, JSONValue)]
    /// Seconds since the Unix epoch; nil lasts for the session.
    package var expiresAt: Double?
    /// Who approved the call that created the grant.
    package var approver: Approver

    package init(
        id: String, tool: String, boundArguments: [(String, JSONValue)], expiresAt: Double?, approver: Approver
    ) {
        self.id = id
        self.tool = tool
        self.boundArguments = boundArguments
        self.expiresAt = expiresAt
        self.approver = approver
    }

    /// A grant for `tool`, binding `paths` to their values in `arguments` (a missing path binds to
    /// "absent": later calls must leave it out too).
    package init(
        id: String, tool: String, arguments: JSONValue, binding paths: [String], remember: ApprovalSettings.Remember,
        now: Double, approver: Approver
    ) {
        let expiry: Double? =
            switch remember {
            case .session, .never: nil
            case .duration(let duration): now + Double(DurationText.milliseconds(duration)) / 1000
            }
        self.init(
            id: id, tool: tool,
            boundArguments: paths.map { ($0, Self.value(at: $0, in: arguments) ?? .null) },
            expiresAt: expiry, approver: approver)
    }

    /// Whether a call to `tool` with `arguments` at `now` falls under this grant.
    package func covers(tool: String, arguments: JSONValue, now: Double) -> Bool {
        guard tool == self.tool else { return false }
        if let expiresAt, now >= expiresAt { return false }
        return boundArguments.allSatisfy { path, value in (Self.value(at: path, in: arguments) ?? .null) == value }
    }

    static func value(at path: String, in arguments: JSONValue) -> JSONValue? {
        var current = arguments
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard let next = current[String(part)] else { return nil }
            current = next
        }
        return current
    }

    package static func == (lhs: ApprovalGrant, rhs: ApprovalGrant) -> Bool {
        lhs.id == rhs.id && lhs.tool == rhs.tool && lhs.expiresAt == rhs.expiresAt && lhs.approver == rhs.approver
            && lhs.boundArguments.elementsEqual(rhs.boundArguments) { $0.0 == $1.0 && $0.1 == $1.1 }
    }
}

/// The grants of one session, bounded: the oldest grant goes when the table is full.
package struct GrantTable: Sendable {
    private var grants: [ApprovalGrant] = []
    let capacity: Int

    package init(capacity: Int = 256) {
        self.capacity = capacity
    }

    package var count: Int { grants.count }

    package mutating func add(_ grant: ApprovalGrant) {
        if grants.count >= capacity { grants.removeFirst() }
        grants.append(grant)
    }

    /// The newest grant covering the call, dropping expired grants on the way.
    package mutating func grant(for tool: String, arguments: JSONValue, now: Double) -> ApprovalGrant? {
        grants.removeAll { grant in grant.expiresAt.map { now >= $0 } ?? false }
        return grants.last { $0.covers(tool: tool, arguments: arguments, now: now) }
    }
}
