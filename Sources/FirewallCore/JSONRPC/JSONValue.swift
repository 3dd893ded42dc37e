/// A JSON value decoded strictly, with object members kept in document order.
///
/// Numbers keep their literal text so that nothing is lost or reformatted; `exactNumber` gives the
/// exact view policy comparisons use, `doubleValue` an approximate one for counters and settings.
package enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([Member])

    /// One `"key": value` pair of an object.
    package struct Member: Sendable, Hashable {
        package var key: String
        package var value: JSONValue

        package init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The value of member `key` when this is an object holding it.
    package subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// The string payload, when this is a string.
    package var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The numeric value, when this is a number.
    package var doubleValue: Double? {
        if case .number(let literal) = self { return Double(literal) }
        return nil
    }

    /// The boolean payload, when this is a boolean.
    package var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// A short name of the JSON type, for messages ("a string", "an object").
    package var typeDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

extension JSONValue {
    /// Equality as a policy author means it: numbers compare by exact decimal value, strings and keys
    /// byte for byte (a server compares `K` and U+212A as different strings, Swift's `==` as one),
    /// everything else structurally.
    package func semanticallyEquals(_ other: JSONValue) -> Bool {
        semanticallyEquals(other, number: { $0.exactNumber != nil && $0.exactNumber == $1.exactNumber })
    }

    /// `semanticallyEquals`, with numbers compared as the doubles most decoders turn them into.
    package func equalsAsDoubles(_ other: JSONValue) -> Bool {
        semanticallyEquals(other, number: { $0.doubleValue != nil && $0.doubleValue == $1.doubleValue })
    }

    private func semanticallyEquals(_ other: JSONValue, number: (JSONValue, JSONValue) -> Bool) -> Bool {
        switch (self, other) {
        case (.number, .number):
            return number(self, other)
        case (.string(let lhs), .string(let rhs)):
            return lhs.utf8.elementsEqual(rhs.utf8)
        case (.array(let lhs), .array(let rhs)):
            return lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { $0.semanticallyEquals($1, number: number) }
        case (.object(let lhs), .object(let rhs)):
            guard lhs.count == rhs.count else { return false }
            return lhs.allSatisfy { member in
                rhs.contains {
                    $0.key.utf8.elementsEqual(member.key.utf8)
                        && $0.value.semanticallyEquals(member.value, number: number)
                }
            }
        default:
            return self == other
        }
    }
}

extension JSONValue {
    /// The value at a dotted argument path (`options.mode`, `files.0.path`): object members by key,
    /// array elements by index. Keys compare byte for byte (as the server reads them, not by Unicode
    /// canonical equivalence). Nil when the path does not exist.
    package func value(at components: [String]) -> JSONValue? {
        var current = self
        for component in components {
            switch current {
            case .object(let members):
                guard let member = members.first(where: { $0.key.utf8.elementsEqual(component.utf8) }) else {
                    return nil
                }
                current = member.value
            case .array(let items):
                guard let index = Int(component), items.indices.contains(index) else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }

    /// What a dotted argument path finds, read the way the most lenient decoder would read it.
    package enum PathLookup: Equatable {
        case found(JSONValue)
        case absent
        /// The path names `expected` but the object holds `found`, a key some decoder reads as it.
        case variant(expected: String, found: String)
        /// The path goes on inside `key`, a string holding a JSON array or object, which servers that
        /// parse such strings for non-string parameters (the MCP Python SDK's MCPServer) read as one.
        case encodedJSON(key: String)
    }

    /// `value(at:)`, but a missing key that the object holds in a variant spelling (`Path` for `path`,
    /// `file_name` for `fileName`) is reported rather than taken as absent: a Go or C# server would read
    /// that variant as the key the rule names.
    package func lookup(at components: [String]) -> PathLookup {
        var current = self
        var previous = ""
        for component in components {
            switch current {
            case .object(let members):
                if let member = members.first(where: { $0.key.utf8.elementsEqual(component.utf8) }) {
                    current = member.value
                    previous = component
                    continue
                }
                let skeleton = KeySkeleton.of(component)
                if let variant = members.first(where: { KeySkeleton.of($0.key) == skeleton }) {
                    return .variant(expected: component, found: variant.key)
                }
                return .absent
            case .array(let items):
                guard let index = Int(component), items.indices.contains(index) else { return .absent }
                current = items[index]
                previous = component
            case .string(let text) where Self.holdsJSONContainer(text):
                return .encodedJSON(key: previous)
            default:
                return .absent
            }
        }
        return .found(current)
    }

    /// Whether `text` is, once trimmed, a JSON array or object.
    static func holdsJSONContainer(_ text: String) -> Bool {
        let trimmed = text.utf8.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        guard let first = trimmed.first, first == UInt8(ascii: "[") || first == UInt8(ascii: "{") else { return false }
        return (try? JSONParser.parse(Array(trimmed), rules: .structureOnly)) != nil
    }

    /// Whether two values are the same JSON to the byte: strings and keys compared as UTF-8, not by
    /// Unicode canonical equivalence (which `==` uses), member order ignored.
    package func isByteIdentical(to other: JSONValue) -> Bool {
        ApprovalBinding.canonicalJSON(self) == ApprovalBinding.canonicalJSON(other)
    }
}
