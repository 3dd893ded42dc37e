import Yams

/// Turns policy YAML into a checked `Policy`, collecting every problem with its file:line:col.
package enum PolicyLoader {
    static let topLevelKeys = [
        "version", "description", "extends", "defaults", "unlisted", "approval", "tools", "environments", "audit",
    ]
    static let environmentKeys = ["tighten_only", "defaults", "unlisted", "approval", "tools"]
    static let approvalKeys = [
        "channels", "race", "timeout", "on_timeout", "unattended", "remember", "command", "webhook",
    ]
    /// A rule's `approval:` picks channels and limits; hooks are configured once, at the top level.
    static let ruleApprovalKeys = ["channels", "race", "timeout", "on_timeout", "unattended", "remember"]
    static let ruleKeys = ["name", "class", "decision", "when", "reason", "tags", "approval"]
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
    /// (errors and warnings) when there is at least one error. A document with `extends:` needs
    /// `load(paths:read:)`, which can read the files it names.
    package static func load(
        text: String, path: String
    ) throws(PolicyError) -> (policy: Policy, warnings: [PolicyDiagnostic]) {
        try load(paths: [path]) { $0 == path ? text : nil }
    }

    /// Loads one or more policy files as layers: each file's `extends:` bases first (relative to the
    /// file, each file once), then the file itself, in the order given; then merges them so that no
    /// layer can loosen another (see `Policy.merging`). `read` returns a file's text, or nil.
    package static func load(
        paths: [String], read: (String) -> String?
    ) throws(PolicyError) -> (policy: Policy, warnings: [PolicyDiagnostic]) {
        var diagnostics: [PolicyDiagnostic] = []
        var layers: [Policy] = []
        var loaded: Set<String> = []
        func visit(_ path: String, chain: [String], citedAt: SourceLocation?) {
            guard !chain.contains(path) else {
                diagnostics.append(
                    PolicyDiagnostic(
                        .error, "`extends` makes a cycle: \((chain + [path]).joined(separator: " → "))",
                        at: citedAt ?? SourceLocation(file: path, line: 1, column: 1)))
                return
            }
            guard loaded.insert(path).inserted else { return }
            guard let text = read(path) else {
                diagnostics.append(
                    PolicyDiagnostic(
                        .error, "cannot read the policy file `\(path)`",
                        at: citedAt ?? SourceLocation(file: path, line: 1, column: 1),
                        hint: "check the path and permissions"))
                return
            }
            var reader = YAMLReader(file: path)
            let parsed = parse(text: text, path: path, reader: &reader)
            diagnostics += reader.diagnostics
            guard let parsed else { return }
            for (base, location) in parsed.extends {
                visit(resolve(base, relativeTo: path), chain: chain + [path], citedAt: location)
            }
            layers.append(parsed.policy)
        }
        for path in paths { visit(path, chain: [], citedAt: nil) }
        guard var policy = layers.first else { throw PolicyError(diagnostics: diagnostics) }
        for layer in layers.dropFirst() { policy = policy.merging(layer) }
        diagnostics += tightenOnlyViolations(policy)
        guard !diagnostics.contains(where: { $0.severity == .error }) else {
            throw PolicyError(diagnostics: diagnostics)
        }
        return (policy, diagnostics)
    }

    /// `base` relative to the folder of `path` (absolute paths stay as they are).
    static func resolve(_ base: String, relativeTo path: String) -> String {
        guard !base.hasPrefix("/"), let slash = path.lastIndex(of: "/") else { return normalize(base) }
        return normalize(String(path[...slash]) + base)
    }

    /// Removes `.` and `name/..` components, so one file always has one name in locations.
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            if part == "." { continue }
            if part == "..", let last = parts.last, !last.isEmpty, last != ".." {
                parts.removeLast()
                continue
            }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }

    /// One parsed document and the files it extends (with where each is named).
    struct Document {
        var policy: Policy
        var extends: [(String, SourceLocation)]
    }

    private static func parse(text: String, path: String, reader: inout YAMLReader) -> Document? {
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
            reader.append(YAMLReader.syntaxDiagnostic(error, path: path, document: "the policy"))
            return nil
        }
        guard let pairs = reader.mapping(root, "the policy", allowed: topLevelKeys) else { return nil }
        var policy = Policy(source: Policy.Source(path: path, contents: Array(text.utf8)))
        var extends: [(String, SourceLocation)] = []
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
            case "extends":
                extends = (reader.stringList(value, "extends") ?? []).map { ($0.0, reader.location($0.1)) }
            case "environments":
                policy.environments = parseEnvironments(value, reader: &reader)
            case "defaults":
                for (toolClass, entry) in parseDefaults(value, reader: &reader) {
                    policy.defaults[toolClass] = entry.decision
                    policy.settingLocations["defaults.\(toolClass.rawValue)"] = entry.location
                }
            case "unlisted":
                policy.unlisted = parseUnlisted(value, reader: &reader)
                policy.settingLocations["unlisted"] = reader.location(value)
            case "approval":
                let approval = parseApproval(value, what: "approval", reader: &reader)
                policy.settingLocations.merge(approval.locations) { _, new in new }
                policy.approval = policy.approval.applying(approval)
            case "tools":
                policy.rules = parseRules(value, reader: &reader)
            case "audit":
                parseAudit(value, into: &policy, reader: &reader)
            default:
                reader.error("unknown key `\(key)`", at: keyNode)
            }
        }
        if !sawVersion {
            reader.error("the policy has no `version`", at: root, hint: "add `version: 1` at the top")
        }
        return Document(policy: policy, extends: extends)
    }

    /// The class defaults a mapping sets, each with where it is set.
    static func parseDefaults(
        _ node: Node, what: String = "defaults", reader: inout YAMLReader
    ) -> [ToolClass: (decision: Decision, location: SourceLocation)] {
        var defaults: [ToolClass: (decision: Decision, location: SourceLocation)] = [:]
        let classes = ToolClass.allCases.map(\.rawValue)
        for (key, _, value) in reader.mapping(node, what, allowed: classes) ?? [] {
            guard let toolClass = ToolClass(rawValue: key),
                let word = reader.word(
                    value, "\(what).\(key)", allowed: Decision.allCases.map(\.rawValue), booleanHints: decisionHints),
                let decision = Decision(rawValue: word)
            else { continue }
            defaults[toolClass] = (decision, reader.location(value))
        }
        return defaults
    }

    static func parseUnlisted(_ node: Node, what: String = "unlisted", reader: inout YAMLReader) -> Policy.Unlisted {
        var unlisted = Policy.Unlisted()
        for (key, _, value) in reader.mapping(node, what, allowed: ["class", "decision"]) ?? [] {
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

    static func parseRules(_ node: Node, reader: inout YAMLReader) -> [PolicyRule] {
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
            case "approval":
                let approval = parseApproval(
                    value, what: "\(what).approval", allowed: ruleApprovalKeys, reader: &reader)
                rule.approval = approval.isEmpty ? nil : approval
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
}
