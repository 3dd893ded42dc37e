import Yams

extension PolicyLoader {
    static let httpSinkKeys = [
        "url", "name", "format", "secret_env", "headers", "on_sink_failure", "timeout", "allow_plain_http", "batch",
    ]
    static let stderrSinkKeys = ["stderr", "name", "on_sink_failure"]

    /// `audit.sinks`: a list of `{url: https://…, …}` and `{stderr: text|json}` entries.
    static func parseAuditSinks(_ node: Node, reader: inout YAMLReader) -> [AuditSinkSettings] {
        guard case .sequence(let sequence) = node else {
            reader.error(
                "audit.sinks must be a list", at: node,
                hint: "each entry starts with `- url: https://…` or `- stderr: text`")
            return []
        }
        var sinks: [AuditSinkSettings] = []
        for (index, item) in sequence.enumerated() {
            guard let sink = parseAuditSink(item, what: "audit.sinks[\(index + 1)]", reader: &reader) else { continue }
            if sinks.contains(where: { $0.name == sink.name }) {
                reader.error(
                    "two audit sinks are named `\(sink.name)`", at: item,
                    hint: "give one a different `name:`: the name picks the sink's cursor file")
                continue
            }
            sinks.append(sink)
        }
        return sinks
    }

    private static func parseAuditSink(_ node: Node, what: String, reader: inout YAMLReader) -> AuditSinkSettings? {
        guard case .mapping(let mapping) = node else {
            reader.error("\(what) must be a mapping such as `{url: https://…}`", at: node)
            return nil
        }
        let keys = Set(
            mapping.keys.compactMap { key -> String? in if case .scalar(let s) = key { s.string } else { nil } })
        let isStderr = keys.contains("stderr")
        guard isStderr != keys.contains("url") else {
            reader.error(
                "\(what) needs exactly one of `url` (an HTTP collector) or `stderr` (text or json)", at: node)
            return nil
        }
        let pairs = reader.mapping(node, what, allowed: isStderr ? stderrSinkKeys : httpSinkKeys) ?? []
        var http = AuditSinkSettings.HTTP(url: "")
        var stderrFormat = AuditSinkSettings.StderrFormat.text
        var name: String?
        var onFailure = AuditSinkSettings.OnFailure.continue
        var batch = (records: 500, bytes: 1 << 20)
        var valid = true
        for (key, _, value) in pairs {
            switch key {
            case "url":
                guard let url = reader.string(value, "\(what).url") else {
                    valid = false
                    continue
                }
                http.url = url
            case "stderr":
                let word = reader.word(
                    value, "\(what).stderr", allowed: AuditSinkSettings.StderrFormat.allCases.map(\.rawValue))
                if let format = word.flatMap(AuditSinkSettings.StderrFormat.init(rawValue:)) {
                    stderrFormat = format
                } else {
                    valid = false
                }
            case "name":
                guard let text = reader.string(value, "\(what).name"), AuditSinkSettings.isValidName(text) else {
                    if case .scalar = value {
                        reader.error(
                            "\(what).name must be 1 to 64 of a-z, 0-9, `.`, `_` and `-`", at: value,
                            hint: "it names the sink's cursor file")
                    }
                    valid = false
                    continue
                }
                name = text
            case "format":
                let word = reader.word(
                    value, "\(what).format", allowed: AuditSinkSettings.BodyFormat.allCases.map(\.rawValue))
                if let format = word.flatMap(AuditSinkSettings.BodyFormat.init(rawValue:)) {
                    http.format = format
                } else {
                    valid = false
                }
            case "secret_env":
                guard let variable = environmentVariable(value, what: "\(what).secret_env", reader: &reader) else {
                    valid = false
                    continue
                }
                http.secretEnvironmentVariable = variable
            case "headers":
                guard let headers = parseSinkHeaders(value, what: "\(what).headers", reader: &reader) else {
                    valid = false
                    continue
                }
                http.headers = headers
            case "on_sink_failure":
                let word = reader.word(
                    value, "\(what).on_sink_failure", allowed: AuditSinkSettings.OnFailure.allCases.map(\.rawValue),
                    booleanHints: ["no": "deny", "off": "deny", "false": "deny"])
                if let choice = word.flatMap(AuditSinkSettings.OnFailure.init(rawValue:)) {
                    onFailure = choice
                } else {
                    valid = false
                }
            case "timeout":
                if let timeout = reader.duration(value, "\(what).timeout") {
                    http.timeout = timeout
                } else {
                    valid = false
                }
            case "allow_plain_http":
                http.allowPlainHTTP = reader.bool(value, "\(what).allow_plain_http") ?? false
            default:
                for (limit, _, amount) in reader.mapping(value, "\(what).batch", allowed: ["records", "bytes"]) ?? [] {
                    guard let count = reader.int(amount, "\(what).batch.\(limit)"), count > 0 else {
                        valid = false
                        continue
                    }
                    if limit == "records" { batch.records = count } else { batch.bytes = count }
                }
            }
        }
        guard valid else { return nil }
        let target: AuditSinkSettings.Target
        if isStderr {
            target = .stderr(stderrFormat)
        } else {
            do {
                try AuditSinkSettings.check(http)
            } catch {
                reader.error(error.message, at: node)
                return nil
            }
            target = .http(http)
        }
        return AuditSinkSettings(
            name: name, target: target, onFailure: onFailure, batchRecords: batch.records, batchBytes: batch.bytes,
            location: reader.location(node))
    }

