import Yams

/// Reads a scenario file: calls written by hand, each with the decision the policy must reach.
///
/// ```yaml
/// version: 1
/// policy: ../policies/hr-example.yaml     # optional, relative to this file
/// scenarios:
///   - name: reading an employee is allowed
///     tool: get_employee
///     arguments: {employee_id: E-1001}
///     annotations: {readOnlyHint: true}    # optional
///     environment: ci                       # optional
///     expect: allow                         # allow | confirm | deny: the policy's decision
///     expect_class: read                    # optional
/// ```
///
/// Loading is as strict as a policy's: unknown keys, YAML 1.1 booleans where a word is expected,
/// duplicate keys and duplicate scenario names are errors with file:line:col, all collected.
package enum ScenarioFile {
    static let topLevelKeys = ["version", "description", "policy", "scenarios"]
    static let scenarioKeys = ["name", "tool", "arguments", "annotations", "environment", "expect", "expect_class"]
    static let annotationKeys = ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"]

    /// Parses a scenario file's text; `path` names it in locations and resolves its `policy:`.
    package static func read(text: String, path: String) -> ReplayInput {
        var reader = YAMLReader(file: path)
        var input = ReplayInput(path: path, kind: .scenarios)
        parse(text: text, into: &input, reader: &reader)
        input.diagnostics = reader.diagnostics
        return input
    }

    /// `policy` relative to the folder of `file`, with `.` and `..` components folded away.
    package static func resolve(_ policy: String, relativeTo file: String) -> String {
        guard !policy.hasPrefix("/") else { return policy }
        let folder = file.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let joined = folder.isEmpty ? policy : folder + "/" + policy
        var parts: [Substring] = []
        for part in joined.split(separator: "/", omittingEmptySubsequences: false) {
            if part == "." || (part.isEmpty && !parts.isEmpty) { continue }
            if part == "..", let last = parts.last, last != "..", !last.isEmpty {
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    private static func parse(text: String, into input: inout ReplayInput, reader: inout YAMLReader) {
        let start = SourceLocation(file: input.path, line: 1, column: 1)
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else {
                reader.append(
                    PolicyDiagnostic(.error, "the scenario file is empty", at: start, hint: "start with `version: 1`"))
                return
            }
            root = composed
        } catch {
            reader.append(YAMLReader.syntaxDiagnostic(error, path: input.path, document: "the scenario file"))
            return
        }
        guard let pairs = reader.mapping(root, "the scenario file", allowed: topLevelKeys) else { return }
        var sawVersion = false
        var sawScenarios = false
        for (key, _, value) in pairs {
            switch key {
            case "version":
                sawVersion = true
                if let version = reader.int(value, "version"), version != 1 {
                    reader.error(
                        "scenario file version \(version) is not supported", at: value,
                        hint: "this mcp-firewall reads version 1")
                }
            case "description":
                _ = reader.string(value, "description")
            case "policy":
                if let policy = reader.string(value, "policy"), !policy.isEmpty {
                    input.policyPath = resolve(policy, relativeTo: input.path)
                    input.policyLocation = reader.location(value)
                }
            default:
                sawScenarios = true
                input.calls = parseScenarios(value, reader: &reader)
            }
        }
        if !sawVersion {
            reader.error("the scenario file has no `version`", at: root, hint: "add `version: 1` at the top")
        }
        if !sawScenarios {
            reader.error("the scenario file has no `scenarios`", at: root, hint: "add `scenarios:` with a list")
        } else if input.calls.isEmpty, !reader.diagnostics.contains(where: { $0.severity == .error }) {
            reader.warning("the scenario file has no scenarios", at: root)
        }
    }

    private static func parseScenarios(_ node: Node, reader: inout YAMLReader) -> [RecordedCall] {
        guard case .sequence(let sequence) = node else {
            reader.error("scenarios must be a list", at: node, hint: "each entry starts with `- name: …`")
            return []
        }
        var calls: [RecordedCall] = []
        var seen: [String: SourceLocation] = [:]
        for (index, item) in sequence.enumerated() {
            guard let call = parseScenario(item, number: index + 1, reader: &reader) else { continue }
            if let first = seen[call.name] {
                reader.error(
                    "scenario name `\(call.name)` is used twice", at: item,
                    hint: "the first is at line \(first.line); names identify results in reports")
                continue
            }
            seen[call.name] = call.location
            calls.append(call)
        }
        return calls
    }

    private static func parseScenario(_ node: Node, number: Int, reader: inout YAMLReader) -> RecordedCall? {
        let what = "scenario \(number)"
        guard let pairs = reader.mapping(node, what, allowed: scenarioKeys) else { return nil }
        let errorsBefore = reader.diagnostics.count { $0.severity == .error }
        var name: String?
        var tool: String?
        var arguments = JSONValue.object([])
        var annotations: ToolAnnotations?
        var environment: String?
        var expected: Decision?
        var expectedClass: ToolClass?
        for (key, _, value) in pairs {
            switch key {
            case "name": name = nonEmpty(reader.string(value, "name"), value, "name", reader: &reader)
            case "tool": tool = nonEmpty(reader.string(value, "tool"), value, "tool", reader: &reader)
            case "arguments":
                guard case .mapping = value else {
                    reader.error("arguments must be a mapping", at: value, hint: "write `arguments: {key: value}`")
                    continue
                }
                arguments = reader.jsonValue(value, "arguments") ?? arguments
            case "annotations": annotations = parseAnnotations(value, reader: &reader)
            case "environment":
                environment = nonEmpty(reader.string(value, "environment"), value, "environment", reader: &reader)
            case "expect":
                expected = reader.word(
                    value, "expect", allowed: Decision.allCases.map(\.rawValue),
                    booleanHints: PolicyLoader.decisionHints
                ).flatMap(Decision.init(rawValue:))
            default:
                expectedClass = reader.word(value, "expect_class", allowed: ToolClass.allCases.map(\.rawValue))
                    .flatMap(ToolClass.init(rawValue:))
            }
        }
        let keys = Set(pairs.map(\.key))
        for required in ["name", "tool", "expect"] where !keys.contains(required) {
            reader.error("\(what) has no `\(required)`", at: node)
        }
        guard reader.diagnostics.count(where: { $0.severity == .error }) == errorsBefore,
            let name, let tool, let expected
        else { return nil }
        return RecordedCall(
            origin: .scenario(name: name), location: reader.location(node), tool: tool, arguments: arguments,
            annotations: annotations, environment: environment,
            expectation: RecordedCall.Expectation(decision: expected, toolClass: expectedClass))
    }

    private static func parseAnnotations(_ node: Node, reader: inout YAMLReader) -> ToolAnnotations? {
        guard let pairs = reader.mapping(node, "annotations", allowed: annotationKeys) else { return nil }
        var annotations = ToolAnnotations()
        for (key, _, value) in pairs {
            let flag = reader.bool(value, "annotations.\(key)")
            switch key {
            case "readOnlyHint": annotations.readOnlyHint = flag
            case "destructiveHint": annotations.destructiveHint = flag
            case "idempotentHint": annotations.idempotentHint = flag
            default: annotations.openWorldHint = flag
            }
        }
        return annotations
    }

    private static func nonEmpty(_ text: String?, _ node: Node, _ what: String, reader: inout YAMLReader) -> String? {
        guard let text else { return nil }
        if text.isEmpty { reader.error("\(what) is empty", at: node) }
        return text.isEmpty ? nil : text
    }
}
