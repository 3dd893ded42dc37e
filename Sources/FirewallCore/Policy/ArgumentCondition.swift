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
        arguments.value(at: components)
    }

    private func test(_ op: Operator, _ value: JSONValue?) -> Outcome {
        switch (op, value) {
        case (.exists(let expected), _):
            return (value != nil) == expected ? .holds : .fails
        case (.notEquals, nil), (.noneOf, nil):
            return .holds
        case (_, nil):
            return .fails
        case (.equals(let operand), let value?):
            return sameType(value, [operand]) ?? (value.semanticallyEquals(operand) ? .holds : .fails)
        case (.notEquals(let operand), let value?):
            return sameType(value, [operand]) ?? (value.semanticallyEquals(operand) ? .fails : .holds)
        case (.oneOf(let operands), let value?):
            return sameType(value, operands) ?? (operands.contains { value.semanticallyEquals($0) } ? .holds : .fails)
        case (.noneOf(let operands), let value?):
            return sameType(value, operands) ?? (operands.contains { value.semanticallyEquals($0) } ? .fails : .holds)
        case (.glob(let pattern), let value?):
            guard let text = value.stringValue else { return typeError(value, expected: "a string") }
            return pattern.matches(text) ? .holds : .fails
        case (.regex(let pattern), let value?):
            guard let text = value.stringValue else { return typeError(value, expected: "a string") }
            guard let matched = pattern.evaluate(text) else {
                return .error(
                    "the regex `\(pattern.source)` of the rule at \(location.fileAndLine) could not be evaluated")
            }
            return matched ? .holds : .fails
        case (.greaterThan(let bound), let value?): return compare(value) { $0 > bound }
        case (.greaterThanOrEqual(let bound), let value?): return compare(value) { $0 >= bound }
        case (.lessThan(let bound), let value?): return compare(value) { $0 < bound }
        case (.lessThanOrEqual(let bound), let value?): return compare(value) { $0 <= bound }
        }
    }

    /// An evaluation error when no operand has the value's JSON type: `"5"` where the rule says `5`
    /// must not quietly fail to match a deny rule.
    private func sameType(_ value: JSONValue, _ operands: [JSONValue]) -> Outcome? {
        guard !operands.contains(where: { $0.typeDescription == value.typeDescription }) else { return nil }
        let expected = Set(operands.map(\.typeDescription)).sorted().joined(separator: " or ")
        return typeError(value, expected: expected.isEmpty ? "a value" : expected)
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