    /// `headers: {X-Tenant: acme, Authorization: {env: COLLECTOR_TOKEN}}`: secrets come from the
    /// environment, never the policy.
    private static func parseSinkHeaders(
        _ node: Node, what: String, reader: inout YAMLReader
    ) -> [AuditSinkSettings.Header]? {
        var headers: [AuditSinkSettings.Header] = []
        var valid = true
        let reserved = ["content-type", "content-length", "idempotency-key", "host"]
        for (name, keyNode, value) in reader.mapping(node, what, allowed: nil) ?? [] {
            let lowered = name.lowercased()
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }),
                !reserved.contains(lowered), !lowered.hasPrefix("x-mcp-firewall-")
            else {
                reader.error(
                    "\(what) cannot set `\(name)`", at: keyNode,
                    hint:
                        "the sink sets Content-Type, Idempotency-Key and the X-MCP-Firewall-* signature headers itself")
                valid = false
                continue
            }
            if case .mapping = value {
                var variable: String?
                for (_, _, envNode) in reader.mapping(value, "\(what).\(name)", allowed: ["env"]) ?? [] {
                    variable = environmentVariable(envNode, what: "\(what).\(name).env", reader: &reader)
                }
                guard let variable else {
                    valid = false
                    continue
                }
                headers.append(.init(name: name, value: .environment(variable)))
            } else if let text = reader.string(value, "\(what).\(name)") {
                if ["authorization", "proxy-authorization", "cookie"].contains(lowered) || lowered.contains("token")
                    || lowered.contains("key")
                {
                    reader.error(
                        "\(what).\(name) looks like a secret written in the policy", at: value,
                        hint: "read it from the environment: `\(name): {env: COLLECTOR_TOKEN}`")
                    valid = false
                    continue
                }
                headers.append(.init(name: name, value: .literal(text)))
            } else {
                valid = false
            }
        }
        return valid ? headers : nil
    }

    private static func environmentVariable(_ node: Node, what: String, reader: inout YAMLReader) -> String? {
        guard let text = reader.string(node, what) else { return nil }
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            reader.error(
                "\(what) must name an environment variable", at: node,
                hint: "the secret itself never goes in the policy: `secret_env: MCP_FIREWALL_AUDIT_SINK_SECRET`")
            return nil
        }
        return text
    }
}
