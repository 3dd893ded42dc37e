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
        case greaterThan(ExactNumber)
        case greaterThanOrEqual(ExactNumber)
        case lessThan(ExactNumber)
        case lessThanOrEqual(ExactNumber)
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
    package func evaluate(_ arguments: some ArgumentLookup) -> Outcome {
        let value: JSONValue?
        switch arguments.lookup(at: components) {
        case .found(let found): value = found
        case .absent: value = nil
        case .variant(let expected, let found):
            return .error(
                "argument key `\(found)` is not `\(expected)`, which the rule at \(location.fileAndLine) reads, but "
                    + "servers that match keys loosely (Go, C#, pydantic aliases) read it as `\(expected)`")
        case .encodedJSON(let key):
            return .error(
                "argument `\(key)` is a string holding JSON, which the rule at \(location.fileAndLine) reads into, "
                    + "and servers that decode such strings (the MCP Python SDK) read as an array or object")
        }
        for op in operators {
            switch test(op, value) {
            case .holds: continue
            case let other: return other
            }
        }
        return .holds
    }

    /// The outcome of `op`, read both as written and as the doubles most decoders turn numbers into. A
    /// value whose two readings disagree (9007199254740993 against a bound of 9007199254740992, or
    /// 1000000.00000000000001 against `equals: 1000000`) would pass the rule under one reading and reach a
    /// server that uses the other: that is an evaluation error, never a quiet pass.
    private func test(_ op: Operator, _ value: JSONValue?) -> Outcome {
        let exact = test(op, value, asDoubles: false)
        guard containsNumber(value), exact == .holds || exact == .fails else { return exact }
        return agree(exact, test(op, value, asDoubles: true), value)
    }

    private func agree(_ exact: Outcome, _ doubles: Outcome, _ value: JSONValue?) -> Outcome {
        guard exact != doubles else { return exact }
        return .error(
            "argument `\(path)` (\(value.map(PolicyExplanation.json) ?? "absent")) is a number that decoders using "
                + "doubles read as another value, and the rule at \(location.fileAndLine) decides differently for it")
    }

    private func containsNumber(_ value: JSONValue?) -> Bool {
        switch value {
        case .number: true
        case .array(let items): items.contains { containsNumber($0) }
        case .object(let members): members.contains { containsNumber($0.value) }
        default: false
        }
    }

    private func test(_ op: Operator, _ value: JSONValue?, asDoubles: Bool) -> Outcome {
        func equal(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
            asDoubles ? lhs.equalsAsDoubles(rhs) : lhs.semanticallyEquals(rhs)
        }
        func order(_ value: JSONValue, _ exact: (ExactNumber) -> Bool, _ double: (Double) -> Bool) -> Outcome {
            guard let number = value.exactNumber else { return typeError(value, expected: "a number") }
            return (asDoubles ? double(number.doubleValue) : exact(number)) ? .holds : .fails
        }
        switch (op, value) {
        case (.exists(let expected), _):
            return (value != nil) == expected ? .holds : .fails
        case (.notEquals, nil), (.noneOf, nil):
            return .holds
        case (_, nil):
            return .fails
        case (.equals(let operand), let value?):
            return sameType(value, [operand]) ?? (equal(value, operand) ? .holds : .fails)
        case (.notEquals(let operand), let value?):
            return sameType(value, [operand]) ?? (equal(value, operand) ? .fails : .holds)
        case (.oneOf(let operands), let value?):
            return sameType(value, operands) ?? (operands.contains { equal(value, $0) } ? .holds : .fails)
        case (.noneOf(let operands), let value?):
            return sameType(value, operands) ?? (operands.contains { equal(value, $0) } ? .fails : .holds)
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
        case (.greaterThan(let bound), let value?):
            return order(value, { $0 > bound }, { $0 > bound.doubleValue })
        case (.greaterThanOrEqual(let bound), let value?):
            return order(value, { $0 >= bound }, { $0 >= bound.doubleValue })
        case (.lessThan(let bound), let value?):
            return order(value, { $0 < bound }, { $0 < bound.doubleValue })
        case (.lessThanOrEqual(let bound), let value?):
            return order(value, { $0 <= bound }, { $0 <= bound.doubleValue })
        }
    }

    /// An evaluation error when no operand has the value's JSON type: `"5"` where the rule says `5`
    /// must not quietly fail to match a deny rule.
    private func sameType(_ value: JSONValue, _ operands: [JSONValue]) -> Outcome? {
        guard !operands.contains(where: { $0.typeDescription == value.typeDescription }) else { return nil }
        let expected = Set(operands.map(\.typeDescription)).sorted().joined(separator: " or ")
        return typeError(value, expected: expected.isEmpty ? "a value" : expected)
    }

    private func typeError(_ value: JSONValue, expected: String) -> Outcome {
        .error(
            "argument `\(path)` is \(value.typeDescription) but the rule at \(location.fileAndLine) expects \(expected)"
        )
    }
}
