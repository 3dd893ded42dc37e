import Yams

extension PolicyLoader {
    /// The approval settings a mapping states (nil where it states nothing), with their locations.
    static func parseApproval(
        _ node: Node, what: String, allowed: [String] = approvalKeys, reader: inout YAMLReader
    ) -> ApprovalOverride {
        var approval = ApprovalOverride()
        for (key, _, value) in reader.mapping(node, what, allowed: allowed) ?? [] {
            approval.locations[key] = reader.location(value)
            switch key {
            case "channels":
                approval.channels = parseChannels(value, what: "\(what).channels", reader: &reader)
            case "race":
                approval.race = reader.bool(value, "\(what).race")
            case "timeout":
                approval.timeout = reader.duration(value, "\(what).timeout")
            case "on_timeout":
                approval.onTimeout = reader.word(
                    value, "\(what).on_timeout", allowed: ApprovalSettings.OnTimeout.allCases.map(\.rawValue),
                    booleanHints: decisionHints
                ).flatMap(ApprovalSettings.OnTimeout.init(rawValue:))
            case "unattended":
                approval.unattended = reader.word(
                    value, "\(what).unattended", allowed: Policy.Unattended.allCases.map(\.rawValue),
                    booleanHints: decisionHints
                ).flatMap(Policy.Unattended.init(rawValue:))
            case "remember":
                parseRemember(value, what: "\(what).remember", into: &approval, reader: &reader)
            case "command":
                approval.command = parseCommand(value, what: "\(what).command", reader: &reader)
            default:
                approval.webhook = parseWebhook(value, what: "\(what).webhook", reader: &reader)
            }
        }
        return approval
    }

    private static func parseChannels(
        _ node: Node, what: String, reader: inout YAMLReader
    ) -> [ApprovalSettings.Channel]? {
        guard let items = reader.stringList(node, what) else { return nil }
        var channels: [ApprovalSettings.Channel] = []
        for (_, item) in items {
            guard
                let word = reader.word(item, what, allowed: ApprovalSettings.Channel.allCases.map(\.rawValue)),
                let channel = ApprovalSettings.Channel(rawValue: word)
            else { continue }
            if channels.contains(channel) {
                reader.error("\(what) lists `\(word)` twice", at: item)
            }
            channels.append(channel)
        }
        if items.isEmpty {
            reader.error(
                "\(what) is empty", at: node,
                hint:
                    "list at least one of: \(ApprovalSettings.Channel.allCases.map(\.rawValue).joined(separator: ", ")); "
                    + "to never ask anyone, use `unattended:`")
        }
        return channels
    }

    /// `remember: never | session | 10m`, or `remember: {for: session | 10m, arguments: [path…]}`.
    private static func parseRemember(
        _ node: Node, what: String, into approval: inout ApprovalOverride, reader: inout YAMLReader
    ) {
        if case .mapping = node {
            for (key, _, value) in reader.mapping(node, what, allowed: ["for", "arguments"]) ?? [] {
                if key == "for" {
                    approval.remember = rememberDuration(value, what: "\(what).for", reader: &reader)
                } else {
                    approval.rememberArguments = (reader.stringList(value, "\(what).arguments") ?? []).map(\.0)
                }
            }
            if approval.remember == nil {
                reader.error("\(what) has no `for`", at: node, hint: "add `for: session` or a duration such as `10m`")
            }
            return
        }
        approval.remember = rememberDuration(node, what: what, reader: &reader)
    }

    private static func rememberDuration(
        _ node: Node, what: String, reader: inout YAMLReader
    ) -> ApprovalSettings.Remember? {
        if case .scalar(let scalar) = node {
            switch scalar.string {
            case "never": return .never
            case "session": return .session
            case let text where text.first?.isNumber == true:
                return reader.duration(node, what).map { .duration($0) }
            default: break
            }
        }
        reader.error(
            "\(what) must be `never`, `session` or a duration such as 10m", at: node,
            hint: YAMLReader.yaml11Booleans.contains(scalarText(node) ?? "") ? "YAML 1.1 reads this as a boolean" : nil)
        return nil
    }

    private static func parseCommand(
        _ node: Node, what: String, reader: inout YAMLReader
    ) -> ApprovalSettings.CommandHook? {
        guard let items = reader.stringList(node, what) else { return nil }
        let argv = items.map(\.0)
        guard let program = argv.first, !program.isEmpty else {
            reader.error("\(what) names no program", at: node, hint: "write it as a list: [/path/to/hook, --flag]")
            return nil
        }
        if case .scalar = node, program.contains(" ") {
            reader.error(
                "\(what) is one string with spaces; it is run without a shell", at: node,
                hint:
                    "write the program and its arguments as a list: [\(program.split(separator: " ").joined(separator: ", "))]"
            )
            return nil
        }
        return ApprovalSettings.CommandHook(argv: argv)
    }

    private static func parseWebhook(_ node: Node, what: String, reader: inout YAMLReader) -> ApprovalSettings.Webhook?
    {
        var url: String?
        var secret: String?
        var stated: Set<String> = []
        for (key, _, value) in reader.mapping(node, what, allowed: ["url", "secret_env"]) ?? [] {
            stated.insert(key)
            guard let text = reader.string(value, "\(what).\(key)") else { continue }
            if key == "url" {
                guard text.hasPrefix("https://") || text.hasPrefix("http://") else {
                    reader.error("\(what).url `\(text)` is not an http or https URL", at: value)
                    continue
                }
                url = text
            } else {
                guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                    reader.error(
                        "\(what).secret_env must name an environment variable", at: value,
                        hint: "the secret itself never goes in the policy: `secret_env: MCP_FIREWALL_WEBHOOK_SECRET`")
                    continue
                }
                secret = text
            }
        }
        let missing = ["url", "secret_env"].filter { !stated.contains($0) }
        if case .mapping = node, !missing.isEmpty {
            reader.error("\(what) needs `\(missing.joined(separator: "` and `"))`", at: node)
        }
        guard let url, let secret else { return nil }
        return ApprovalSettings.Webhook(url: url, secretEnvironmentVariable: secret)
    }

    private static func scalarText(_ node: Node) -> String? {
        if case .scalar(let scalar) = node { return scalar.string }
        return nil
    }
}
