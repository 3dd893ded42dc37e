/// A test on one argument of a call, from a rule's `when:` block.
///
/// All operators of a condition must hold. A value of the wrong type for an operator (a string
/// where `gt` expects a number) is an evaluation error, and evaluation errors deny the call:
/// a model must not slip past a rule by changing an argument's type.
package struct ArgumentCondition: Sendable {
    /// One operator and its operand.
    package enum Operator: Sendable {
        case equals(JSONValue)
        case notEquals(JSONValue)
        case oneOf([JSONValue])
        case noneOf([JSONValue])
        case glob(GlobPattern)
        case regex(PolicyRegex)
        case greaterThan(Double)
        case greaterThanOrEqual(Double)
        case lessThan(Double)
        case lessThanOrEqual(Double)
        case exists(Bool)
    }

    /// The argument path as written (`options.mode`, `files.0.path`).
    package var path: String
    package var components: [String]
    package var operators: [Operator]
    package var location: SourceLocation

    package init(path: String, operators: [Operator], location: SourceLocation) {
        self.path = path
        self.components = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        self.operators = operators
        self.location = location
    }

    /// The result of testing a condition against a call's arguments.
    package enum Outcome: Sendable, Equatable {
        case holds
        case fails
        case error(String)
    }

    /// Tests every operator against the value at `path` in `arguments`.
    package func evaluate(_ arguments: JSONValue) -> Outcome {
        let value = resolve(arguments)
        for op in operators {
            switch test(op, value) {
            case .holds: continue
            case let other: return other
            }
        }
        return .holds
    }

    private func resolve(_ arguments: JSONValue) -> JSONValue? {
        var current: JSONValue? = arguments
        for component in components {
            switch current {
            case .object(let members)?:
                current = members.first { $0.key == component }?.value
            case .array(let items)?:
                guard let index = Int(component), items.indices.contains(index) else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }

    private func test(_ op: Operator, _ value: JSONValue?) -> Outcome {
        switch op {
        case .exists(let expected):
            return (value != nil) == expected ? .holds : .fails
        case .notEquals(let operand):
            guard let value else { return .holds }
            return value.semanticallyEquals(operand) ? .fails : .holds
        case .noneOf(let operands):
            guard let value else { return .holds }
            return operands.contains { value.semanticallyEquals($0) } ? .fails : .holds
        default:
            break
        }
        guard let value else { return .fails }
        switch op {
        case .equals(let operand):
            return value.semanticallyEquals(operand) ? .holds : .fails
        case .oneOf(let operands):
            return operands.contains { value.semanticallyEquals($0) } ? .holds : .fails
        case .glob(let pattern):
            guard let text = value.stringValue else { return typeError(value, expected: "a string") }
            return pattern.matches(text) ? .holds : .fails
        case .regex(let pattern):
            guard let text = value.stringValue else { return typeError(value, expected: "a string") }
            return pattern.matches(text) ? .holds : .fails
        case .greaterThan(let bound): return compare(value) { $0 > bound }
        case .greaterThanOrEqual(let bound): return compare(value) { $0 >= bound }
        case .lessThan(let bound): return compare(value) { $0 < bound }
        case .lessThanOrEqual(let bound): return compare(value) { $0 <= bound }
        case .exists, .notEquals, .noneOf: return .holds
        }
    }

    private func compare(_ value: JSONValue, _ predicate: (Double) -> Bool) -> Outcome {
        guard let number = value.doubleValue else { return typeError(value, expected: "a number") }
        return predicate(number) ? .holds : .fails
    }

    private func typeError(_ value: JSONValue, expected: String) -> Outcome {
        .error(
            "argument `\(path)` is \(value.typeDescription) but the rule at \(location.fileAndLine) expects \(expected)"
        )
    }
}
