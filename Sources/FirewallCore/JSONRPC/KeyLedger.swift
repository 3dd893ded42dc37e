#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The keys of the objects a parse is inside, checked as each key is read: duplicates, keys that a
/// lenient decoder would read as one (same `KeySkeleton`), and keys that rewrite a JavaScript prototype.
///
/// Linear in the frame, with no allocation per key: a key's skeleton is hashed as bytes (for the
/// common plain-ASCII key straight from the frame), skeletons live in one arena shared by every open
/// object, small objects compare against their own short run of entries, and an object past
/// `linearLimit` keys gets an open-addressing table of its own that grows without rehashing a key.
/// The hash is Swift's seeded SipHash, so a frame cannot be built to make lookups collide.
struct KeyLedger {
    /// Which key rules a parse applies.
    enum Rules {
        /// Everything on the wire: duplicates, skeleton collisions, `__proto__`, `constructor.prototype`,
        /// control characters.
        case wire
        /// Files the proxy wrote or imports: exact duplicates only (a recorded attack must stay readable).
        case document
        /// No key checks at all.
        case none
    }

    /// Why a key is refused.
    enum Refusal {
        /// Same skeleton as the key whose string starts at this offset of the frame.
        case collision(otherKeyOffset: Int)
        case prototypeKey
        case constructorPrototype
        case controlCharacter
    }

    private struct Entry {
        var hash: Int
        var start: Int32
        var count: Int32
        var keyOffset: Int
    }

    private struct Frame {
        var firstEntry: Int
        var arenaStart: Int
        /// Open-addressing slots holding entry indices (+1; 0 is empty), once the object is large.
        var table: [Int32]?
        /// The object is the value of a `constructor` key: a `prototype` key in it is refused.
        var underConstructor: Bool
    }

    private static let linearLimit = 8

    let rules: Rules
    private var arena: [UInt8] = []
    private var entries: [Entry] = []
    private var frames: [Frame] = []
    /// Set when the key just read is `constructor`, consumed by the object that may follow it.
    private var pendingConstructor = false
    /// Scratch space for a folded ASCII skeleton.
    private var scratch: [UInt8] = []

    init(rules: Rules) {
        self.rules = rules
    }

    var checksKeys: Bool { rules != .none }

    /// An object starts.
    mutating func open() {
        frames.append(
            Frame(firstEntry: entries.count, arenaStart: arena.count, table: nil, underConstructor: pendingConstructor))
        pendingConstructor = false
    }

    /// The current object ends.
    mutating func close() {
        let frame = frames.removeLast()
        entries.removeSubrange(frame.firstEntry...)
        arena.removeSubrange(frame.arenaStart...)
        pendingConstructor = false
    }

    /// A value that is not an object starts: a `constructor` key before it no longer matters.
    mutating func scalarOrArray() {
        pendingConstructor = false
    }

