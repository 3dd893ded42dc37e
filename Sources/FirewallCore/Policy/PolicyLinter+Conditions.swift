extension PolicyLinter {
    /// Rules with a `when:` condition that no call can satisfy, so the rule never applies.
    static func unreachableRules(_ rules: [PolicyRule]) -> [PolicyDiagnostic] {
        var diagnostics: [PolicyDiagnostic] = []
        for rule in rules {
            for condition in rule.conditions {
                guard let why = contradiction(in: condition.operators) else { continue }
                diagnostics.append(
                    PolicyDiagnostic(
                        .warning,
                        "rule `\(rule.patternDescription)` can never apply: its condition on `\(condition.path)` "
                            + "cannot hold (\(why))",
                        at: condition.location, hint: "fix the condition, or remove the rule"))
                break
            }
        }
        return diagnostics
    }

    /// Why the operators of one condition can never all hold together, or nil when some value satisfies them.
    static func contradiction(in operators: [ArgumentCondition.Operator]) -> String? {
        func text(_ op: ArgumentCondition.Operator) -> String { "`\(PolicyExplanation.describe(op))`" }
        typealias Bound = (value: ExactNumber, inclusive: Bool, op: ArgumentCondition.Operator)
        var lower: Bound?
        var upper: Bound?
        var absent: ArgumentCondition.Operator?
        var needsValue: ArgumentCondition.Operator?
        var equals: JSONValue?
        for op in operators {
            switch op {
            case .oneOf(let items) where items.isEmpty:
                return "`in: []` lists no values; a present argument is an evaluation error, which denies the call"
            case .greaterThan(let value): lower = tighter(lower, (value, false, op), above: true)
            case .greaterThanOrEqual(let value): lower = tighter(lower, (value, true, op), above: true)
            case .lessThan(let value): upper = tighter(upper, (value, false, op), above: false)
            case .lessThanOrEqual(let value): upper = tighter(upper, (value, true, op), above: false)
            case .exists(false): absent = op
            case .equals(let value): equals = value
            default: break
            }
            if requiresValue(op) { needsValue = needsValue ?? op }
        }
        if let absent, let needsValue {
            return "\(text(absent)) needs the argument missing, \(text(needsValue)) needs it present"
        }
        if let lower, let upper,
            lower.value > upper.value || (lower.value == upper.value && !(lower.inclusive && upper.inclusive))
        {
            return "\(text(lower.op)) and \(text(upper.op)) leave no number"
        }
        if let equals { return contradiction(equals: equals, in: operators, text: text) }
        return nil
    }

    /// The tighter of two lower bounds (`above`) or two upper bounds.
    private static func tighter(
        _ current: (value: ExactNumber, inclusive: Bool, op: ArgumentCondition.Operator)?,
        _ candidate: (value: ExactNumber, inclusive: Bool, op: ArgumentCondition.Operator), above: Bool
    ) -> (value: ExactNumber, inclusive: Bool, op: ArgumentCondition.Operator) {
        guard let current else { return candidate }
        if candidate.value == current.value { return candidate.inclusive ? current : candidate }
        return (candidate.value > current.value) == above ? candidate : current
    }

    /// Operators that do not hold when the argument is missing.
    private static func requiresValue(_ op: ArgumentCondition.Operator) -> Bool {
        switch op {
        case .notEquals, .noneOf, .exists(false): false
        default: true
        }
    }

    /// Operators that exclude the one value `equals` allows.
    private static func contradiction(
        equals value: JSONValue, in operators: [ArgumentCondition.Operator],
        text: (ArgumentCondition.Operator) -> String
    ) -> String? {
        let equalsText = text(.equals(value))
        for op in operators {
            let excluded: Bool
            switch op {
            case .notEquals(let other): excluded = value.semanticallyEquals(other)
            case .oneOf(let items): excluded = !items.contains { value.semanticallyEquals($0) }
            case .noneOf(let items): excluded = items.contains { value.semanticallyEquals($0) }
            case .greaterThan(let bound): excluded = value.exactNumber.map { !($0 > bound) } ?? false
            case .greaterThanOrEqual(let bound): excluded = value.exactNumber.map { !($0 >= bound) } ?? false
            case .lessThan(let bound): excluded = value.exactNumber.map { !($0 < bound) } ?? false
            case .lessThanOrEqual(let bound): excluded = value.exactNumber.map { !($0 <= bound) } ?? false
            case .glob(let pattern): excluded = value.stringValue.map { !pattern.matches($0) } ?? false
            case .regex(let pattern): excluded = value.stringValue.map { !pattern.matches($0) } ?? false
            default: excluded = false
            }
            if excluded { return "\(equalsText) and \(text(op)) exclude each other" }
        }
        return nil
    }
}
