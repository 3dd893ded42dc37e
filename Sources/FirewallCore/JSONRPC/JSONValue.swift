/// A JSON value decoded strictly, with object members kept in document order.
///
/// Numbers keep their literal text so that nothing is lost or reformatted; `doubleValue`
/// gives the numeric view used by policy comparisons.
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
    /// Equality as a policy author means it: numbers compare by value, everything else structurally.
    package func semanticallyEquals(_ other: JSONValue) -> Bool {
        switch (self, other) {
        case (.number, .number):
            return doubleValue == other.doubleValue
        case (.array(let lhs), .array(let rhs)):
            return lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { $0.semanticallyEquals($1) }
        case (.object(let lhs), .object(let rhs)):
            guard lhs.count == rhs.count else { return false }
            return lhs.allSatisfy { member in
                rhs.contains { $0.key == member.key && $0.value.semanticallyEquals(member.value) }
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

    /// Whether two values are the same JSON to the byte: strings and keys compared as UTF-8, not by
    /// Unicode canonical equivalence (which `==` uses), member order ignored.
    package func isByteIdentical(to other: JSONValue) -> Bool {
        ApprovalBinding.canonicalJSON(self) == ApprovalBinding.canonicalJSON(other)
    }
}
