/// Which records `mcp-firewall audit tail` prints: every condition given must hold.
package struct AuditRecordFilter: Sendable, Equatable {
    /// Session ids, or their prefixes (the 8 characters `audit tail` prints).
    package var sessions: [String]
    /// `event` values.
    package var events: [String]
    /// Tool names (records that name no tool never match).
    package var tools: [String]

    package init(sessions: [String] = [], events: [String] = [], tools: [String] = []) {
        self.sessions = sessions
        self.events = events
        self.tools = tools
    }

    package var isEmpty: Bool { sessions.isEmpty && events.isEmpty && tools.isEmpty }

    /// Whether `record` passes; a line that is not a record (nil) passes only an empty filter.
    package func matches(_ record: JSONValue?) -> Bool {
        guard !isEmpty else { return true }
        guard let record else { return false }
        if !sessions.isEmpty {
            guard let session = record["session"]?.stringValue, sessions.contains(where: { session.hasPrefix($0) })
            else { return false }
        }
        if !events.isEmpty {
            guard let event = record["event"]?.stringValue, events.contains(event) else { return false }
        }
        if !tools.isEmpty {
            guard let tool = record["tool"]?.stringValue, tools.contains(tool) else { return false }
        }
        return true
    }
}
