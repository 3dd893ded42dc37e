import Yams

extension PolicyLoader {
    /// The keys of the top-level `audit:` block.
    static let auditKeys = ["redaction", "sinks"]
    static let redactionKeys = ["enabled", "mode", "hmac_key_env", "hmac_key_file", "keys", "patterns", "disable"]
    static let redactionPatternKeys = ["name", "regex"]

    /// Reads `audit:`: `redaction` and `sinks`.
    static func parseAudit(_ node: Node, into policy: inout Policy, reader: inout YAMLReader) {
        for (key, _, value) in reader.mapping(node, "audit", allowed: auditKeys) ?? [] {
            switch key {
            case "redaction": policy.audit.redaction = parseRedaction(value, reader: &reader)
            case "sinks": policy.auditSinks = parseAuditSinks(value, reader: &reader)
            default: break
            }
        }
    }

    /// Reads `audit.redaction:`, checking every name it gives: built-in rules to turn off, key entries,
    /// pattern names and regular expressions, and where an HMAC key comes from.
    static func parseRedaction(_ node: Node, reader: inout YAMLReader) -> RedactionSettings {
        let what = "audit.redaction"
        var settings = RedactionSettings()
        var modeNode: Node?
        var sources: [(RedactionSettings.KeySource, Node)] = []
        for (key, keyNode, value) in reader.mapping(node, what, allowed: redactionKeys) ?? [] {
            switch key {
            case "enabled":
                guard let enabled = reader.bool(value, "\(what).enabled") else { continue }
                settings.enabled = enabled
                settings.locations["enabled"] = reader.location(value)
                if !enabled {
                    reader.warning(
                        "audit redaction is off: passwords, tokens and keys in arguments and results are written to "
                            + "the audit log as sent", at: value,
                        hint: "remove `enabled: false` to redact the built-in key names and secret formats")
                }
            case "mode":
                let modes = RedactionSettings.Mode.allCases.map(\.rawValue)
                guard let word = reader.word(value, "\(what).mode", allowed: modes),
                    let mode = RedactionSettings.Mode(rawValue: word)
                else { continue }
                settings.mode = mode
                settings.locations["mode"] = reader.location(value)
                modeNode = value
            case "hmac_key_env":
                guard let name = reader.string(value, "\(what).hmac_key_env") else { continue }
                guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                    reader.error(
                        "\(what).hmac_key_env must name an environment variable", at: value,
                        hint: "the key itself never goes in the policy: `hmac_key_env: MCP_FIREWALL_REDACTION_KEY`")
                    continue
                }
                sources.append((.environment(name), keyNode))
            case "hmac_key_file":
                guard let file = reader.string(value, "\(what).hmac_key_file") else { continue }
                guard !file.isEmpty else {
                    reader.error("\(what).hmac_key_file is empty", at: value, hint: "name the file that holds the key")
                    continue
                }
                sources.append((.file(resolve(file, relativeTo: reader.file)), keyNode))
            case "keys":
                settings.keys = parseRedactionKeys(value, what: "\(what).keys", reader: &reader)
            case "patterns":
                settings.patterns = parseRedactionPatterns(value, what: "\(what).patterns", reader: &reader)
            default:
                settings.disabled = parseDisabledRules(value, what: "\(what).disable", reader: &reader)
                for name in settings.disabled { settings.locations["disable.\(name)"] = reader.location(value) }
            }
        }
        if sources.count > 1 {
            reader.error(
                "\(what) names two HMAC keys", at: sources[1].1,
                hint: "keep one of `hmac_key_env` and `hmac_key_file`")
        }
        settings.keySource = sources.first?.0
        if settings.mode == .hmac, settings.keySource == nil, let modeNode {
            reader.error(
                "\(what).mode is `hmac`, but no key is named", at: modeNode,
                hint: "add `hmac_key_env: MCP_FIREWALL_REDACTION_KEY` or `hmac_key_file: PATH`; "
                    + "the key itself never goes in the policy")
        }
        if settings.mode != .hmac, let (_, keyNode) = sources.first {
            reader.warning(
                "\(what) names an HMAC key, but the mode is `mask`: the key is not used", at: keyNode,
                hint: "add `mode: hmac` to write keyed hashes instead of masks")
        }
        return settings
    }

    /// The extra key names; each one a segment sequence or a glob, no two the same.
    private static func parseRedactionKeys(_ node: Node, what: String, reader: inout YAMLReader) -> [String] {
        var keys: [String] = []
        for (entry, item) in reader.stringList(node, what) ?? [] {
            if let problem = KeyNameRules.validate(entry) {
                reader.error("\(what): \(problem)", at: item)
                continue
            }
            if keys.contains(entry) {
                reader.error("\(what) lists `\(entry)` twice", at: item)
                continue
            }
            if !KeyNameRules.isGlob(entry), let builtIn = Redactor.standard.keyRule(for: entry) {
                reader.warning(
                    "\(what): `\(entry)` is already redacted by the built-in rule `\(builtIn)`", at: item,
                    hint: "remove it; keys are matched by whole segments, so `\(entry)` also covers longer names")
            }
            keys.append(entry)
        }
        return keys
    }

    /// `patterns:`, a list of `{name, regex}`: names unique and not a built-in rule's, each expression
    /// compiled here so that a bad one is an error at load, never a failure while writing the log.
    private static func parseRedactionPatterns(
        _ node: Node, what: String, reader: inout YAMLReader
    ) -> [RedactionSettings.Pattern] {
        guard case .sequence(let items) = node else {
            reader.error("\(what) must be a list", at: node, hint: "each entry is `- {name: NAME, regex: \"…\"}`")
            return []
        }
        var patterns: [RedactionSettings.Pattern] = []
        for (number, item) in items.enumerated() {
            let entry = "pattern \(number + 1) in \(what)"
            guard let pairs = reader.mapping(item, entry, allowed: redactionPatternKeys) else { continue }
            var name: String?
            var regex: PolicyRegex?
            var valid = true
            for (key, _, value) in pairs {
                guard let text = reader.string(value, "\(entry).\(key)") else {
                    valid = false
                    continue
                }
                if key == "name" {
                    guard let problem = patternNameProblem(text, taken: patterns.map(\.name)) else {
                        name = text
                        continue
                    }
                    reader.error("\(entry): \(problem)", at: value)
                    valid = false
                } else {
                    do {
                        let compiled = try PolicyRegex(text)
                        if compiled.matches("") {
                            reader.error(
                                "\(entry): the regular expression `\(text)` matches the empty string", at: value,
                                hint: "make it match at least one character (`+` rather than `*`)")
                            valid = false
                        }
                        regex = compiled
                    } catch {
                        reader.error("\(entry): invalid regular expression `\(text)`: \(error)", at: value)
                        valid = false
                    }
                }
            }
            let missing = redactionPatternKeys.filter { key in !pairs.contains { $0.key == key } }
            if !missing.isEmpty {
                reader.error("\(entry) needs `\(missing.joined(separator: "` and `"))`", at: item)
                continue
            }
            if valid, let name, let regex {
                patterns.append(RedactionSettings.Pattern(name: name, regex: regex, location: reader.location(item)))
            }
        }
        return patterns
    }

    private static func patternNameProblem(_ name: String, taken: [String]) -> String? {
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
        if name.isEmpty || !allowed {
            return "a pattern name is letters, digits, `_`, `-` and `.` (`\(name)` is not)"
        }
        if RedactionSettings.builtInRuleNames.contains(name) || name == "unreadable" {
            return "`\(name)` is the name of a built-in rule; pick another"
        }
        if taken.contains(name) { return "two patterns are named `\(name)`" }
        return nil
    }

    /// `disable:`: built-in rules by exact name, each checked.
    private static func parseDisabledRules(_ node: Node, what: String, reader: inout YAMLReader) -> [String] {
        var disabled: [String] = []
        let names = RedactionSettings.builtInRuleNames
        for (name, item) in reader.stringList(node, what) ?? [] {
            guard names.contains(name) else {
                let hint =
                    YAMLReader.suggestion(for: name, among: names).map { "did you mean `\($0)`?" }
                    ?? "built-in rules: \(names.joined(separator: ", "))"
                reader.error("\(what): `\(name)` is not a built-in redaction rule", at: item, hint: hint)
                continue
            }
            if disabled.contains(name) {
                reader.error("\(what) lists `\(name)` twice", at: item)
                continue
            }
            disabled.append(name)
        }
        return disabled
    }
}
