/// Why a byte sequence is not the strict JSON the proxy accepts.
package struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset of the problem within the message.
    package var offset: Int
    package var reason: String
    /// The bytes are well-formed JSON, but a key rule refused them (keys some peer reads as one field).
    package var isKeyRule = false

    package init(offset: Int, reason: String, isKeyRule: Bool = false) {
        self.offset = offset
        self.reason = reason
        self.isKeyRule = isKeyRule
    }

    package var description: String { "\(reason) at byte \(offset)" }
}

/// A strict RFC 8259 parser over UTF-8 bytes.
///
/// Stricter than most peers on purpose: invalid UTF-8, lone surrogate escapes, trailing garbage and
/// nesting deeper than `maxDepth` are errors, and so are, at every depth and in every mode (building,
/// validating, skipping), object keys that some peer could read as one field (`KeyLedger`). A server
/// and the policy must never be able to read two different calls out of the same bytes.
package struct JSONParser {
    /// Which key rules apply: `.wire` for anything a peer sent, `.document` for files the proxy reads back.
    package enum KeyRules: Sendable {
        case wire
        case document
        /// Structure only, no key checks: for reading the id of a frame the other rules refused.
        case structureOnly
    }

    /// Bytes that are valid JSON but that some line reader would split a frame at.
    package struct Hazards: Sendable, Equatable {
        /// Raw CR outside strings (whitespace to JSON, a line end to universal newlines and Node readline).
        package var carriageReturns = false
        /// U+2028, U+2029 or U+0085 inside strings (line ends to `str.splitlines()` and JavaScript).
        package var lineSeparators = false

        package var isEmpty: Bool { !carriageReturns && !lineSeparators }
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index: Int
    private let maxDepth: Int
    private var depth = 0
    private var ledger: KeyLedger
    private(set) var hazards = Hazards()
    /// When set, `scan` also records the members of every top-level member whose value is an object.
    private var collectChildren = false
    private var children: [(key: String, value: Range<Int>)] = []
    private var childMembers: [String: [(key: String, value: Range<Int>)]] = [:]

    private init(_ bytes: UnsafeBufferPointer<UInt8>, start: Int = 0, maxDepth: Int, rules: KeyRules) {
        self.bytes = bytes
        self.index = start
        self.maxDepth = maxDepth
        self.ledger = KeyLedger(rules: rules)
    }

    /// Parses one complete JSON document.
    package static func parse(
        _ buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int = 256, rules: KeyRules = .wire
    ) throws(JSONParseError)
        -> JSONValue
    {
        var parser = JSONParser(buffer, maxDepth: maxDepth, rules: rules)
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.index == buffer.count else { throw parser.error("unexpected data after the JSON value") }
        return value
    }

    /// Parses one complete JSON document held in an array.
    package static func parse(
        _ bytes: [UInt8], maxDepth: Int = 256, rules: KeyRules = .wire
    ) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            do throws(JSONParseError) {
                return .success(try parse(buffer, maxDepth: maxDepth, rules: rules))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Checks that `buffer` is exactly one well-formed JSON value under `rules`, without building it.
    package static func validate(
        _ buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int = 256, rules: KeyRules = .wire
    ) throws(JSONParseError) {
        var parser = JSONParser(buffer, maxDepth: maxDepth, rules: rules)
        parser.skipWhitespace()
        try parser.skipValue()
        parser.skipWhitespace()
        guard parser.index == buffer.count else { throw parser.error("unexpected data after the JSON value") }
    }

    /// Reads the members of the top-level object without building their values.
    ///
    /// Returns each key (unescaped) with the byte range of its value. Values are validated, key rules
    /// included, at every depth.
    package static func topLevelMembers(
        _ buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int = 256, rules: KeyRules = .wire
    ) throws(JSONParseError)
        -> TopLevel
    {
        var parser = JSONParser(buffer, maxDepth: maxDepth, rules: rules)
        return try parser.scanTopLevel()
    }

    /// `topLevelMembers`, plus the bytes in the document that a line reader could split it at and the members (key, value range) of each top-level member whose value is an object,
    /// so that a message's `params`, `result` or `error` can be read without a second pass.
    package static func scanWithChildren(
        _ buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int = 256, rules: KeyRules = .wire
    ) throws(JSONParseError) -> (
        topLevel: TopLevel, hazards: Hazards, children: [String: [(key: String, value: Range<Int>)]]
    ) {
        var parser = JSONParser(buffer, maxDepth: maxDepth, rules: rules)
        parser.collectChildren = true
        let topLevel = try parser.scanTopLevel()
        return (topLevel, parser.hazards, parser.childMembers)
    }

    private mutating func scanTopLevel() throws(JSONParseError) -> TopLevel {
        skipWhitespace()
        guard index < bytes.count else { throw error("empty message") }
        guard bytes[index] == UInt8(ascii: "{") else {
            let isArray = bytes[index] == UInt8(ascii: "[")
            try skipValue()
            skipWhitespace()
            guard index == bytes.count else { throw error("unexpected data after the JSON value") }
            return isArray ? .array : .scalar
        }
        try enterContainer()
        ledger.open()
        var members: [(key: String, value: Range<Int>)] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipWhitespace()
                let key = try readKey(build: true)!
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                let valueStart = index
                if collectChildren { children = [] }
                try skipValue()
                members.append((key, valueStart..<index))
                if collectChildren, bytes[valueStart] == UInt8(ascii: "{") { childMembers[key] = children }
                skipWhitespace()
                guard let next = peek() else { throw error("unterminated object") }
                index += 1
                if next == UInt8(ascii: "}") { break }
                guard next == UInt8(ascii: ",") else {
                    throw JSONParseError(offset: index - 1, reason: "expected ',' or '}'")
                }
            }
        }
        try closeObject()
        depth -= 1
        skipWhitespace()
        guard index == bytes.count else { throw error("unexpected data after the JSON value") }
        return .object(members)
    }

    /// Reads one object key and records it in the ledger, which may refuse it; the key when `build`.
    ///
    /// A plain ASCII key with no escapes (nearly every key) is checked straight from the frame's bytes.
    private mutating func readKey(build: Bool) throws(JSONParseError) -> String? {
        let keyStart = index
        guard peek() == UInt8(ascii: "\"") else { throw error("expected a string") }
        guard build || ledger.checksKeys else {
            try skipString()
            return nil
        }
        var cursor = index + 1
        while cursor < bytes.count {
            let byte = bytes[cursor]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { break }
            cursor += 1
        }
        if cursor < bytes.count && bytes[cursor] == UInt8(ascii: "\"") {
            let raw = UnsafeBufferPointer(rebasing: bytes[(index + 1)..<cursor])
            index = cursor + 1
            if let refusal = ledger.insertASCII(raw, keyOffset: keyStart) {
                throw refused(refusal, key: String(decoding: raw, as: UTF8.self), at: keyStart)
            }
            return build ? String(decoding: raw, as: UTF8.self) : nil
        }
        let key = try parseString()
        if let refusal = ledger.insert(key, keyOffset: keyStart) { throw refused(refusal, key: key, at: keyStart) }
        return key
    }

    /// Ends the current object in the ledger, which checks a large object's keys all at once.
    private mutating func closeObject() throws(JSONParseError) {
        guard let (refusal, offset) = ledger.close() else { return }
        throw refused(refusal, key: (try? Self.string(bytes, at: offset)) ?? "?", at: offset)
    }

    private func refused(_ refusal: KeyLedger.Refusal, key: String, at offset: Int) -> JSONParseError {
        let bytes = self.bytes
        let reason = KeyLedger.reason(refusal, key: key) { (try? Self.string(bytes, at: $0)) ?? "?" }
        return JSONParseError(offset: offset, reason: reason, isKeyRule: true)
    }

    /// Calls `body` with each member (key, value range) of the object starting at `start`, one at a time,
    /// until it returns false: a search that stores no member. For bytes the key rules already held for.
    static func forEachMember(
        _ buffer: UnsafeBufferPointer<UInt8>, objectAt start: Int, _ body: (String, Range<Int>) -> Bool
    ) throws(JSONParseError) {
        var parser = JSONParser(buffer, start: start, maxDepth: 256, rules: .structureOnly)
        try parser.expect(UInt8(ascii: "{"))
        parser.skipWhitespace()
        if parser.peek() == UInt8(ascii: "}") { return }
        while true {
            parser.skipWhitespace()
            let key = try parser.parseString()
            parser.skipWhitespace()
            try parser.expect(UInt8(ascii: ":"))
            parser.skipWhitespace()
            let valueStart = parser.index
            try parser.skipValue()
            guard body(key, valueStart..<parser.index) else { return }
            parser.skipWhitespace()
            guard let next = parser.peek() else { throw parser.error("unterminated object") }
            parser.index += 1
            if next == UInt8(ascii: "}") { return }
            guard next == UInt8(ascii: ",") else { throw parser.error("expected ',' or '}'") }
        }
    }

    /// The range of element `position` of the array starting at `start`, skipping the ones before it.
    static func element(
        _ buffer: UnsafeBufferPointer<UInt8>, arrayAt start: Int, position: Int
    ) throws(JSONParseError) -> Range<Int>? {
        var parser = JSONParser(buffer, start: start, maxDepth: 256, rules: .structureOnly)
        try parser.expect(UInt8(ascii: "["))
        parser.skipWhitespace()
        if parser.peek() == UInt8(ascii: "]") { return nil }
        var index = 0
        while true {
            parser.skipWhitespace()
            let valueStart = parser.index
            try parser.skipValue()
            if index == position { return valueStart..<parser.index }
            index += 1
            parser.skipWhitespace()
            guard let next = parser.peek() else { throw parser.error("unterminated array") }
            parser.index += 1
            if next == UInt8(ascii: "]") { return nil }
            guard next == UInt8(ascii: ",") else { throw parser.error("expected ',' or ']'") }
        }
    }

    /// The decoded string starting at `start`.
    static func string(_ buffer: UnsafeBufferPointer<UInt8>, at start: Int) throws(JSONParseError) -> String {
        var parser = JSONParser(buffer, start: start, maxDepth: 1, rules: .structureOnly)
        return try parser.parseString()
    }

    /// The index just past the one value starting at `start`, which must end by `limit`.
    static func valueEnd(
        _ buffer: UnsafeBufferPointer<UInt8>, from start: Int, limit: Int, rules: KeyRules = .wire
    ) throws(JSONParseError) -> Int {
        let slice = UnsafeBufferPointer(rebasing: buffer[..<limit])
        var parser = JSONParser(slice, start: start, maxDepth: 256, rules: rules)
        try parser.skipValue()
        return parser.index
    }

    /// The shape of a message's top level, as `topLevelMembers` found it.
    package enum TopLevel {
        case object([(key: String, value: Range<Int>)])
        case array
        case scalar
    }

    // MARK: - Values

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard let byte = peek() else { throw error("unexpected end of input") }
        if byte != UInt8(ascii: "{") { ledger.scalarOrArray() }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = index
            try skipNumber()
            return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
        default:
            throw error("unexpected character")
        }
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        ledger.open()
        var members: [JSONValue.Member] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            try closeObject()
            return .object(members)
        }
        while true {
            skipWhitespace()
            let key = try readKey(build: true)!
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            members.append(JSONValue.Member(key, try parseValue()))
            skipWhitespace()
            guard let next = peek() else { throw error("unterminated object") }
            index += 1
            if next == UInt8(ascii: "}") { break }
            guard next == UInt8(ascii: ",") else {
                throw JSONParseError(offset: index - 1, reason: "expected ',' or '}'")
            }
        }
        depth -= 1
        try closeObject()
        return .object(members)
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        var items: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try parseValue())
            skipWhitespace()
            guard let next = peek() else { throw error("unterminated array") }
            index += 1
            if next == UInt8(ascii: "]") { break }
            guard next == UInt8(ascii: ",") else {
                throw JSONParseError(offset: index - 1, reason: "expected ',' or ']'")
            }
        }
        depth -= 1
        return .array(items)
    }

    /// Skips one value, checking its structure, string escapes and UTF-8.
    private mutating func skipValue() throws(JSONParseError) {
        guard let byte = peek() else { throw error("unexpected end of input") }
        if byte != UInt8(ascii: "{") { ledger.scalarOrArray() }
        switch byte {
        case UInt8(ascii: "{"):
            try enterContainer()
            ledger.open()
            skipWhitespace()
            if peek() == UInt8(ascii: "}") {
                index += 1
                depth -= 1
                try closeObject()
                return
            }
            while true {
                skipWhitespace()
                let collecting = collectChildren && depth == 2
                let key = try readKey(build: collecting)
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                let valueStart = index
                try skipValue()
                if collecting, let key { children.append((key, valueStart..<index)) }
                skipWhitespace()
                guard let next = peek() else { throw error("unterminated object") }
                index += 1
                if next == UInt8(ascii: "}") { break }
                guard next == UInt8(ascii: ",") else {
                    throw JSONParseError(offset: index - 1, reason: "expected ',' or '}'")
                }
            }
            depth -= 1
            try closeObject()
        case UInt8(ascii: "["):
            try enterContainer()
            skipWhitespace()
            if peek() == UInt8(ascii: "]") {
                index += 1
                depth -= 1
                return
            }
            while true {
                skipWhitespace()
                try skipValue()
                skipWhitespace()
                guard let next = peek() else { throw error("unterminated array") }
                index += 1
                if next == UInt8(ascii: "]") { break }
                guard next == UInt8(ascii: ",") else {
                    throw JSONParseError(offset: index - 1, reason: "expected ',' or ']'")
                }
            }
            depth -= 1
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try skipNumber()
        default: throw error("unexpected character")
        }
    }

    // MARK: - Strings

    /// Parses a string, resolving escapes; fails on invalid UTF-8 or lone surrogates.
    private mutating func parseString() throws(JSONParseError) -> String {
        guard peek() == UInt8(ascii: "\"") else { throw error("expected a string") }
        index += 1
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                guard let text = String(validating: slice, as: UTF8.self) else {
                    throw JSONParseError(offset: start, reason: "invalid UTF-8 in string")
                }
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("control character in string") }
            if byte == 0xE2 || byte == 0xC2 { noteLineSeparator() }
            index += 1
        }
        var scalars: [UInt8] = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while true {
            guard index < bytes.count else { throw JSONParseError(offset: start - 1, reason: "unterminated string") }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: scalars, as: UTF8.self) else {
                    throw JSONParseError(offset: start, reason: "invalid UTF-8 in string")
                }
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw error("unterminated escape") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append(0x22)
                case UInt8(ascii: "\\"): scalars.append(0x5C)
                case UInt8(ascii: "/"): scalars.append(0x2F)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    Self.appendUTF8(try parseUnicodeEscape(), to: &scalars)
                default:
                    throw JSONParseError(offset: index - 1, reason: "invalid escape")
                }
            default:
                if byte < 0x20 { throw error("control character in string") }
                if byte == 0xE2 || byte == 0xC2 { noteLineSeparator() }
                scalars.append(byte)
                index += 1
            }
        }
    }

    /// Reads the 4 hex digits after `\u` (and a low surrogate after a high one).
    private mutating func parseUnicodeEscape() throws(JSONParseError) -> Unicode.Scalar {
        let first = try readHex4()
        if (0xD800...0xDBFF).contains(first) {
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else { throw error("lone high surrogate escape") }
            index += 2
            let second = try readHex4()
            guard (0xDC00...0xDFFF).contains(second) else { throw error("invalid low surrogate escape") }
            let combined = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            guard let scalar = Unicode.Scalar(combined) else { throw error("invalid escape") }
            return scalar
        }
        guard let scalar = Unicode.Scalar(first) else { throw error("lone low surrogate escape") }
        return scalar
    }

    private mutating func readHex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    /// Skips a string while validating escapes and UTF-8, without allocating.
    private mutating func skipString() throws(JSONParseError) {
        guard peek() == UInt8(ascii: "\"") else { throw error("expected a string") }
        let start = index
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return
            }
            if byte == UInt8(ascii: "\\") {
                index += 1
                guard index < bytes.count else { break }
                switch bytes[index] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 1
                case UInt8(ascii: "u"):
                    index += 1
                    _ = try parseUnicodeEscape()
                default:
                    throw error("invalid escape")
                }
            } else if byte < 0x20 {
                throw error("control character in string")
            } else if byte < 0x80 {
                index += 1
            } else {
                try skipUTF8Sequence()
            }
        }
        throw JSONParseError(offset: start, reason: "unterminated string")
    }

    /// Validates one multi-byte UTF-8 sequence (no overlongs, no surrogates, ≤ U+10FFFF).
    private mutating func skipUTF8Sequence() throws(JSONParseError) {
        let lead = bytes[index]
        let length: Int
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            upper = 0x9F
        case 0xF0:
            length = 4
            lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            upper = 0x8F
        default: throw error("invalid UTF-8 in string")
        }
        guard index + length <= bytes.count else { throw error("invalid UTF-8 in string") }
        let second = bytes[index + 1]
        guard second >= lower && second <= upper else { throw error("invalid UTF-8 in string") }
        for offset in 2..<max(length, 2) where bytes[index + offset] & 0xC0 != 0x80 {
            throw error("invalid UTF-8 in string")
        }
        if lead == 0xE2 || lead == 0xC2 { noteLineSeparator() }
        index += length
    }

    /// Notes U+2028, U+2029 or U+0085 starting at `index` (the bytes are checked as UTF-8 elsewhere).
    private mutating func noteLineSeparator() {
        guard index + 1 < bytes.count else { return }
        if bytes[index] == 0xC2 {
            if bytes[index + 1] == 0x85 { hazards.lineSeparators = true }
        } else if bytes[index + 1] == 0x80, index + 2 < bytes.count,
            bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9
        {
            hazards.lineSeparators = true
        }
    }

    /// Appends the UTF-8 encoding of `scalar`.
    private static func appendUTF8(_ scalar: Unicode.Scalar, to output: inout [UInt8]) {
        let value = scalar.value
        switch value {
        case 0..<0x80:
            output.append(UInt8(value))
        case 0x80..<0x800:
            output.append(UInt8(0xC0 | (value >> 6)))
            output.append(UInt8(0x80 | (value & 0x3F)))
        case 0x800..<0x10000:
            output.append(UInt8(0xE0 | (value >> 12)))
            output.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (value & 0x3F)))
        default:
            output.append(UInt8(0xF0 | (value >> 18)))
            output.append(UInt8(0x80 | ((value >> 12) & 0x3F)))
            output.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (value & 0x3F)))
        }
    }

    // MARK: - Numbers, literals, helpers

    private mutating func skipNumber() throws(JSONParseError) {
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), isDigit(first) else { throw error("invalid number") }
        index += 1
        if first != UInt8(ascii: "0") {
            while let byte = peek(), isDigit(byte) { index += 1 }
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard let byte = peek(), isDigit(byte) else { throw error("invalid number") }
            while let byte = peek(), isDigit(byte) { index += 1 }
        }
        if let byte = peek(), byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            index += 1
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { index += 1 }
            guard let byte = peek(), isDigit(byte) else { throw error("invalid number") }
            while let byte = peek(), isDigit(byte) { index += 1 }
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("invalid literal") }
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: count)
        for offset in 0..<count where bytes[index + offset] != expected[offset] {
            throw error("invalid literal")
        }
        index += count
    }

    private mutating func expect(_ byte: UInt8) throws(JSONParseError) {
        guard peek() == byte else { throw error("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    private mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        guard depth <= maxDepth else { throw error("nesting deeper than \(maxDepth)") }
        index += 1
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A: index += 1
            case 0x0D:
                hazards.carriageReturns = true
                index += 1
            default: return
            }
        }
    }

    private func error(_ reason: String) -> JSONParseError { JSONParseError(offset: index, reason: reason) }
}
