/// One JSON value inside a frame the gate admitted, read where it lies instead of built as a tree.
///
/// A call's arguments can be tens of megabytes; built as a `JSONValue`, every small value costs
/// a dozen times its bytes. The policy reads them through `lookup(at:)`, which walks the bytes and
/// builds only the value a rule names; the audit writes the bytes as they are (the very bytes the
/// server reads). Holding a slice shares the frame's storage: it copies nothing.
package struct JSONSlice: Sendable {
    /// The frame (or document) holding the value.
    package let storage: [UInt8]
    /// Where the value is in `storage`, surrounding whitespace excluded.
    package let range: Range<Int>

    /// The value at `range` of `storage`, which must be valid JSON that passed the key rules.
    package init(_ storage: [UInt8], range: Range<Int>) {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, JSONParser.isWhitespace(storage[lower]) { lower += 1 }
        while upper > lower, JSONParser.isWhitespace(storage[upper - 1]) { upper -= 1 }
        self.storage = storage
        self.range = lower..<upper
    }

    /// A slice holding `value`, written compactly.
    package init(_ value: JSONValue) {
        var writer = JSONWriter()
        writer.value(value)
        let bytes = writer.take()
        self.init(bytes, range: 0..<bytes.count)
    }

    /// The value's bytes.
    package var bytes: ArraySlice<UInt8> { storage[range] }

    /// Whether the value's bytes hold a raw LF or CR (whitespace between tokens, to JSON).
    package var containsLineBreak: Bool {
        storage.withUnsafeBufferPointer { buffer in
            for index in range where buffer[index] == 0x0A || buffer[index] == 0x0D { return true }
            return false
        }
    }

    /// The whole value, built. For the rare paths that need all of it (an approval, a grant).
    package var value: JSONValue {
        storage.withUnsafeBufferPointer { buffer in
            (try? JSONParser.parse(UnsafeBufferPointer(rebasing: buffer[range]), rules: .structureOnly)) ?? .null
        }
    }
}

/// Something a policy condition can read an argument path from.
package protocol ArgumentLookup {
    /// What the dotted path finds, read the way the most lenient decoder would read it.
    func lookup(at components: [String]) -> JSONValue.PathLookup
}

extension JSONValue: ArgumentLookup {}

extension JSONSlice: ArgumentLookup {
    /// `JSONValue.lookup(at:)` over the bytes: only the value found is built.
    package func lookup(at components: [String]) -> JSONValue.PathLookup {
        storage.withUnsafeBufferPointer { buffer -> JSONValue.PathLookup in
            var current = range
            var previous = ""
            for component in components {
                guard current.lowerBound < current.upperBound else { return .absent }
                switch buffer[current.lowerBound] {
                case UInt8(ascii: "{"):
                    var exact: Range<Int>?
                    var variant: String?
                    let skeleton = KeySkeleton.of(component)
                    do {
                        try JSONParser.forEachMember(buffer, objectAt: current.lowerBound) { key, value in
                            if key.utf8.elementsEqual(component.utf8) {
                                exact = value
                                return false
                            }
                            if variant == nil, KeySkeleton.of(key) == skeleton { variant = key }
                            return true
                        }
                    } catch {
                        return .absent
                    }
                    if let exact {
                        current = exact
                    } else if let variant {
                        return .variant(expected: component, found: variant)
                    } else {
                        return .absent
                    }
                case UInt8(ascii: "["):
                    guard let position = Int(component), position >= 0,
                        let element = try? JSONParser.element(buffer, arrayAt: current.lowerBound, position: position)
                    else { return .absent }
                    current = element
                case UInt8(ascii: "\""):
                    guard let text = try? JSONParser.string(buffer, at: current.lowerBound),
                        JSONValue.holdsJSONContainer(text)
                    else { return .absent }
                    return .encodedJSON(key: previous)
                default:
                    return .absent
                }
                previous = component
            }
            guard
                let value = try? JSONParser.parse(
                    UnsafeBufferPointer(rebasing: buffer[current]), rules: .structureOnly)
            else { return .absent }
            return .found(value)
        }
    }
}
