/// Appends compact JSON text to a byte buffer without going through `Encodable`.
///
/// The audit log and the proxy's own replies are written with it: it is several times faster
/// than `JSONEncoder` on the hot path and never reorders or reformats embedded raw JSON.
package struct JSONWriter: Sendable {
    package private(set) var bytes: [UInt8]
    /// Whether the open container at each depth already holds a member: bit `d` for depth `d` below 64
    /// (no heap traffic on the hot path), the array beyond that (deep values written whole).
    private var depth = 0
    private var commaBits: UInt64 = 0
    private var deepCommas: [Bool] = []

    package init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    package mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        open()
    }

    package mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        close()
    }

    package mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        open()
    }

    package mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        close()
    }

    /// Writes a member key known at compile time (no escaping needed); the next value belongs to it.
    package mutating func key(_ key: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        setNeedsComma(false)
    }

    /// Writes a member key computed at run time, escaped as needed.
    package mutating func dynamicKey(_ key: String) {
        separate()
        appendQuoted(key)
        bytes.append(UInt8(ascii: ":"))
        setNeedsComma(false)
    }

    package mutating func string(_ value: String) {
        separate()
        appendQuoted(value)
    }

    package mutating func int(_ value: Int) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
    }

    package mutating func double(_ value: Double) {
        separate()
        if value.isFinite {
            bytes.append(contentsOf: String(value).utf8)
        } else {
            bytes.append(contentsOf: "null".utf8)
        }
    }

    package mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    package mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
    }

    /// Embeds bytes that are already valid JSON (checked by the caller) verbatim.
    package mutating func raw<Bytes: Collection>(_ json: Bytes) where Bytes.Element == UInt8 {
        separate()
        bytes.append(contentsOf: json)
    }

    package mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let flag): bool(flag)
        case .number(let literal):
            separate()
            bytes.append(contentsOf: literal.utf8)
        case .string(let text): string(text)
        case .array(let items):
            beginArray()
            for item in items { self.value(item) }
            endArray()
        case .object(let members):
            beginObject()
            for member in members {
                dynamicKey(member.key)
                self.value(member.value)
            }
            endObject()
        }
    }

    /// Convenience: `key` followed by a string value, skipped when `value` is nil.
    package mutating func field(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    /// Convenience: `key` followed by an integer value, skipped when `value` is nil.
    package mutating func field(_ name: StaticString, _ value: Int?) {
        guard let value else { return }
        key(name)
        int(value)
    }

    /// Convenience: `key` followed by a boolean value, skipped when `value` is nil.
    package mutating func field(_ name: StaticString, _ value: Bool?) {
        guard let value else { return }
        key(name)
        bool(value)
    }

    private mutating func separate() {
        guard depth > 0 else { return }
        let index = depth - 1
        let needs = index < 64 ? commaBits & (1 << UInt64(index)) != 0 : deepCommas[index - 64]
        if needs { bytes.append(UInt8(ascii: ",")) } else { setNeedsComma(true) }
    }

    private mutating func setNeedsComma(_ needs: Bool) {
        guard depth > 0 else { return }
        let index = depth - 1
        if index < 64 {
            if needs { commaBits |= 1 << UInt64(index) } else { commaBits &= ~(1 << UInt64(index)) }
        } else {
            deepCommas[index - 64] = needs
        }
    }

    private mutating func open() {
        depth += 1
        if depth > 64 { deepCommas.append(false) }
        setNeedsComma(false)
    }

    private mutating func close() {
        if depth > 64 { deepCommas.removeLast() }
        depth -= 1
    }

    private mutating func appendQuoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            // Copy runs of bytes that need no escaping in one go; most strings are a single run.
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                let lineSeparator =
                    byte == 0xE2 && index + 2 < utf8.count && utf8[index + 1] == 0x80
                    && (utf8[index + 2] == 0xA8 || utf8[index + 2] == 0xA9)
                let nextLine = byte == 0xC2 && index + 1 < utf8.count && utf8[index + 1] == 0x85
                guard
                    byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || lineSeparator || nextLine
                else { continue }
                if nextLine {
                    // U+0085 too: `str.splitlines()` ends a line there (docs/message-reading.md).
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                    bytes.append(contentsOf: Array("\\u0085".utf8))
                    runStart = index + 2
                    continue
                }
                if lineSeparator {
                    // U+2028/U+2029 are legal in JSON strings but split lines for some readers: escape them.
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                    bytes.append(contentsOf: Array((utf8[index + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8))
                    runStart = index + 3
                    continue
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                runStart = index + 1
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                default:
                    bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30])
                    bytes.append(Self.hexDigits[Int(byte >> 4)])
                    bytes.append(Self.hexDigits[Int(byte & 0xF)])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
