/// The protocol names by skeleton (`ProtocolKeys`), for ASCII keys looked up straight from their
/// bytes: the skeleton is folded and hashed as the key is read, with no string built and no SipHash.
///
/// The table is filled once from a fixed list, so a peer cannot choose keys that crowd its buckets;
/// a cheap hash is enough. Keys that are not ASCII are not looked up here (their skeletons need
/// Unicode case folding): `ProtocolKeys` takes its general path for them.
struct SkeletonTable: Sendable {
    private struct Slot: Sendable {
        var skeleton: [UInt8]
        var name: String
    }

    private var slots: [Slot?]
    private let mask: Int

    /// `entries` maps ASCII skeletons to protocol names.
    init(_ entries: [String: String]) {
        var size = 16
        while size < entries.count * 3 { size *= 2 }
        slots = [Slot?](repeating: nil, count: size)
        mask = size - 1
        for (skeleton, name) in entries {
            let bytes = Array(skeleton.utf8)
            precondition(bytes.allSatisfy { $0 < 0x80 }, "protocol skeletons are ASCII")
            var slot = Self.hash(bytes) & mask
            while slots[slot] != nil { slot = (slot + 1) & mask }
            slots[slot] = Slot(skeleton: bytes, name: name)
        }
    }

    /// The protocol name whose skeleton `key` has; `key` must be ASCII.
    func name(forASCII key: UnsafeBufferPointer<UInt8>) -> String? {
        var slot = Self.hash(key.lazy.compactMap(KeySkeleton.folded)) & mask
        while let entry = slots[slot] {
            if Self.matches(key, entry.skeleton) { return entry.name }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// FNV-1a over the skeleton's bytes.
    private static func hash(_ bytes: some Sequence<UInt8>) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return Int(truncatingIfNeeded: hash ^ hash >> 29)
    }

    /// Whether the skeleton of `key` is `skeleton`.
    private static func matches(_ key: UnsafeBufferPointer<UInt8>, _ skeleton: [UInt8]) -> Bool {
        var position = 0
        for byte in key {
            guard let folded = KeySkeleton.folded(byte) else { continue }
            guard position < skeleton.count, skeleton[position] == folded else { return false }
            position += 1
        }
        return position == skeleton.count
    }
}
