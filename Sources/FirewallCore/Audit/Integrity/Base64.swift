/// Standard Base64 with padding (RFC 4648 §4): PEM bodies, signatures, signed-note lines.
package enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    package static func encode<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        encode(bytes, alphabet: alphabet, padded: true)
    }

    /// RFC 4648 encoding with `alphabet` (standard or URL-safe), padded with `=` or not.
    static func encode<Bytes: Collection>(_ bytes: Bytes, alphabet: [UInt8], padded: Bool) -> String
    where Bytes.Element == UInt8 {
        let bytes = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var value: UInt32 = 0
            for (offset, byte) in chunk.enumerated() { value |= UInt32(byte) << (16 - 8 * UInt32(offset)) }
            for position in 0...chunk.count { out.append(alphabet[Int((value >> (18 - 6 * UInt32(position))) & 63)]) }
            if padded { out.append(contentsOf: repeatElement(UInt8(ascii: "="), count: 3 - chunk.count)) }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of canonical Base64 text (padded, no whitespace, unused bits zero); nil otherwise.
    package static func decode<Text: StringProtocol>(_ text: Text) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(characters.count / 4 * 3)
        var index = 0
        while index < characters.count {
            let group = characters[index..<(index + 4)]
            let padding = group.reversed().prefix { $0 == UInt8(ascii: "=") }.count
            guard padding <= 2, index + 4 == characters.count || padding == 0 else { return nil }
            var value: UInt32 = 0
            for (offset, character) in group.prefix(4 - padding).enumerated() {
                guard let digit = alphabet.firstIndex(of: character) else { return nil }
                value |= UInt32(digit) << (18 - 6 * UInt32(offset))
            }
            let produced = 3 - padding
            // Bits past the last whole byte must be zero, so each byte string has one spelling.
            guard value & ((1 << (8 * (3 - produced))) - 1) == 0 else { return nil }
            for position in 0..<produced { out.append(UInt8((value >> (16 - 8 * UInt32(position))) & 0xFF)) }
            index += 4
        }
        return out
    }
}
