#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The keys of the objects a parse is inside, checked as each key is read: duplicates, keys that a
/// lenient decoder would read as one (same `KeySkeleton`), and keys that rewrite a JavaScript prototype.
///
/// Linear in the frame, with no allocation per key: a key's skeleton is kept as bytes (the common
/// plain-ASCII key straight from the frame) in one arena shared by every open object; small objects
/// compare against their own short run of entries, and an object past `linearLimit` keys is checked
/// when it closes, by a radix sort of its keys' hashes (Swift's seeded SipHash, so a frame cannot be
/// built to make them collide). Rules: `.wire` applies all of the above; `.document` (files the proxy
/// reads back) only refuses exact duplicates, so a recorded attack stays readable; `.structureOnly` none.
struct KeyLedger {
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
        /// Past `linearLimit` keys the object's keys are only hashed as they come, and checked together
        /// when it closes: a radix sort of the hashes reads memory in order, where a hash table of a
        /// 100k-key object would miss the cache on every key.
        var deferred = false
        /// Skeletons that are not ASCII, compared by canonical equivalence (`é` and `e` + U+0301 are one
        /// key to Swift's JSONDecoder), which bytes cannot do.
        var unicode: [String: Int]?
        /// The object is the value of a `constructor` key: a `prototype` key in it is refused.
        var underConstructor: Bool
    }

    private static let linearLimit = 8

    let rules: JSONParser.KeyRules
    private var arena: [UInt8] = []
    private var entries: [Entry] = []
    private var frames: [Frame] = []
    /// Set when the key just read is `constructor`, consumed by the object that may follow it.
    private var pendingConstructor = false
    /// Scratch space for a folded ASCII skeleton.
    private var scratch: [UInt8] = []

    init(rules: JSONParser.KeyRules) {
        self.rules = rules
        guard rules != .structureOnly else { return }
        // Room for a typical message at once, not by doubling from one key.
        arena.reserveCapacity(256)
        entries.reserveCapacity(32)
        frames.reserveCapacity(8)
    }

    var checksKeys: Bool { rules != .structureOnly }

    /// An object starts.
    mutating func open() {
        if rules == .structureOnly { return }
        frames.append(
            Frame(
                firstEntry: entries.count, arenaStart: arena.count, deferred: false,
                underConstructor: pendingConstructor))
        pendingConstructor = false
    }

    /// The current object ends; a collision among its keys if it was large (its later key's offset too).
    mutating func close() -> (refusal: Refusal, keyOffset: Int)? {
        if rules == .structureOnly { return nil }
        let frame = frames.removeLast()
        let collision = frame.deferred ? firstCollision(from: frame.firstEntry) : nil
        entries.removeLast(entries.count - frame.firstEntry)
        arena.removeLast(arena.count - frame.arenaStart)
        pendingConstructor = false
        return collision
    }

    /// A value that is not an object starts: a `constructor` key before it no longer matters.
    mutating func scalarOrArray() {
        pendingConstructor = false
    }

    /// Records a key of plain ASCII with no escapes, given as its raw bytes.
    mutating func insertASCII(_ raw: UnsafeBufferPointer<UInt8>, keyOffset: Int) -> Refusal? {
        if rules == .structureOnly { return nil }
        var folds = false
        if rules == .wire {
            folds = raw.contains { KeySkeleton.folded($0) != $0 }
            if let refusal = special(raw) { return refusal }
        }
        guard folds else { return insert(skeleton: raw, keyOffset: keyOffset) }
        scratch.removeAll(keepingCapacity: true)
        for byte in raw { if let kept = KeySkeleton.folded(byte) { scratch.append(kept) } }
        var folded: [UInt8] = []
        swap(&folded, &scratch)
        defer { swap(&folded, &scratch) }
        return folded.withUnsafeBufferPointer { insert(skeleton: $0, keyOffset: keyOffset) }
    }

    /// Records any other key (escapes, non-ASCII), given as its decoded string.
    mutating func insert(_ key: String, keyOffset: Int) -> Refusal? {
        if rules == .structureOnly { return nil }
        if rules == .wire {
            var key = key
            if let refusal = key.withUTF8({ special($0) }) { return refusal }
            if key.utf8.contains(where: { $0 < 0x20 }) { return .controlCharacter }
        }
        var skeleton = rules == .wire ? KeySkeleton.of(key) : key
        if !skeleton.utf8.allSatisfy({ $0 < 0x80 }) {
            let frameIndex = frames.count - 1
            if let other = frames[frameIndex].unicode?[skeleton] { return .collision(otherKeyOffset: other) }
            frames[frameIndex].unicode = frames[frameIndex].unicode ?? [:]
            frames[frameIndex].unicode![skeleton] = keyOffset
            return nil
        }
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
        var hash = 0
        if frames[frameIndex].deferred {
            hash = Self.hash(skeleton)
        } else if let other = earlierKey(from: first, matching: skeleton) {
            // Small objects compare bytes and never hash.
            return .collision(otherKeyOffset: other)
        }
        let start = arena.count
        arena.append(contentsOf: skeleton)
        entries.append(Entry(hash: hash, start: Int32(start), count: Int32(skeleton.count), keyOffset: keyOffset))
        if !frames[frameIndex].deferred && entries.count - first > Self.linearLimit {
            frames[frameIndex].deferred = true
            for index in first..<entries.count { entries[index].hash = hashOfEntry(index) }
        }
        return nil
    }

    /// The key offset of an entry from `first` on whose skeleton is `skeleton`, compared as bytes.
    private func earlierKey(from first: Int, matching skeleton: UnsafeBufferPointer<UInt8>) -> Int? {
        entries.withUnsafeBufferPointer { entries -> Int? in
            arena.withUnsafeBufferPointer { arena -> Int? in
                for index in first..<entries.count {
                    let stored = entries[index]
                    guard Int(stored.count) == skeleton.count else { continue }
                    if skeleton.count == 0
                        || memcmp(arena.baseAddress! + Int(stored.start), skeleton.baseAddress!, skeleton.count) == 0
                    {
                        return stored.keyOffset
                    }
                }
                return nil
            }
        }
    }

    private func same(_ entry: Int, _ skeleton: UnsafeBufferPointer<UInt8>) -> Bool {
        let stored = entries[entry]
        guard Int(stored.count) == skeleton.count else { return false }
        guard let other = skeleton.baseAddress else { return true }
        return arena.withUnsafeBufferPointer { arena in
            memcmp(arena.baseAddress! + Int(stored.start), other, skeleton.count) == 0
        }
    }

    private func hashOfEntry(_ index: Int) -> Int {
        let stored = entries[index]
        return arena.withUnsafeBufferPointer {
            Self.hash(UnsafeBufferPointer(rebasing: $0[Int(stored.start)..<Int(stored.start + stored.count)]))
        }
    }

    private func sameEntries(_ lhs: Int, _ rhs: Int) -> Bool {
        let stored = entries[rhs]
        return arena.withUnsafeBufferPointer {
            same(lhs, UnsafeBufferPointer(rebasing: $0[Int(stored.start)..<Int(stored.start + stored.count)]))
        }
    }

    /// Two entries from `first` on with the same skeleton: the hashes are sorted with their entry
    /// indices (LSD radix sort on the hash's top 40 bits), so equal hashes end up side by side.
    private func firstCollision(from first: Int) -> (refusal: Refusal, keyOffset: Int)? {
        let count = entries.count - first
        guard count < 1 << 24 else { return nil }
        var keys = [UInt64](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count {
                let hash = UInt64(UInt(bitPattern: entries[first + index].hash))
                buffer[index] = hash & 0xFFFF_FFFF_FF00_0000 | UInt64(index)
            }
            initialized = count
        }
        var scratch = [UInt64](repeating: 0, count: count)
        for shift in stride(from: 24, to: 64, by: 10) {
            var counts = [Int](repeating: 0, count: 1025)
            for key in keys { counts[Int((key >> UInt64(shift)) & 0x3FF) + 1] += 1 }
            for digit in 1..<1025 { counts[digit] += counts[digit - 1] }
            for key in keys {
                let digit = Int((key >> UInt64(shift)) & 0x3FF)
                scratch[counts[digit]] = key
                counts[digit] += 1
            }
            swap(&keys, &scratch)
        }
        var collision: (refusal: Refusal, keyOffset: Int)?
        var runStart = 0
        for position in 1...count {
            guard position == count || keys[position] >> 24 != keys[runStart] >> 24 else { continue }
            // A run of equal 40-bit hashes: compare its members for real (rarely more than one).
            if position - runStart > 1 {
                let run = keys[runStart..<position].map { first + Int($0 & 0xFF_FFFF) }.sorted()
                for (offset, later) in run.enumerated() {
                    for earlier in run[..<offset]
                    where entries[earlier].hash == entries[later].hash && sameEntries(earlier, later) {
                        let found = (
                            Refusal.collision(otherKeyOffset: entries[earlier].keyOffset), entries[later].keyOffset
                        )
                        if collision == nil || found.1 < collision!.keyOffset { collision = found }
                    }
                }
            }
            runStart = position
        }
        return collision
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

}
