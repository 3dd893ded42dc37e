import FirewallCore

/// Which argument keys name an entity for the data-access map: shell-style globs matched against the key
/// as the call wrote it (case-sensitive, the whole key).
///
/// The default takes identifiers in any of the usual spellings (`id`, `user_id`, `order-id`, `recordId`,
/// `accountID`, their plurals, `uuid`) and nothing that only ends in the letters "id" (`paid`, `valid`).
package struct EntityKeys: Sendable {
    /// The patterns used when none are given.
    package static let defaultPatterns = [
        "id", "ids", "*_id", "*_ids", "*-id", "*-ids", "*Id", "*Ids", "*ID", "*IDs", "uuid", "*_uuid",
    ]

    /// The default patterns, compiled.
    package static let standard = EntityKeys(compiled: defaultPatterns.compactMap { try? GlobPattern($0) })

    /// The patterns, as given.
    package var patterns: [String] { globs.map(\.source) }

    private let globs: [GlobPattern]

    /// Compiles `patterns`; throws the first that is not a valid glob.
    package init(_ patterns: [String]) throws(GlobPatternError) {
        var globs: [GlobPattern] = []
        for pattern in patterns { globs.append(try GlobPattern(pattern)) }
        self.init(compiled: globs)
    }

    private init(compiled globs: [GlobPattern]) {
        self.globs = globs
    }

    /// Whether the values under `key` are entities.
    package func matches(_ key: String) -> Bool {
        globs.contains { $0.matches(key) }
    }
}
