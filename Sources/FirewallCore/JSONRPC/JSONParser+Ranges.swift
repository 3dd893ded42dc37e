extension JSONParser {
    /// The members of the object spanning `range` (surrounding whitespace allowed), as key and value range.
    ///
    /// Values are skipped after a structural check; duplicate keys at this level are an error.
    package static func members(
        _ buffer: UnsafeBufferPointer<UInt8>, in range: Range<Int>, rules: KeyRules = .wire
    ) throws(JSONParseError)
        -> [(key: String, value: Range<Int>)]
    {
        let slice = UnsafeBufferPointer(rebasing: buffer[range])
        guard case .object(let members) = try topLevelMembers(slice, rules: rules) else {
            throw JSONParseError(offset: range.lowerBound, reason: "expected an object")
        }
        return members.map {
            ($0.key, ($0.value.lowerBound + range.lowerBound)..<($0.value.upperBound + range.lowerBound))
        }
    }

    /// The byte ranges of the elements of the array spanning `range`.
    package static func elements(
        _ buffer: UnsafeBufferPointer<UInt8>, in range: Range<Int>, rules: KeyRules = .wire
    ) throws(JSONParseError)
        -> [Range<Int>]
    {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, isWhitespace(buffer[lower]) { lower += 1 }
        while upper > lower, isWhitespace(buffer[upper - 1]) { upper -= 1 }
        guard lower < upper, buffer[lower] == UInt8(ascii: "["), buffer[upper - 1] == UInt8(ascii: "]") else {
            throw JSONParseError(offset: lower, reason: "expected an array")
        }
        var ranges: [Range<Int>] = []
        var index = lower + 1
        func skipSpace() { while index < upper - 1, isWhitespace(buffer[index]) { index += 1 } }
        skipSpace()
        if index == upper - 1 { return ranges }
        while true {
            skipSpace()
            let start = index
            index = try valueEnd(buffer, from: index, limit: upper - 1, rules: rules)
            ranges.append(start..<index)
            skipSpace()
            guard index < upper - 1 else { break }
            guard buffer[index] == UInt8(ascii: ",") else {
                throw JSONParseError(offset: index, reason: "expected ','")
            }
            index += 1
        }
        return ranges
    }

    /// JSON's insignificant whitespace: space, tab, line feed, carriage return.
    package static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
