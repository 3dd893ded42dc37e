import FirewallCore

/// The members of one JSON object, located in a buffer and decoded only when asked for.
///
/// Reading a record this way skips the payloads nobody looks at; a value of the wrong type reads as absent,
/// which is how the report treats fields of unknown or older schema versions. Valid only while its buffer is.
struct RecordFields {
    let buffer: UnsafeBufferPointer<UInt8>
    let members: [(key: String, value: Range<Int>)]

    init(buffer: UnsafeBufferPointer<UInt8>, members: [(key: String, value: Range<Int>)]) {
        self.buffer = buffer
        self.members = members
    }

    /// The object spanning `range`, when it is one.
    init?(buffer: UnsafeBufferPointer<UInt8>, object range: Range<Int>) {
        guard let first = range.first.map({ buffer[$0] }), first == UInt8(ascii: "{"),
            let members = try? JSONParser.members(buffer, in: range, rules: .document)
        else { return nil }
        self.init(buffer: buffer, members: members)
    }

    /// The byte range of member `key`'s value.
    func range(_ key: String) -> Range<Int>? {
        for member in members where member.key == key { return member.value }
        return nil
    }

    /// The raw bytes of member `key`'s value.
    func bytes(_ key: String) -> UnsafeBufferPointer<UInt8>? {
        range(key).map { UnsafeBufferPointer(rebasing: buffer[$0]) }
    }

    func string(_ key: String) -> String? {
        guard let range = range(key) else { return nil }
        return Self.string(in: buffer, range)
    }

    func int(_ key: String) -> Int? {
        guard let range = range(key), let literal = Self.numberLiteral(in: buffer, range) else { return nil }
        return Int(literal) ?? Double(literal).flatMap { $0.isFinite ? Int(exactly: $0.rounded()) : nil }
    }

    func double(_ key: String) -> Double? {
        guard let range = range(key), let literal = Self.numberLiteral(in: buffer, range) else { return nil }
        return Double(literal)
    }

    func bool(_ key: String) -> Bool? {
        guard let range = range(key), let first = range.first.map({ buffer[$0] }) else { return nil }
        if first == UInt8(ascii: "t") { return true }
        if first == UInt8(ascii: "f") { return false }
        return nil
    }

    /// Whether member `key` is there and `null`.
    func isNull(_ key: String) -> Bool {
        guard let range = range(key), let first = range.first.map({ buffer[$0] }) else { return false }
        return first == UInt8(ascii: "n")
    }

    func object(_ key: String) -> RecordFields? {
        range(key).flatMap { RecordFields(buffer: buffer, object: $0) }
    }

    /// The strings of an array member (other elements skipped).
    func strings(_ key: String) -> [String] {
        guard let range = range(key), let elements = try? JSONParser.elements(buffer, in: range) else { return [] }
        return elements.compactMap { Self.string(in: buffer, $0) }
    }

    /// The value's JSON text (strings unquoted), at most `limit` bytes.
    func text(_ key: String, limit: Int) -> String? {
        guard let range = range(key) else { return nil }
        if let string = Self.string(in: buffer, range) { return SafeText.capped(string, limit: limit) }
        return SafeText.capped(UnsafeBufferPointer(rebasing: buffer[range]), limit: limit)
    }

    /// The string at `range`, decoded; nil when the value is not a string.
    static func string(in buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String? {
        guard range.count >= 2, buffer[range.lowerBound] == UInt8(ascii: "\"") else { return nil }
        let inner = UnsafeBufferPointer(rebasing: buffer[(range.lowerBound + 1)..<(range.upperBound - 1)])
        if !inner.contains(UInt8(ascii: "\\")) { return String(decoding: inner, as: UTF8.self) }
        return (try? JSONParser.parse(UnsafeBufferPointer(rebasing: buffer[range]), rules: .document))?.stringValue
    }

    /// The number literal at `range`; nil when the value is not a number.
    static func numberLiteral(in buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String? {
        guard let first = range.first.map({ buffer[$0] }),
            first == UInt8(ascii: "-") || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9"))
        else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self)
    }
}
