/// Resolves the escapes of a JSON string's raw content (the bytes between its quotes) into UTF-8.
///
/// Forgiving, because it also reads text no parser checked (a truncated payload's prefix): an
/// unknown or cut-off escape is kept as written, and a lone surrogate becomes U+FFFD.
enum JSONStringDecoder {
    static func decode(_ raw: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var position = 0
        var runStart = 0
        let count = raw.count
        while position < count {
            guard raw[position] == UInt8(ascii: "\\") else {
                position += 1
                continue
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: raw[runStart..<position]))
            guard position + 1 < count else {
                runStart = position
                break
            }
            let escape = raw[position + 1]
            position += 2
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard let first = hex4(raw, at: position) else {
                    out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u")])
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
                append(Unicode.Scalar(scalar) ?? "\u{FFFD}", to: &out)
            default:
                out.append(contentsOf: [UInt8(ascii: "\\"), escape])
            }
            runStart = position
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: raw[min(runStart, count)..<count]))
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

    private static func append(_ scalar: Unicode.Scalar, to out: inout [UInt8]) {
        out.append(contentsOf: String(Character(scalar)).utf8)
    }
}
