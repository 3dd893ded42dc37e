/// Counts per name, kept in the order the names first appeared.
package struct Tally: Sendable, Hashable {
    /// The names and their counts.
    package private(set) var entries: [(name: String, count: Int)] = []

    /// An empty tally.
    package init() {}

    /// Adds `amount` to `name`'s count.
    package mutating func add(_ name: String, _ amount: Int = 1) {
        if let index = entries.firstIndex(where: { $0.name == name }) {
            entries[index].count += amount
        } else {
            entries.append((name, amount))
        }
    }

    /// The count of `name` (0 when it never appeared).
    package subscript(name: String) -> Int { entries.first { $0.name == name }?.count ?? 0 }

    /// The sum of all counts.
    package var total: Int { entries.reduce(0) { $0 + $1.count } }

    /// Same names, same counts, same order.
    package static func == (lhs: Tally, rhs: Tally) -> Bool {
        lhs.entries.elementsEqual(rhs.entries) { $0.name == $1.name && $0.count == $1.count }
    }

    /// Hashes names and counts in order.
    package func hash(into hasher: inout Hasher) {
        for entry in entries {
            hasher.combine(entry.name)
            hasher.combine(entry.count)
        }
    }
}
