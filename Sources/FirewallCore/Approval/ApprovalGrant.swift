/// A remembered approval: later calls to the same tool (with the same values for the bound
/// arguments) are allowed without asking, each citing the approval record that created the grant.
package struct ApprovalGrant: Sendable, Equatable {
    /// The id of the approval that created the grant; later decisions cite it as `grant_id`.
    package var id: String
    package var tool: String
    /// The rule that asked for the approval (nil: a class default or `unlisted` setting). A grant
    /// covers only calls the same rule asks about: another rule for the same tool may name other
    /// channels, a shorter `remember` or other bound arguments.
    package var rule: SourceLocation?
    /// Arguments whose values later calls must repeat exactly (dotted paths, array indexes allowed),
    /// with the approved values; nil where the argument was absent (later calls must leave it out).
    package var boundArguments: [(String, JSONValue?)]
    /// Seconds since the Unix epoch; nil lasts for the session.
    package var expiresAt: Double?
    /// Who approved the call that created the grant.
    package var approver: Approver

    package init(
        id: String, tool: String, rule: SourceLocation? = nil, boundArguments: [(String, JSONValue?)],
        expiresAt: Double?, approver: Approver
    ) {
        self.id = id
        self.tool = tool
        self.rule = rule
        self.boundArguments = boundArguments
        self.expiresAt = expiresAt
        self.approver = approver
    }

    /// A grant for `tool` asked about by `rule`, binding `paths` to their values in `arguments` (a
    /// missing path binds to "absent": later calls must leave it out too).
    package init(
        id: String, tool: String, rule: SourceLocation?, arguments: JSONValue, binding paths: [String],
        remember: ApprovalSettings.Remember, now: Double, approver: Approver
    ) {
        let expiry: Double? =
            switch remember {
            case .session, .never: nil
            case .duration(let duration): now + Double(DurationText.milliseconds(duration)) / 1000
            }
        self.init(
            id: id, tool: tool, rule: rule, boundArguments: paths.map { ($0, Self.value(at: $0, in: arguments)) },
            expiresAt: expiry, approver: approver)
    }

    /// Whether a call to `tool` with `arguments`, asked about by `rule`, at `now` falls under this
    /// grant. Names and values compare byte for byte: canonically equivalent Unicode is another tool
    /// or another file to the server.
    package func covers(tool: String, rule: SourceLocation?, arguments: JSONValue, now: Double) -> Bool {
        guard tool.utf8.elementsEqual(self.tool.utf8), rule == self.rule else { return false }
        if let expiresAt, now >= expiresAt { return false }
        return boundArguments.allSatisfy { path, bound in
            switch (Self.value(at: path, in: arguments), bound) {
            case (nil, nil): true
            case (let value?, let bound?): value.isByteIdentical(to: bound)
            default: false
            }
        }
    }

    static func value(at path: String, in arguments: JSONValue) -> JSONValue? {
        arguments.value(at: path.split(separator: ".", omittingEmptySubsequences: false).map(String.init))
    }

    package static func == (lhs: ApprovalGrant, rhs: ApprovalGrant) -> Bool {
        lhs.id == rhs.id && lhs.tool == rhs.tool && lhs.rule == rhs.rule && lhs.expiresAt == rhs.expiresAt
            && lhs.approver == rhs.approver
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

    /// The newest grant covering the call (an expired one covers nothing).
    package func grant(for tool: String, rule: SourceLocation?, arguments: JSONValue, now: Double) -> ApprovalGrant? {
        grants.last { $0.covers(tool: tool, rule: rule, arguments: arguments, now: now) }
    }

    /// The earliest expiry among the grants, wall-clock seconds.
    package var nextExpiry: Double? { grants.lazy.compactMap(\.expiresAt).min() }

    /// Removes the grants expired at `now` and returns them, oldest first.
    package mutating func expire(now: Double) -> [ApprovalGrant] {
        let expired = grants.filter { grant in grant.expiresAt.map { now >= $0 } ?? false }
        guard !expired.isEmpty else { return [] }
        grants.removeAll { grant in grant.expiresAt.map { now >= $0 } ?? false }
        return expired
    }
}
