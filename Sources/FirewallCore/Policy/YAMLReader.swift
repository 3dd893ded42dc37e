import Yams

/// Typed, position-aware reads of a composed YAML tree, collecting diagnostics instead of throwing.
///
/// Yams ignores unknown keys and resolves YAML 1.1 words such as `no` and `on` to booleans; this
/// reader rejects both, so a policy never means something its author did not write.
struct YAMLReader {
    let file: String
    private(set) var diagnostics: [PolicyDiagnostic] = []

    init(file: String) {
        self.file = file
    }

    /// Plain scalars YAML 1.1 reads as booleans.
    static let yaml11Booleans: Set<String> = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE",
        "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
    ]

    func location(_ node: Node) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    mutating func error(_ message: String, at node: Node, hint: String? = nil) {
        diagnostics.append(PolicyDiagnostic(.error, message, at: location(node), hint: hint))
    }

    mutating func warning(_ message: String, at node: Node, hint: String? = nil) {
        diagnostics.append(PolicyDiagnostic(.warning, message, at: location(node), hint: hint))
    }

    mutating func append(_ diagnostic: PolicyDiagnostic) {
        diagnostics.append(diagnostic)
    }

    /// The pairs of a mapping with string keys, reporting keys outside `allowed`.
    mutating func mapping(
        _ node: Node, _ what: String, allowed: [String]?
    ) -> [(key: String, keyNode: Node, value: Node)]? {
        guard case .mapping(let mapping) = node else {
            error("\(what) must be a mapping, found \(Self.kind(of: node))", at: node)
            return nil
        }
        var pairs: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                error("keys in \(what) must be plain strings", at: keyNode)
                continue
            }
            let key = scalar.string
            if let allowed, !allowed.contains(key) {
                error(
                    "unknown key `\(key)` in \(what)", at: keyNode,
                    hint: Self.suggestion(for: key, among: allowed).map { "did you mean `\($0)`?" }
                        ?? "expected one of: \(allowed.joined(separator: ", "))"
                )
                continue
            }
            pairs.append((key, keyNode, value))
        }
        return pairs
    }

    /// A string scalar; YAML 1.1 booleans and non-scalars are errors.
    mutating func string(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let scalar) = node else {
            error("\(what) must be a string, found \(Self.kind(of: node))", at: node)
            return nil
        }
        if scalar.style == .plain, Self.yaml11Booleans.contains(scalar.string) {
            error(
                "\(what) is `\(scalar.string)`, which YAML 1.1 reads as a boolean", at: node,
                hint: "quote it: \"\(scalar.string)\"")
            return nil
        }
        return scalar.string
    }

    /// One of `allowed`, with a hint for near misses and for YAML 1.1 booleans.
    mutating func word(_ node: Node, _ what: String, allowed: [String], booleanHints: [String: String] = [:]) -> String?
    {
        guard case .scalar(let scalar) = node else {
            error("\(what) must be one of \(allowed.joined(separator: ", ")), found \(Self.kind(of: node))", at: node)
            return nil
        }
        let text = scalar.string
        if scalar.style == .plain, Self.yaml11Booleans.contains(text) {
            let hint =
                booleanHints[text.lowercased()].map { "did you mean `\($0)`?" }
                ?? "expected one of: \(allowed.joined(separator: ", "))"
            error("\(what) is `\(text)`, which YAML 1.1 reads as a boolean, not a word", at: node, hint: hint)
            return nil
        }
        guard allowed.contains(text) else {
            error(
                "\(what) `\(text)` is not one of \(allowed.joined(separator: ", "))", at: node,
                hint: Self.suggestion(for: text, among: allowed).map { "did you mean `\($0)`?" }
            )
            return nil
        }
        return text
    }

    /// An integer scalar.
    mutating func int(_ node: Node, _ what: String) -> Int? {
        guard case .scalar(let scalar) = node, scalar.style == .plain, let value = Int(scalar.string) else {
            error("\(what) must be an integer", at: node)
            return nil
        }
        return value
    }

    /// A number scalar (integer or decimal).
    mutating func number(_ node: Node, _ what: String) -> ExactNumber? {
        guard case .scalar(let scalar) = node, scalar.style == .plain,
            let value = ExactNumber(scalar.string) ?? Double(scalar.string).flatMap(ExactNumber.init)
        else {
            error("\(what) must be a number", at: node)
            return nil
        }
        return value
    }

    /// `true` or `false` (YAML 1.2 spelling only).
    mutating func bool(_ node: Node, _ what: String) -> Bool? {
        guard case .scalar(let scalar) = node, scalar.style == .plain, ["true", "false"].contains(scalar.string) else {
            error("\(what) must be true or false", at: node)
            return nil
        }
        return scalar.string == "true"
    }

    /// A duration: `120s`, `2m`, `1h`, `500ms`, or a whole number of seconds.
    mutating func duration(_ node: Node, _ what: String) -> Duration? {
        guard case .scalar(let scalar) = node else {
            error("\(what) must be a duration such as 120s or 2m", at: node)
            return nil
        }
        let text = scalar.string
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        for (suffix, millis) in units where text.hasSuffix(suffix) {
            if let count = Int64(text.dropLast(suffix.count)), count > 0 {
                let (total, overflow) = count.multipliedReportingOverflow(by: millis)
                if !overflow { return .milliseconds(total) }
            }
        }
        if let seconds = Int64(text), seconds > 0 { return .seconds(seconds) }
        error("\(what) `\(text)` is not a positive duration", at: node, hint: "write it as 120s, 2m, 1h or 500ms")
        return nil
    }

    /// A string or a list of strings.
    mutating func stringList(_ node: Node, _ what: String) -> [(String, Node)]? {
        switch node {
        case .scalar:
            return string(node, what).map { [($0, node)] }
        case .sequence(let sequence):
            var items: [(String, Node)] = []
            var allValid = true
            for item in sequence {
                if let text = string(item, "each entry of \(what)") {
                    items.append((text, item))
                } else {
                    allValid = false
                }
            }
            return allValid ? items : nil
        default:
            error("\(what) must be a string or a list of strings", at: node)
            return nil
        }
    }

    /// Converts a YAML value to JSON for comparisons: plain numbers, `true`/`false` and `null` keep their
    /// JSON types; quoted scalars are strings; YAML 1.1 booleans other than true/false are errors.
    mutating func jsonValue(_ node: Node, _ what: String) -> JSONValue? {
        switch node {
        case .scalar(let scalar):
            let text = scalar.string
            guard scalar.style == .plain else { return .string(text) }
            if text == "true" || text == "false" { return .bool(text == "true") }
            if Self.yaml11Booleans.contains(text) {
                error(
                    "\(what) is `\(text)`, which YAML 1.1 reads as a boolean", at: node,
                    hint: "write true/false, or quote it")
                return nil
            }
            if text == "null" || text == "~" { return .null }
            if let number = Double(text), number.isFinite, text.first.map({ $0.isNumber || $0 == "-" }) == true {
                return .number(text)
            }
            return .string(text)
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for item in sequence {
                guard let value = jsonValue(item, what) else { return nil }
                items.append(value)
            }
            return .array(items)
        case .mapping(let mapping):
            var members: [JSONValue.Member] = []
            for (key, value) in mapping {
                guard let converted = jsonValue(value, what) else { return nil }
                members.append(JSONValue.Member(key.string ?? "", converted))
            }
            return .object(members)
        case .alias:
            error("\(what) cannot be an alias", at: node)
            return nil
        }
    }

    static func kind(of node: Node) -> String {
        switch node {
        case .scalar(let scalar): "`\(scalar.string)`"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// The closest candidate by edit distance, when it is close enough to be a likely typo.
    static func suggestion(for text: String, among candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(text.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        return best.1 <= max(2, best.0.count / 3) ? best.0 : nil
    }

    static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let a = Array(lhs)
        let b = Array(rhs)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
