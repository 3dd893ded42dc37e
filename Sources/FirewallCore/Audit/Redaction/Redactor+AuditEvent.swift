extension Redactor {
    /// `event` as the audit log stores it, when anything in it must be redacted: message and rejection
    /// payloads (or a truncated payload's prefix), a decision's arguments, a remembered grant's bound
    /// values and the server command line; with where, as JSON Pointers into the record. Nil (and no
    /// copy of the event) when nothing is.
    package func redacted(_ event: AuditEvent) -> (event: AuditEvent, redactions: AuditRedactions)? {
        guard hasRules else { return nil }
        var redactions = AuditRedactions()
        switch event {
        case .message(let message):
            guard let payload = redact(message.payload, into: &redactions) else { return nil }
            var copy = message
            copy.payload = payload
            return (.message(copy), redactions)
        case .rejection(let rejection):
            guard let payload = redact(rejection.payload, into: &redactions) else { return nil }
            var copy = rejection
            copy.payload = payload
            return (.rejection(copy), redactions)
        case .decision(let decision):
            let arguments = decision.arguments
            let result = arguments.storage.withUnsafeBufferPointer {
                redact(json: UnsafeBufferPointer(rebasing: $0[arguments.range]))
            }
            var grant = decision.approval?.grantCreated
            let grantChanged = grant != nil && redact(&grant!, into: &redactions)
            guard result != nil || grantChanged else { return nil }
            var copy = decision
            if let result {
                copy.arguments = JSONSlice(result.bytes, range: 0..<result.bytes.count)
                // The arguments come first in the record.
                var first = AuditRedactions()
                first.add(result.findings, omitted: result.omitted, under: "/arguments")
                first.append(contentsOf: redactions)
                redactions = first
            }
            if grantChanged { copy.approval?.grantCreated = grant }
            return (.decision(copy), redactions)
        case .sessionStart(let start):
            var argv = start.serverArgv
            guard redact(argv: &argv, into: &redactions) else { return nil }
            var copy = start
            copy.serverArgv = argv
            return (.sessionStart(copy), redactions)
        default:
            return nil
        }
    }

    private func redact(_ original: AuditPayload, into redactions: inout AuditRedactions) -> AuditPayload? {
        var payload = original
        switch original.content {
        case .json(let bytes):
            guard let result = redact(json: bytes) else { return nil }
            payload.content = .json(result.bytes)
            redactions.add(result.findings, omitted: result.omitted, under: "/payload")
        case .truncated(let prefix, _):
            guard let result = redact(text: prefix) else { return nil }
            // The digest of the bytes as received goes too: with the rest of a short message in the prefix,
            // it would confirm a guess of the secret.
            payload.content = .truncated(prefix: result.text, sha256: "")
            redactions.add(result.findings, omitted: result.omitted, within: "/payload_prefix")
        case .dropped:
            return nil
        }
        return payload
    }

    /// A grant's bound values: whole when a component of the argument's path is a sensitive key name,
    /// else by the value rules. True when something changed.
    private func redact(_ grant: inout ApprovalGrant, into redactions: inout AuditRedactions) -> Bool {
        var changed = false
        for (position, (path, value)) in grant.boundArguments.enumerated() {
            guard let value else { continue }
            let field = "/approval/grant/arguments/" + AuditRedactions.escape(path)
            if let rule = path.split(separator: ".").lazy.compactMap({ self.keyRule(for: String($0)) }).last {
                if case .bool = value { continue }
                if case .null = value { continue }
                if case .string(let text) = value, text.isEmpty { continue }
                let marker = JSONSlice(value).storage.withUnsafeBufferPointer { bytes in
                    if case .string(let text) = value {
                        return Array(text.utf8).withUnsafeBufferPointer { markerText(rule: rule, value: $0) }
                    }
                    return markerText(rule: rule, value: bytes)
                }
                grant.boundArguments[position].1 = .string(String(decoding: marker, as: UTF8.self))
                redactions.add([RedactionFinding(path: "", rule: rule)], omitted: 0, under: field)
                changed = true
                continue
            }
            guard let result = redact(json: JSONSlice(value).storage),
                let redacted = try? JSONParser.parse(result.bytes, rules: .structureOnly)
            else { continue }
            grant.boundArguments[position].1 = redacted
            redactions.add(result.findings, omitted: result.omitted, under: field)
            changed = true
        }
        return changed
    }

    /// The server command line: the value of a flag whose name is a sensitive key (`--api-key=…`,
    /// `--token …`, `GITHUB_TOKEN=…`) goes whole, and every argument is scanned for secret formats.
    private func redact(argv: inout [String], into redactions: inout AuditRedactions) -> Bool {
        var changed = false
        var pending: String?
        for position in argv.indices {
            let argument = argv[position]
            let field = "/server/argv/\(position)"
            func replace(_ value: Substring, rule: String, keeping head: Substring) {
                let marker = Array(value.utf8).withUnsafeBufferPointer { markerText(rule: rule, value: $0) }
                argv[position] = head + String(decoding: marker, as: UTF8.self)
                redactions.add([RedactionFinding(path: "", rule: rule)], omitted: 0, under: field)
                changed = true
            }
            if let rule = pending, !argument.hasPrefix("-"), !argument.isEmpty {
                pending = nil
                replace(argument[...], rule: rule, keeping: "")
                continue
            }
            pending = nil
            let name = argument.drop { $0 == "-" }
            let flag = name.count < argument.count
            if let equals = name.firstIndex(of: "="), flag || Self.isVariableName(name[..<equals]) {
                if let rule = keyRule(for: String(name[..<equals])), equals < name.endIndex,
                    name.index(after: equals) < name.endIndex
                {
                    replace(name[name.index(after: equals)...], rule: rule, keeping: argument[...equals])
                    continue
                }
            } else if flag, !name.isEmpty, let rule = keyRule(for: String(name)) {
                pending = rule
                continue
            }
            if let result = redact(text: argument) {
                argv[position] = result.text
                redactions.add(result.findings, omitted: result.omitted, within: field)
                changed = true
            }
        }
        return changed
    }

    private static func isVariableName(_ text: Substring) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}
