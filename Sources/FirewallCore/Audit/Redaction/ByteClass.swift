/// The character classes the secret matchers test, one table lookup per byte.
enum ByteClass {
    static let word: UInt16 = 1 << 0
    static let alnum: UInt16 = 1 << 1
    static let base64URL: UInt16 = 1 << 2
    static let base32Upper: UInt16 = 1 << 5
    static let base64: UInt16 = 1 << 6
    static let bearer: UInt16 = 1 << 7
    static let upperAlnum: UInt16 = 1 << 8
    static let slack: UInt16 = 1 << 9
    static let userinfo: UInt16 = 1 << 10
    static let pemHeader: UInt16 = 1 << 11
    static let digit: UInt16 = 1 << 12

    /// The two-byte starts of the secrets, as bits indexed by `first | second << 8`.
    static let pairs: [UInt8] = pairTable(escapes: false)
    /// `pairs`, and every escape (a backslash and any byte) of a JSON string's raw content.
    static let pairsAndEscapes: [UInt8] = pairTable(escapes: true)

    private static func pairTable(escapes: Bool) -> [UInt8] {
        var bits = [UInt8](repeating: 0, count: 65536 / 8)
        func set(_ first: UInt8, _ second: UInt8) {
            let pair = Int(first) | Int(second) << 8
            bits[pair >> 3] |= 1 << UInt8(pair & 7)
        }
        let starts = [
            "AK", "AS", "AB", "AC", "A3", "AI", "gh", "gi", "xo", "xa", "ho", "ey", "sk", "rk", "Be", "BE", "be", "bE",
            "Ba", "BA", "ba", "bA", "--", ":/",
        ]
        for start in starts {
            let bytes = Array(start.utf8)
            set(bytes[0], bytes[1])
        }
        if escapes {
            for second in 0...255 { set(UInt8(ascii: "\\"), UInt8(second)) }
        }
        return bits
    }

    static let table: [UInt16] = (0..<256).map { value in
        let byte = UInt8(value)
        let upper = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")
        let lower = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")
        let digitByte = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        let alnumByte = upper || lower || digitByte
        func among(_ characters: String) -> Bool { characters.utf8.contains(byte) }
        var bits: UInt16 = 0
        if alnumByte || byte == UInt8(ascii: "_") { bits |= word }
        if alnumByte { bits |= alnum }
        if alnumByte || among("_-") { bits |= base64URL }
        if upper || among("234567") { bits |= base32Upper }
        if alnumByte || among("+/") { bits |= base64 }
        if alnumByte || among("-._~+/") { bits |= bearer }
        if upper || digitByte { bits |= upperAlnum }
        if alnumByte || byte == UInt8(ascii: "-") { bits |= slack }
        if alnumByte || among("-._~%!$&'()*+,;=:") { bits |= userinfo }
        if alnumByte || among(" _-") { bits |= pemHeader }
        if digitByte { bits |= digit }
        return bits
    }
}
