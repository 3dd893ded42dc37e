/// Appends compact JSON text to a byte buffer without going through `Encodable`.
///
/// The audit log and the proxy's own replies are written with it: it is several times faster
/// than `JSONEncoder` on the hot path and never reorders or reformats embedded raw JSON.
///
/// The text lives in `storage` up to `count`; the rest of `storage` is zeroed room, so that each piece
/// is one bounds check and one copy into memory already there (appending to an array byte by byte
/// checks uniqueness and capacity for every byte, which was most of the audit encoder's time).
package struct JSONWriter: Sendable {
    private var storage: [UInt8]
    private var count = 0
    /// Whether the open container at each depth already holds a member: bit `d` for depth `d` below 64
    /// (no heap traffic on the hot path), the array beyond that (deep values written whole).
    private var depth = 0
    private var commaBits: UInt64 = 0
    private var deepCommas: [Bool] = []

    package init(capacity: Int = 256) {
        storage = [UInt8](repeating: 0, count: max(capacity, 16))
    }

    /// The text written so far (a copy; `take()` hands it over without one).
    package var bytes: [UInt8] { Array(storage[0..<count]) }

    /// The text written so far, handed over without a copy; the writer is empty afterwards.
    package mutating func take() -> [UInt8] {
        storage.removeLast(storage.count - count)
        var taken: [UInt8] = []
        swap(&taken, &storage)
        count = 0
        depth = 0
        commaBits = 0
        deepCommas = []
        return taken
    }

    package mutating func beginObject() {
        separateWithComma()
        put(UInt8(ascii: "{"))
        open()
    }

    package mutating func endObject() {
        put(UInt8(ascii: "}"))
        close()
    }

    package mutating func beginArray() {
        separateWithComma()
        put(UInt8(ascii: "["))
        open()
    }

    package mutating func endArray() {
        put(UInt8(ascii: "]"))
        close()
    }

    /// Writes a member key known at compile time (no escaping needed); the next value belongs to it.
    package mutating func key(_ key: StaticString) {
        let comma = separate()
        let length = key.utf8CodeUnitCount
        let start = key.utf8Start
        write(upTo: length + 4) { out in
            var at = 0
            if comma {
                out[0] = UInt8(ascii: ",")
                at = 1
            }
            out[at] = UInt8(ascii: "\"")
            (out + at + 1).update(from: start, count: length)
            out[at + 1 + length] = UInt8(ascii: "\"")
            out[at + 2 + length] = UInt8(ascii: ":")
            return at + 3 + length
        }
        setNeedsComma(false)
    }

    /// Writes a member key computed at run time, escaped as needed.
    package mutating func dynamicKey(_ key: String) {
        separateWithComma()
        appendQuoted(key)
        put(UInt8(ascii: ":"))
        setNeedsComma(false)
    }

    package mutating func string(_ value: String) {
        separateWithComma()
        appendQuoted(value)
    }

    package mutating func int(_ value: Int) {
        separateWithComma()
        write(upTo: 20) { out in
            var magnitude = value.magnitude
            var digits = 1
            var rest = magnitude
            while rest >= 10 {
                rest /= 10
                digits += 1
            }
            let sign = value < 0 ? 1 : 0
            if sign == 1 { out[0] = UInt8(ascii: "-") }
            var position = sign + digits
            repeat {
                position -= 1
                out[position] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            return sign + digits
        }
    }

    package mutating func double(_ value: Double) {
        separateWithComma()
        if value.isFinite {
            var text = String(value)
            text.withUTF8 { put(UnsafeRawBufferPointer($0)) }
        } else {
            putNull()
        }
    }

    package mutating func bool(_ value: Bool) {
        separateWithComma()
        value ? put(Self.trueText) : put(Self.falseText)
    }

    package mutating func null() {
        separateWithComma()
        putNull()
    }

    /// Embeds bytes that are already valid JSON (checked by the caller) verbatim.
    package mutating func raw<Bytes: Collection>(_ json: Bytes) where Bytes.Element == UInt8 {
        separateWithComma()
        let copied: Void? = json.withContiguousStorageIfAvailable { put(UnsafeRawBufferPointer($0)) }
        if copied == nil { put(Array(json)) }
    }

    package mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let flag): bool(flag)
        case .number(let literal):
            separateWithComma()
            var literal = literal
            literal.withUTF8 { put(UnsafeRawBufferPointer($0)) }
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

    /// Ends a JSONL record: a newline after the top-level value.
    package mutating func endLine() {
        put(0x0A)
    }

    /// Lets `body` write a value of at most `maximum` bytes straight into the text (the caller vouches it
    /// is JSON), behind a comma where one is due: for values built in place, such as `AuditTimestamp`'s.
    mutating func rawValue(upTo maximum: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        separateWithComma()
        write(upTo: maximum, body)
    }

    // MARK: - Commas

    /// Notes a new member of the open container; returns whether a comma must precede it.
    @inline(__always)
    private mutating func separate() -> Bool {
        guard depth > 0 else { return false }
        let index = depth - 1
        let needs = index < 64 ? commaBits & (1 << UInt64(index)) != 0 : deepCommas[index - 64]
        if !needs { setNeedsComma(true) }
        return needs
    }

    @inline(__always)
    private mutating func separateWithComma() {
        if separate() { put(UInt8(ascii: ",")) }
    }

    @inline(__always)
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

    // MARK: - Bytes

    /// Lets `body` write at most `maximum` bytes at the end of the text; it returns how many it wrote.
    @inline(__always)
    private mutating func write(upTo maximum: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        if count + maximum > storage.count { grow(toHold: count + maximum) }
        let start = count
        let written = storage.withUnsafeMutableBufferPointer { body($0.baseAddress! + start) }
        precondition(written <= maximum, "JSONWriter: a piece overran its room")
        count += written
    }

    @inline(never)
    private mutating func grow(toHold needed: Int) {
        var size = max(storage.count, 16)
        while size < needed { size *= 2 }
        storage.append(contentsOf: repeatElement(0, count: size - storage.count))
    }

    @inline(__always)
    private mutating func put(_ byte: UInt8) {
        if count == storage.count { grow(toHold: count + 1) }
        storage[count] = byte
        count += 1
    }

    @inline(__always)
    private mutating func put(_ piece: UnsafeRawBufferPointer) {
        guard let source = piece.baseAddress, piece.count > 0 else { return }
        write(upTo: piece.count) { out in
            UnsafeMutableRawPointer(out).copyMemory(from: source, byteCount: piece.count)
            return piece.count
        }
    }

    private mutating func put(_ piece: StaticString) {
        put(UnsafeRawBufferPointer(start: piece.utf8Start, count: piece.utf8CodeUnitCount))
    }

    private mutating func put(_ piece: [UInt8]) {
        piece.withUnsafeBytes { put($0) }
    }

    private mutating func putNull() { put(Self.nullText) }

    private static let nullText: StaticString = "null"
    private static let trueText: StaticString = "true"
    private static let falseText: StaticString = "false"

    // MARK: - Strings

    private mutating func appendQuoted(_ text: String) {
        put(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            // Copy runs of bytes that need no escaping in one go; most strings are a single run.
            var runStart = 0
            var index = 0
            let count = utf8.count
            while index < count {
                let byte = utf8[index]
                // Printable ASCII but `"` and `\`, and every byte that cannot start U+2028/2029/0085.
                if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && byte != 0xE2
                    && byte != 0xC2
                {
                    index += 1
                    continue
                }
                let lineSeparator =
                    byte == 0xE2 && index + 2 < count && utf8[index + 1] == 0x80
                    && (utf8[index + 2] == 0xA8 || utf8[index + 2] == 0xA9)
                let nextLine = byte == 0xC2 && index + 1 < count && utf8[index + 1] == 0x85
                guard
                    byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || lineSeparator
                        || nextLine
                else {
                    index += 1
                    continue
                }
                put(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[runStart..<index])))
                if nextLine {
                    // U+0085 too: `str.splitlines()` ends a line there (docs/message-reading.md).
                    put(Self.escapeNextLine)
                    index += 2
                } else if lineSeparator {
                    // U+2028/U+2029 are legal in JSON strings but split lines for some readers: escape them.
                    put(utf8[index + 2] == 0xA8 ? Self.escapeLineSeparator : Self.escapeParagraphSeparator)
                    index += 3
                } else {
                    escape(byte)
                    index += 1
                }
                runStart = index
            }
            put(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[runStart..<count])))
        }
        put(UInt8(ascii: "\""))
    }

    private mutating func escape(_ byte: UInt8) {
        write(upTo: 6) { out in
            out[0] = 0x5C
            switch byte {
            case UInt8(ascii: "\""): out[1] = 0x22
            case UInt8(ascii: "\\"): out[1] = 0x5C
            case 0x0A: out[1] = UInt8(ascii: "n")
            case 0x0D: out[1] = UInt8(ascii: "r")
            case 0x09: out[1] = UInt8(ascii: "t")
            default:
                out[1] = UInt8(ascii: "u")
                out[2] = 0x30
                out[3] = 0x30
                out[4] = Self.hexDigit(byte >> 4)
                out[5] = Self.hexDigit(byte & 0xF)
                return 6
            }
            return 2
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    private static let escapeNextLine: StaticString = "\\u0085"
    private static let escapeLineSeparator: StaticString = "\\u2028"
    private static let escapeParagraphSeparator: StaticString = "\\u2029"
}