    /// Records a key of plain ASCII with no escapes, given as its raw bytes.
    mutating func insertASCII(_ raw: UnsafeBufferPointer<UInt8>, keyOffset: Int) -> Refusal? {
        if rules == .none { return nil }
        var folds = false
        if rules == .wire {
            for byte in raw where byte == 0x5F || (byte >= 0x41 && byte <= 0x5A) {
                folds = true
                break
            }
            if let refusal = special(raw) { return refusal }
        }
        guard folds else { return insert(skeleton: raw, keyOffset: keyOffset) }
        scratch.removeAll(keepingCapacity: true)
        for byte in raw where byte != 0x5F { scratch.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) }
        var folded: [UInt8] = []
        swap(&folded, &scratch)
        defer { swap(&folded, &scratch) }
        return folded.withUnsafeBufferPointer { insert(skeleton: $0, keyOffset: keyOffset) }
    }

    /// Records any other key (escapes, non-ASCII), given as its decoded string.
    mutating func insert(_ key: String, keyOffset: Int) -> Refusal? {
        if rules == .none { return nil }
        if rules == .wire {
            var key = key
            if let refusal = key.withUTF8({ special($0) }) { return refusal }
            if key.utf8.contains(where: { $0 < 0x20 }) { return .controlCharacter }
        }
        var skeleton = rules == .wire ? KeySkeleton.of(key) : key
        return skeleton.withUTF8 { insert(skeleton: $0, keyOffset: keyOffset) }
    }

    /// `__proto__`, and `prototype` under `constructor`; notes `constructor` for the value that follows.
    private mutating func special(_ raw: UnsafeBufferPointer<UInt8>) -> Refusal? {
        pendingConstructor = false
        switch raw.count {
        case 9:
            if Self.equal(raw, Self.proto) { return .prototypeKey }
            if frames[frames.count - 1].underConstructor && Self.equal(raw, Self.prototype) {
                return .constructorPrototype
            }
        case 11:
            pendingConstructor = Self.equal(raw, Self.constructor)
        default:
            break
        }
        return nil
    }

    private static let proto = Array("__proto__".utf8)
    private static let prototype = Array("prototype".utf8)
    private static let constructor = Array("constructor".utf8)

    private static func equal(_ raw: UnsafeBufferPointer<UInt8>, _ word: [UInt8]) -> Bool {
        word.withUnsafeBufferPointer { memcmp($0.baseAddress!, raw.baseAddress!, word.count) == 0 }
    }

    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        return hasher.finalize()
    }

    private mutating func insert(skeleton: UnsafeBufferPointer<UInt8>, keyOffset: Int) -> Refusal? {
        let frameIndex = frames.count - 1
        let first = frames[frameIndex].firstEntry
        // Small objects compare bytes and never hash; a hash is taken once an object gets a table.
        var hash = 0
        if frames[frameIndex].table == nil {
            for index in first..<entries.count where same(index, skeleton) {
                return .collision(otherKeyOffset: entries[index].keyOffset)
            }
        } else {
            hash = Self.hash(skeleton)
            if let existing = lookup(frameIndex, hash: hash, skeleton: skeleton) {
                return .collision(otherKeyOffset: entries[existing].keyOffset)
            }
        }
        let start = arena.count
        arena.append(contentsOf: skeleton)
        entries.append(Entry(hash: hash, start: Int32(start), count: Int32(skeleton.count), keyOffset: keyOffset))
        let count = entries.count - first
        if frames[frameIndex].table != nil {
            if count * 2 > frames[frameIndex].table!.count {
                rebuildTable(frameIndex)
            } else {
                place(entries.count - 1, in: frameIndex)
            }
        } else if count > Self.linearLimit {
            rebuildTable(frameIndex)
        }
        return nil
    }

    private func same(_ entry: Int, _ skeleton: UnsafeBufferPointer<UInt8>) -> Bool {
        let stored = entries[entry]
        guard Int(stored.count) == skeleton.count else { return false }
        guard let other = skeleton.baseAddress else { return true }
        return arena.withUnsafeBufferPointer { arena in
            memcmp(arena.baseAddress! + Int(stored.start), other, skeleton.count) == 0
        }
    }

    private func lookup(_ frameIndex: Int, hash: Int, skeleton: UnsafeBufferPointer<UInt8>) -> Int? {
        let table = frames[frameIndex].table!
        let mask = table.count - 1
        var slot = hash & mask
        while table[slot] != 0 {
            let entry = Int(table[slot]) - 1
            if entries[entry].hash == hash && same(entry, skeleton) { return entry }
            slot = (slot + 1) & mask
        }
        return nil
    }

    private mutating func place(_ entry: Int, in frameIndex: Int) {
        let mask = frames[frameIndex].table!.count - 1
        var slot = entries[entry].hash & mask
        while frames[frameIndex].table![slot] != 0 { slot = (slot + 1) & mask }
        frames[frameIndex].table![slot] = Int32(entry + 1)
    }

    /// A table of at least four times the entries: lookups stay short, growth is amortised O(1).
    private mutating func rebuildTable(_ frameIndex: Int) {
        let first = frames[frameIndex].firstEntry
        var capacity = 16
        while capacity < (entries.count - first) * 4 { capacity <<= 1 }
        frames[frameIndex].table = [Int32](repeating: 0, count: capacity)
        for entry in first..<entries.count {
            // 0 marks an entry added while the object was small (a real 0 is only hashed again).
            if entries[entry].hash == 0 {
                let stored = entries[entry]
                entries[entry].hash = arena.withUnsafeBufferPointer {
                    Self.hash(UnsafeBufferPointer(rebasing: $0[Int(stored.start)..<Int(stored.start + stored.count)]))
                }
            }
            place(entry, in: frameIndex)
        }
    }

    /// The message for a refusal; `keyAt` reads the key whose string starts at an offset.
    static func reason(_ refusal: Refusal, key: String, keyAt: (Int) -> String) -> String {
        switch refusal {
        case .collision(let offset):
            let other = keyAt(offset)
            if other.utf8.elementsEqual(key.utf8) { return "duplicate key \(key.debugDescription)" }
            return "keys \(other.debugDescription) and \(key.debugDescription) are one field to lenient decoders "
                + "(Go and C# ignore case, pydantic accepts snake_case and camelCase aliases); send one of them"
        case .prototypeKey:
            return "key \"__proto__\" is refused: JavaScript servers that copy arguments with Object.assign "
                + "or a merge read it as the object's prototype"
        case .constructorPrototype:
            return "key \"constructor\" holding \"prototype\" is refused: merge functions in JavaScript "
                + "servers read it as the prototype of every object"
        case .controlCharacter:
            return "key \(key.debugDescription) has a control character: decoders that keep keys as C strings "
                + "cut it at NUL and read another key"
        }
    }

    /// Whether a parse error's reason is one of the key rules' (well-formed JSON, ambiguous meaning).
    static func isKeyRuleReason(_ reason: String) -> Bool {
        reason.hasPrefix("duplicate key ") || reason.hasPrefix("keys ") || reason.hasPrefix("key ")
    }
}
