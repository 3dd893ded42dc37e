/// The keys of the objects a parse is inside, checked as each key is read: duplicates, keys that a
/// lenient decoder would read as one (same `KeySkeleton`), and keys that rewrite a JavaScript prototype.
///
/// Linear in the number of keys: small objects compare against a short run of their own keys in one
/// array shared by the whole parse (no allocation per object); an object past `linearLimit` keys
/// switches to a hash table of its own.
struct KeyLedger {
    /// Which key rules a parse applies.
    enum Rules {
        /// Everything on the wire: duplicates, skeleton collisions, `__proto__`, `constructor.prototype`.
        case wire
        /// Files the proxy wrote or imports: exact duplicates only (a recorded attack must stay readable).
        case document
        /// No key checks at all.
        case none
    }

    private struct Frame {
        var start: Int
        var table: [String: String]?
        /// The object is the value of a `constructor` key: a `prototype` key in it is refused.
        var underConstructor: Bool
    }

    private static let linearLimit = 12

    let rules: Rules
    private var keys: [(skeleton: String, key: String)] = []
    private var frames: [Frame] = []
    /// Set when the key just read is `constructor`, consumed by the object that may follow it.
    private var pendingConstructor = false

    init(rules: Rules) {
        self.rules = rules
    }

    /// An object starts.
    mutating func open() {
        frames.append(Frame(start: keys.count, table: nil, underConstructor: pendingConstructor))
        pendingConstructor = false
    }

    /// The current object ends.
    mutating func close() {
        let frame = frames.removeLast()
        keys.removeSubrange(frame.start...)
        pendingConstructor = false
    }

    /// A value that is not an object starts: a `constructor` key before it no longer matters.
    mutating func scalarOrArray() {
        pendingConstructor = false
    }

    /// Records `key` of the current object; the reason it is refused, if it is.
    mutating func insert(_ key: String) -> String? {
        if rules == .none { return nil }
        if rules == .wire {
            if key == "__proto__" {
                return "key \"__proto__\" is refused: JavaScript servers that copy arguments with Object.assign "
                    + "or a merge read it as the object's prototype"
            }
            if frames[frames.count - 1].underConstructor && key == "prototype" {
                return "key \"constructor\" holding \"prototype\" is refused: merge functions in JavaScript "
                    + "servers read it as the prototype of every object"
            }
            pendingConstructor = key == "constructor"
            if key.utf8.contains(where: { $0 < 0x20 }) {
                return "key \(key.debugDescription) has a control character: decoders that keep keys as C strings "
                    + "cut it at NUL and read another key"
            }
        }
        let skeleton = rules == .wire ? KeySkeleton.of(key) : key
        let index = frames.count - 1
        if frames[index].table != nil {
            if let other = frames[index].table![skeleton] { return collision(key, other) }
            frames[index].table![skeleton] = key
            return nil
        }
        let start = frames[index].start
        for entry in keys[start...] where entry.skeleton == skeleton { return collision(key, entry.key) }
        keys.append((skeleton, key))
        if keys.count - start > Self.linearLimit {
            var table: [String: String] = [:]
            table.reserveCapacity(Self.linearLimit * 4)
            for entry in keys[start...] { table[entry.skeleton] = entry.key }
            frames[index].table = table
            keys.removeSubrange(start...)
        }
        return nil
    }

    /// Whether a parse error's reason is one of the key rules' (well-formed JSON, ambiguous meaning).
    static func isKeyRuleReason(_ reason: String) -> Bool {
        reason.hasPrefix("duplicate key ") || reason.hasPrefix("keys ") || reason.hasPrefix("key ")
    }

    private func collision(_ key: String, _ other: String) -> String {
        if key == other { return "duplicate key \(key.debugDescription)" }
        return "keys \(other.debugDescription) and \(key.debugDescription) are one field to lenient decoders "
            + "(Go and C# ignore case, pydantic accepts snake_case and camelCase aliases); send one of them"
    }
}
