import Yams

/// Turns policy YAML into a checked `Policy`, collecting every problem with its file:line:col.
package enum PolicyLoader {
    static let topLevelKeys = ["version", "description", "defaults", "unlisted", "approval", "tools"]
    static let ruleKeys = ["name", "class", "decision", "when", "reason", "tags"]
    static let operatorKeys = [
        "equals", "not_equals", "in", "not_in", "glob", "regex", "gt", "gte", "lt", "lte", "exists",
    ]
    static let decisionHints = [
        "no": "deny", "n": "deny", "off": "deny", "false": "deny", "yes": "allow", "y": "allow", "on": "allow",
        "true": "allow",
    ]

    /// Loads a policy from its text. `path` is used for diagnostics and the audit log.
    ///
    /// Returns the policy and any warnings, or throws a `PolicyError` holding every diagnostic
    /// (errors and warnings) when there is at least one error.
    package static func load(
        text: String, path: String
    ) throws(PolicyError) -> (policy: Policy, warnings: [PolicyDiagnostic]) {
        var reader = YAMLReader(file: path)
        let policy = parse(text: text, path: path, reader: &reader)
        if let policy, !reader.diagnostics.contains(where: { $0.severity == .error }) {
            return (policy, reader.diagnostics)
        }
        throw PolicyError(diagnostics: reader.diagnostics)
    }

    private static func parse(text: String, path: String, reader: inout YAMLReader) -> Policy? {
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else {
                reader.append(
                    PolicyDiagnostic(
                        .error, "the policy file is empty", at: SourceLocation(file: path, line: 1, column: 1),
                        hint: "start with `version: 1`"))
                return nil
            }
            root = composed
        } catch {
            reader.append(syntaxDiagnostic(error, path: path))
            return nil
        }
        guard let pairs = reader.mapping(root, "the policy", allowed: topLevelKeys) else { return nil }
        var policy = Policy(source: Policy.Source(path: path, contents: Array(text.utf8)))
        var sawVersion = false
        for (key, keyNode, value) in pairs {
            switch key {
            case "version":
                sawVersion = true
                if let version = reader.int(value, "version") {
                    if version == 1 {
                        policy.version = version
                    } else {
                        reader.error(
                            "policy version \(version) is not supported", at: value,
                            hint: "this mcp-firewall reads version 1")
                    }
                }
            case "description":
                _ = reader.string(value, "description")
            case "defaults":
                policy.defaults = parseDefaults(value, reader: &reader)
            case "unlisted":
                policy.unlisted = parseUnlisted(value, reader: &reader)
            case "approval":
                policy.approval = parseApproval(value, reader: &reader)
            case "tools":
                policy.rules = parseRules(value, reader: &reader)
            default:
                reader.error("unknown key `\(key)`", at: keyNode)
            }
        }
        if !sawVersion {
            reader.error("the policy has no `version`", at: root, hint: "add `version: 1` at the top")
        }
        return policy
    }

    private static func parseDefaults(_ node: Node, reader: inout YAMLReader) -> [ToolClass: Decision] {
        var defaults = Policy.standardDefaults
        let classes = ToolClass.allCases.map(\.rawValue)
        for (key, _, value) in reader.mapping(node, "defaults", allowed: classes) ?? [] {
            guard let toolClass = ToolClass(rawValue: key),
                let word = reader.word(
                    value, "defaults.\(key)", allowed: Decision.allCases.map(\.rawValue), booleanHints: decisionHints),
                let decision = Decision(rawValue: word)
            else { continue }
            defaults[toolClass] = decision
        }
        return defaults
    }

    private static func parseUnlisted(_ node: Node, reader: inout YAMLReader) -> Policy.Unlisted {
        var unlisted = Policy.Unlisted()
        for (key, _, value) in reader.mapping(node, "unlisted", allowed: ["class", "decision"]) ?? [] {
            switch key {
            case "class":
                let word = reader.word(
                    value, "unlisted.class", allowed: ["annotations"] + ToolClass.allCases.map(\.rawValue))
                unlisted.toolClass = word.flatMap(ToolClass.init(rawValue:))
            default:
                let word = reader.word(
                    value, "unlisted.decision", allowed: Decision.allCases.map(\.rawValue), booleanHints: decisionHints)
                unlisted.decision = word.flatMap(Decision.init(rawValue:))
            }
        }
        return unlisted
    }

    private static func parseApproval(_ node: Node, reader: inout YAMLReader) -> Policy.Approval {
        var approval = Policy.Approval()
        for (_, _, value) in reader.mapping(node, "approval", allowed: ["timeout"]) ?? [] {
            if let timeout = reader.duration(value, "approval.timeout") { approval.timeout = timeout }
        }
        return approval
    }

    private static func parseRules(_ node: Node, reader: inout YAMLReader) -> [PolicyRule] {
        guard case .sequence(let sequence) = node else {
            reader.error("tools must be a list of rules", at: node, hint: "each entry starts with `- name: TOOL`")
            return []
        }
        var rules: [PolicyRule] = []
        for (index, item) in sequence.enumerated() {
            if let rule = parseRule(item, number: index + 1, reader: &reader) { rules.append(rule) }
        }
        return rules
    }

    private static func parseRule(_ node: Node, number: Int, reader: inout YAMLReader) -> PolicyRule? {
        let what = "rule \(number) in tools"
        guard let pairs = reader.mapping(node, what, allowed: ruleKeys) else { return nil }
        var rule = PolicyRule(patterns: [], location: reader.location(node))
        var valid = true
        var sawName = false
        for (key, _, value) in pairs {
            switch key {
            case "name":
                sawName = true
                guard let names = reader.stringList(value, "name") else {
                    valid = false
                    continue
                }
                if names.isEmpty {
                    reader.error("name lists no tools", at: value)
                    valid = false
                }
                for (text, itemNode) in names {
                    do {
                        rule.patterns.append(try GlobPattern(text))
                    } catch {
                        reader.error(error.message, at: itemNode)
                        valid = false
                    }
                }
            case "class":
                let word = reader.word(value, "class", allowed: ToolClass.allCases.map(\.rawValue))
                rule.toolClass = word.flatMap(ToolClass.init(rawValue:))
                valid = valid && word != nil
            case "decision":
                let word = reader.word(
                    value, "decision", allowed: Decision.allCases.map(\.rawValue), booleanHints: decisionHints)
                rule.decision = word.flatMap(Decision.init(rawValue:))
                valid = valid && word != nil
            case "when":
                guard let conditions = parseConditions(value, reader: &reader) else {
                    valid = false
                    continue
                }
                rule.conditions = conditions
            case "reason":
                rule.reason = reader.string(value, "reason")
            case "tags":
                rule.tags = (reader.stringList(value, "tags") ?? []).map(\.0)
            default:
                break
            }
        }
        if !sawName {
            reader.error(
                "\(what) has no `name`", at: node, hint: "add `name: TOOL` (exact name or glob such as `github.*`)")
            return nil
        }
        if rule.toolClass == nil, rule.decision == nil, valid {
            reader.warning(
                "rule `\(rule.patternDescription)` neither classifies nor decides", at: node,
                hint: "add `class:` or `decision:`")
        }
        return valid ? rule : nil
    }

    private static func parseConditions(_ node: Node, reader: inout YAMLReader) -> [ArgumentCondition]? {
        guard let pairs = reader.mapping(node, "when", allowed: nil) else { return nil }
        var conditions: [ArgumentCondition] = []
        var valid = true
        for (path, keyNode, value) in pairs {
            if path.isEmpty || path.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
                reader.error("argument path `\(path)` has an empty component", at: keyNode)
                valid = false
                continue
            }
            var operators: [ArgumentCondition.Operator] = []
            if case .mapping = value {
                for (name, opNode, operand) in reader.mapping(value, "when.\(path)", allowed: operatorKeys) ?? [] {
                    guard let op = parseOperator(name, operand, at: opNode, reader: &reader) else {
                        valid = false
                        continue
                    }
                    operators.append(op)
                }
                if operators.isEmpty, valid {
                    reader.error(
                        "condition on `\(path)` has no operator", at: value,
                        hint: "use one of: \(operatorKeys.joined(separator: ", "))")
                    valid = false
                }
            } else if let operand = reader.jsonValue(value, "when.\(path)") {
                operators.append(.equals(operand))
            } else {
                valid = false
            }
            conditions.append(ArgumentCondition(path: path, operators: operators, location: reader.location(keyNode)))
        }
        return valid ? conditions : nil
    }

    private static func parseOperator(
        _ name: String, _ operand: Node, at node: Node, reader: inout YAMLReader
    ) -> ArgumentCondition.Operator? {
        let what = "`\(name)`"
        switch name {
        case "equals": return reader.jsonValue(operand, what).map { .equals($0) }
        case "not_equals": return reader.jsonValue(operand, what).map { .notEquals($0) }
        case "in", "not_in":
            guard case .sequence = operand, case .array(let items)? = reader.jsonValue(operand, what) else {
                if case .sequence = operand {} else { reader.error("\(what) needs a list of values", at: operand) }
                return nil
            }
            return name == "in" ? .oneOf(items) : .noneOf(items)
        case "glob":
            guard let text = reader.string(operand, what) else { return nil }
            do {
                return .glob(try GlobPattern(text))
            } catch {
                reader.error(error.message, at: operand)
                return nil
            }
        case "regex":
            guard let text = reader.string(operand, what) else { return nil }
            do {
                return .regex(try PolicyRegex(text))
            } catch {
                reader.error("invalid regular expression `\(text)`: \(error)", at: operand)
                return nil
            }
        case "gt": return reader.number(operand, what).map { .greaterThan($0) }
        case "gte": return reader.number(operand, what).map { .greaterThanOrEqual($0) }
        case "lt": return reader.number(operand, what).map { .lessThan($0) }
        case "lte": return reader.number(operand, what).map { .lessThanOrEqual($0) }
        case "exists": return reader.bool(operand, what).map { .exists($0) }
        default:
            reader.error("unknown operator \(what)", at: node)
            return nil
        }
    }

    private static func syntaxDiagnostic(_ error: any Error, path: String) -> PolicyDiagnostic {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: path, line: mark.line, column: mark.column) }
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let message = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            return PolicyDiagnostic(.error, "YAML syntax: \(message)", at: at(mark))
        case .duplicatedKeysInMapping(let duplicates, let context):
            return PolicyDiagnostic(
                .error, "duplicate key \(duplicates.map { "`\($0)`" }.joined(separator: ", ")) in a mapping",
                at: at(context.mark),
                hint: "each key may appear once; YAML would otherwise silently keep only one"
            )
        default:
            return PolicyDiagnostic(
                .error, "cannot read the policy: \(error)", at: SourceLocation(file: path, line: 1, column: 1))
        }
    }
}
