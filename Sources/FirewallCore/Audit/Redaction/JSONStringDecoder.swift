/// Resolves the escapes of a JSON string's raw content (the bytes between its quotes) into UTF-8.
///
/// Forgiving, because it also reads text no parser checked (a truncated payload's prefix): an
/// unknown or cut-off escape is kept as written, and a lone surrogate becomes U+FFFD.
enum JSONStringDecoder {
    static func decode(_ raw: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        // Decoded text is never longer than its escaped form: write it straight into room for that.
        let decoded = [UInt8](unsafeUninitializedCapacity: raw.count) { buffer, written in
            written = decode(raw, to: buffer.baseAddress!)
        }
        if out.isEmpty { out = decoded } else { out.append(contentsOf: decoded) }
    }

    /// Writes the decoded bytes to `out` (room for `raw.count` bytes); returns how many.
    private static func decode(_ raw: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var position = 0
        var written = 0
        let count = raw.count
        func put(_ byte: UInt8) {
            out[written] = byte
            written += 1
        }
        while position < count {
            let byte = raw[position]
            guard byte == UInt8(ascii: "\\"), position + 1 < count else {
                put(byte)
                position += 1
                continue
            }
            let escape = raw[position + 1]
            position += 2
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): put(escape)
            case UInt8(ascii: "b"): put(0x08)
            case UInt8(ascii: "f"): put(0x0C)
            case UInt8(ascii: "n"): put(0x0A)
            case UInt8(ascii: "r"): put(0x0D)
            case UInt8(ascii: "t"): put(0x09)
            case UInt8(ascii: "u"):
                guard let first = hex4(raw, at: position) else {
                    put(UInt8(ascii: "\\"))
                    put(UInt8(ascii: "u"))
                    break
                }
                position += 4
                var scalar = first
                if (0xD800...0xDBFF).contains(first), position + 6 <= count, raw[position] == UInt8(ascii: "\\"),
                    raw[position + 1] == UInt8(ascii: "u"), let second = hex4(raw, at: position + 2),
                    (0xDC00...0xDFFF).contains(second)
                {
                    scalar = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                    position += 6
                }
                // At most 4 bytes of UTF-8 for the 6 (or 12) of the escape.
                for byte in String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8 { put(byte) }
            default:
                put(UInt8(ascii: "\\"))
                put(escape)
            }
        }
        return written
    }

    private static func hex4(_ raw: UnsafeBufferPointer<UInt8>, at start: Int) -> UInt32? {
        guard start + 4 <= raw.count else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = raw[start + offset]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A")) + 10
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }
}
