/// The walker's byte-level reading: where a string ends and what escapes it holds, decoding it, and
/// the rule a key matches.
extension RedactionWalker {
    /// The key rule the raw key at `range` matches. Payloads repeat their keys (a list of records):
    /// once a walk has seen 16 keys, the answer for each plain key of up to 16 bytes is kept in a small
    /// table, so a repeated key costs a compare.
    mutating func keyRule(_ range: Range<Int>) -> Int? {
        let raw = UnsafeBufferPointer(rebasing: bytes[range])
        keysSeen += 1
        guard keysSeen > 16, raw.count <= 16 else { return redactor.keyRule(forRawKey: raw) }
        if keyCache.isEmpty { keyCache = [CachedKey](repeating: CachedKey(), count: 128) }
        var low: UInt64 = 0
        var high: UInt64 = 0
        for (offset, byte) in raw.enumerated() {
            if offset < 8 {
                low |= UInt64(byte) << (8 * UInt64(offset))
            } else {
                high |= UInt64(byte) << (8 * UInt64(offset - 8))
            }
        }
        let mixed = (low &* 0x9E37_79B9_7F4A_7C15) ^ (high &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(raw.count)
        let slot = Int(truncatingIfNeeded: (mixed &* 0xFF51_AFD7_ED55_8CCD) >> 57)
        let cached = keyCache[slot]
        if cached.length == raw.count, cached.low == low, cached.high == high {
            return cached.rule >= 0 ? Int(cached.rule) : nil
        }
        let rule = redactor.keyRule(forRawKey: raw)
        keyCache[slot] = CachedKey(low: low, high: high, length: raw.count, rule: Int16(rule ?? -1))
        return rule
    }

    // MARK: - Strings

    /// Which escapes a string holds.
    enum Escapes: Comparable {
        case none
        /// Only `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`.
        case simple
        /// Also `\/` or `\u`.
        case complex
    }

    /// Calls `body` with the decoded content of the string at `content` (raw bytes between the quotes),
    /// decoded into the walker's buffer; returns what `body` returns.
    @discardableResult
    mutating func withDecoded(
        _ content: Range<Int>, _ body: (inout RedactionWalker, UnsafeBufferPointer<UInt8>) -> Bool
    ) -> Bool {
        var decoded: [UInt8] = []
        swap(&decoded, &scratch)
        decoded.removeAll(keepingCapacity: true)
        JSONStringDecoder.decode(UnsafeBufferPointer(rebasing: bytes[content]), into: &decoded)
        let result = decoded.withUnsafeBufferPointer { body(&self, $0) }
        swap(&decoded, &scratch)
        return result
    }

    /// The index of the closing quote of the string starting at `start`, and which escapes it holds;
    /// in lenient mode a string cut off by the end of the input ends there.
    /// (Static: a method would copy the walker for every string.)
    static func stringEnd(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, lenient: Bool
    ) throws(Stop) -> (Int, Escapes) {
        var position = start + 1
        var escaped = Escapes.none
        let count = bytes.count
        let base = UnsafeRawPointer(bytes.baseAddress!)
        while position < count {
            // Eight bytes at a time: none of them a quote or a backslash (most of a long string), or
            // straight to the first one that is.
            if position + 8 <= count {
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt64.self))
                let found = Self.lanes(word, 0x2222_2222_2222_2222) | Self.lanes(word, 0x5C5C_5C5C_5C5C_5C5C)
                if found == 0 {
                    position += 8
                    continue
                }
                position += found.trailingZeroBitCount >> 3
            }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") { return (position, escaped) }
            if byte == UInt8(ascii: "\\") {
                let letter = position + 1 < count ? bytes[position + 1] : 0
                let kind: Escapes = letter == UInt8(ascii: "u") || letter == UInt8(ascii: "/") ? .complex : .simple
                escaped = max(escaped, kind)
                position += 2
            } else {
                position += 1
            }
        }
        guard lenient else { throw Stop(offset: start) }
        return (count, escaped)
    }

    /// The high bit of each byte lane of `word` that may equal the byte `repeated` holds in every lane;
    /// the lowest bit set is always a true match (a borrow can only mark lanes above one).
    @inline(__always)
    static func lanes(_ word: UInt64, _ repeated: UInt64) -> UInt64 {
        let folded = word ^ repeated
        return (folded &- 0x0101_0101_0101_0101) & ~folded & 0x8080_8080_8080_8080
    }
}
