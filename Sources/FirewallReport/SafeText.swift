/// Escaping for the two places log text lands in a page: HTML text and JSON inside a `<script>` element.
package enum SafeText {
    /// `text` with `& < > " '` (and U+2028/9) replaced by character references, safe in element content and
    /// quoted attributes.
    package static func html(_ text: String) -> String {
        var needs = false
        for byte in text.utf8
        where byte == 0x26 || byte == 0x3C || byte == 0x3E || byte == 0x22 || byte == 0x27 || byte == 0xE2 {
            needs = true
            break
        }
        guard needs else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\u{2028}": out += "&#x2028;"
            case "\u{2029}": out += "&#x2029;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Appends `text` as a quoted JSON string that cannot end a `<script>` element or an HTML comment.
    ///
    /// Beyond RFC 8259 escaping, `<`, `>`, `&`, U+2028 and U+2029 become `\uXXXX`, so `</script>`,
    /// `<!--` and JavaScript line separators never appear literally.
    package static func appendScriptJSON(_ text: String, to sink: ByteSink) {
        var text = text
        text.withUTF8 { appendScriptJSON(bytes: $0, to: sink) }
    }

    /// The same for UTF-8 bytes that are known to be valid.
    package static func appendScriptJSON(bytes utf8: UnsafeBufferPointer<UInt8>, to sink: ByteSink) {
        sink.append(0x22)
        var runStart = 0
        var index = 0
        let count = utf8.count
        while index < count {
            let byte = utf8[index]
            var short: UInt8 = 0
            var unicode: UInt16 = 0
            var width = 1
            switch byte {
            case 0x22: short = 0x22
            case 0x5C: short = 0x5C
            case 0x0A: short = UInt8(ascii: "n")
            case 0x0D: short = UInt8(ascii: "r")
            case 0x09: short = UInt8(ascii: "t")
            case 0x3C, 0x3E, 0x26: unicode = UInt16(byte)
            case 0xE2 where index + 2 < count && utf8[index + 1] == 0x80 && (utf8[index + 2] & 0xFE) == 0xA8:
                unicode = utf8[index + 2] == 0xA8 ? 0x2028 : 0x2029
                width = 3
            case 0..<0x20: unicode = UInt16(byte)
            default:
                index += 1
                continue
            }
            if runStart < index { sink.append(UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
            sink.append(0x5C)
            if short != 0 {
                sink.append(short)
            } else {
                sink.append(UInt8(ascii: "u"))
                for shift in [12, 8, 4, 0] as [UInt16] { sink.append(hexDigit(UInt8((unicode >> shift) & 0xF))) }
            }
            index += width
            runStart = index
        }
        if runStart < count { sink.append(UnsafeBufferPointer(rebasing: utf8[runStart..<count])) }
        sink.append(0x22)
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? 0x30 + value : 0x57 + value
    }

    /// At most `limit` bytes of UTF-8 `bytes`, cut on a character boundary, with a note of what was left out.
    package static func capped(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int) -> String {
        guard bytes.count > limit else { return String(decoding: bytes, as: UTF8.self) }
        var end = limit
        while end > 0, (bytes[end] & 0xC0) == 0x80 { end -= 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[..<end]), as: UTF8.self)
            + "… (\(bytes.count) bytes in all)"
    }

    /// `text` cut to at most `limit` bytes of UTF-8 on a character boundary.
    package static func capped(_ text: String, limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var text = text
        return text.withUTF8 { capped($0, limit: limit) }
    }
}
