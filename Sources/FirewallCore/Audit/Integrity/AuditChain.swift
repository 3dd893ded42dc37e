import Crypto

/// A SHA-256 value of the audit chain: a record's own hash, or the `prev` it names.
package struct AuditHash: Hashable, Sendable, CustomStringConvertible {
    package var bytes: SIMD32<UInt8>

    package init(bytes: SIMD32<UInt8>) {
        self.bytes = bytes
    }

    /// The `prev` of a session's first record: 64 zeros.
    package static let genesis = AuditHash(bytes: .zero)

    init(_ digest: SHA256.Digest) {
        var bytes = SIMD32<UInt8>.zero
        digest.withUnsafeBytes { raw in
            withUnsafeMutableBytes(of: &bytes) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw.prefix(32))) }
        }
        self.bytes = bytes
    }

    /// Parses 64 lower-case hex digits (the only form the writer produces).
    package init?<Text: Collection>(hex text: Text) where Text.Element == UInt8 {
        guard text.count == 64 else { return nil }
        var bytes = SIMD32<UInt8>.zero
        var index = 0
        var high: UInt8?
        for character in text {
            let nibble: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = character - UInt8(ascii: "a") + 10
            default: return nil
            }
            if let first = high {
                bytes[index] = first << 4 | nibble
                index += 1
                high = nil
            } else {
                high = nibble
            }
        }
        self.bytes = bytes
    }

    package init?(hex text: String) {
        self.init(hex: Array(text.utf8))
    }

    package var raw: [UInt8] { (0..<32).map { bytes[$0] } }

    package var description: String { raw.hexString }

    /// Appends the 64 hex digits to `out` (written in place: this runs twice per audit record).
    func appendHex(to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: 64))
        withUnsafeBytes(of: bytes) { raw in
            out.withUnsafeMutableBufferPointer { buffer in
                @inline(__always) func digit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 + nibble : 0x57 + nibble }
                for index in 0..<32 {
                    let byte = raw[index]
                    buffer[start + 2 * index] = digit(byte >> 4)
                    buffer[start + 2 * index + 1] = digit(byte & 0xF)
                }
            }
        }
    }
}

/// How each audit record is chained to the one before it in its session, over the bytes as written.
///
/// Every schema-2 record ends with two members, always last and always the same length:
/// `…,"prev":"<64 hex>","h":"<64 hex>"}` and its newline. `prev` is the `h` of the session's previous
/// record (64 zeros for the first); `h` is SHA-256 of `domain` followed by every byte of the line
/// before `,"h":"` — so it covers `prev` and everything else, exactly as stored. A verifier slices the
/// line at a fixed offset from its end; it never re-serialises anything.
package enum AuditChain {
    /// Domain separation: these hashes cannot be confused with any other SHA-256 of the same bytes.
    package static let domain: [UInt8] = Array("mcp-firewall audit chain v2\n".utf8)

    /// `,"h":"` + 64 hex + `"}`: what follows the hashed bytes on a line (its newline aside).
    package static let hashSuffixLength = 72
    /// `,"prev":"` + 64 hex + `"`: the end of the hashed bytes.
    package static let prevMemberLength = 74

    private static let prevKey: [UInt8] = Array(#","prev":""#.utf8)
    private static let hashKey: [UInt8] = Array(#","h":""#.utf8)

    /// Turns an encoded record (one JSON object and its newline) into its chained form after `prev`,
    /// and returns the record's own hash.
    package static func seal(_ line: inout [UInt8], after prev: AuditHash) -> AuditHash {
        precondition(line.count >= 3 && line[line.count - 2] == UInt8(ascii: "}") && line.last == 0x0A)
        line.removeLast(2)
        line.reserveCapacity(line.count + prevMemberLength + hashSuffixLength + 1)
        line.append(contentsOf: prevKey)
        prev.appendHex(to: &line)
        line.append(UInt8(ascii: "\""))
        let own = hash(of: line[...])
        line.append(contentsOf: hashKey)
        own.appendHex(to: &line)
        line.append(UInt8(ascii: "\""))
        line.append(UInt8(ascii: "}"))
        line.append(0x0A)
        return own
    }

    /// The hash of a record whose hashed bytes (everything before `,"h":"`) are `hashed`.
    package static func hash<Bytes: Collection>(of hashed: Bytes) -> AuditHash where Bytes.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(data: domain)
        let contiguous: Void? = hashed.withContiguousStorageIfAvailable { bytes in
            hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes))
        }
        if contiguous == nil { hasher.update(data: Array(hashed)) }
        return AuditHash(hasher.finalize())
    }

    /// What a chained line states about itself, read from its fixed-length end.
    package struct Links: Sendable, Equatable {
        /// The hash the record names as its predecessor's.
        package var prev: AuditHash
        /// The hash the record claims for itself.
        package var claimed: AuditHash
        /// The hash of its bytes, computed here.
        package var computed: AuditHash

        /// Whether the bytes are what the record claims.
        package var isIntact: Bool { claimed == computed }
    }

    /// Reads the chain members of `line` (without its newline); nil when the line does not end in them.
    package static func links(of line: ArraySlice<UInt8>) -> Links? {
        let count = line.count
        guard count > prevMemberLength + hashSuffixLength + 1 else { return nil }
        let start = line.startIndex
        let hashStart = start + count - hashSuffixLength
        let prevStart = hashStart - prevMemberLength
        guard line[(start + count - 2)...].elementsEqual([UInt8(ascii: "\""), UInt8(ascii: "}")]),
            line[hashStart..<(hashStart + hashKey.count)].elementsEqual(hashKey),
            line[prevStart..<(prevStart + prevKey.count)].elementsEqual(prevKey),
            line[hashStart - 1] == UInt8(ascii: "\""),
            let prev = AuditHash(hex: line[(prevStart + prevKey.count)..<(hashStart - 1)]),
            let claimed = AuditHash(hex: line[(hashStart + hashKey.count)..<(start + count - 2)])
        else { return nil }
        return Links(prev: prev, claimed: claimed, computed: hash(of: line[start..<hashStart]))
    }
}
