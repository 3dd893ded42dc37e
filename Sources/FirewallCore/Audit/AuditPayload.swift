import Crypto

/// A message's bytes as the audit log keeps them: whole when small and valid JSON, otherwise a
/// prefix plus the SHA-256 and size of the full bytes, so that nothing is claimed that was not seen.
package struct AuditPayload: Sendable {
    package enum Content: Sendable {
        /// The exact bytes, embedded as JSON.
        case json([UInt8])
        /// The first bytes as text (invalid UTF-8 replaced), with the digest of all bytes (empty: withheld).
        case truncated(prefix: String, sha256: String)
        /// Nothing was kept (an oversized frame discarded while it streamed in).
        case dropped
    }

    package var size: Int
    package var content: Content

    /// Captures `bytes`; `isValidJSON` says whether they may be embedded verbatim.
    package init(_ bytes: UnsafeBufferPointer<UInt8>, isValidJSON: Bool, limit: Int) {
        size = bytes.count
        if isValidJSON, bytes.count <= limit {
            content = .json(Self.lineSafe(bytes))
        } else {
            let prefixCount = min(bytes.count, max(0, min(limit, 4096)))
            content = .truncated(
                prefix: String(decoding: UnsafeBufferPointer(rebasing: bytes[0..<prefixCount]), as: UTF8.self),
                sha256: SHA256.hash(data: bytes).hexString
            )
        }
    }

    /// A payload that was not kept at all (it was dropped unread), of which only the size is known.
    package init(droppedSize size: Int) {
        self.size = size
        self.content = .dropped
    }

    /// The same JSON with nothing a line reader could split on (`WireFrame.rewrite`: a raw CR becomes a
    /// space, U+2028, U+2029 and U+0085 become escapes). The value is unchanged; a forged record hidden
    /// behind a CR cannot appear to readers that split on CR (Python's text mode, Node's readline).
    static func lineSafe(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        guard mayBreakLines(bytes) else { return Array(bytes) }
        return WireFrame.rewrite(bytes)
    }

    /// Whether `bytes` hold a CR or a byte that can start U+2028, U+2029 or U+0085 (0xE2, 0xC2).
    ///
    /// Eight bytes at a time: a word with no byte below 0x20 and none from 0x80 holds none of the three.
    static func mayBreakLines(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        func breaks(_ byte: UInt8) -> Bool { byte == 0x0D || byte == 0xE2 || byte == 0xC2 }
        let count = bytes.count
        var index = 0
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while index + 8 <= count {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                let belowSpace = (word &- 0x2020_2020_2020_2020) & ~word & 0x8080_8080_8080_8080
                if belowSpace | (word & 0x8080_8080_8080_8080) != 0 {
                    for offset in index..<(index + 8) where breaks(bytes[offset]) { return true }
                }
                index += 8
            }
        }
        while index < count {
            if breaks(bytes[index]) { return true }
            index += 1
        }
        return false
    }

    /// Convenience for arrays: bytes kept whole share the array's storage (no copy).
    package init(_ bytes: [UInt8], isValidJSON: Bool, limit: Int) {
        if isValidJSON, bytes.count <= limit, !bytes.withUnsafeBufferPointer(Self.mayBreakLines) {
            size = bytes.count
            content = .json(bytes)
        } else {
            self = bytes.withUnsafeBufferPointer { AuditPayload($0, isValidJSON: isValidJSON, limit: limit) }
        }
    }

    func write(to writer: inout JSONWriter) {
        writer.key("size")
        writer.int(size)
        switch content {
        case .json(let bytes):
            writer.key("payload")
            writer.raw(bytes)
        case .truncated(let prefix, let sha256):
            writer.key("payload_truncated")
            writer.bool(true)
            writer.key("payload_prefix")
            writer.string(prefix)
            // Empty when redaction changed the prefix: a digest of a short message would let anyone test
            // guesses of the secret taken out of it.
            if !sha256.isEmpty {
                writer.key("payload_sha256")
                writer.string(sha256)
            }
        case .dropped:
            writer.key("payload_dropped")
            writer.bool(true)
        }
    }
}
