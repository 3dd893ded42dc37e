/// The calls read from one input file of `mcp-firewall test` or `policy diff`, with every problem found.
package struct ReplayInput: Sendable {
    /// The formats a replay input can be in.
    package enum Kind: String, Sendable, Hashable {
        /// A scenario file (YAML) with expected decisions.
        case scenarios
        /// Our audit log (JSONL).
        case auditLog = "audit log"
        /// A JSON log written by `mcp-audit-trail` 0.1.
        case auditTrail = "mcp-audit-trail log"
    }

    package var path: String
    package var kind: Kind
    package var calls: [RecordedCall]
    /// Problems found while reading, errors and warnings, with file:line:col.
    package var diagnostics: [PolicyDiagnostic]
    /// The policy a scenario file names, resolved against the scenario file's folder.
    package var policyPath: String?
    /// Where the scenario file names its policy.
    package var policyLocation: SourceLocation?

    package init(
        path: String, kind: Kind, calls: [RecordedCall] = [], diagnostics: [PolicyDiagnostic] = [],
        policyPath: String? = nil, policyLocation: SourceLocation? = nil
    ) {
        self.path = path
        self.kind = kind
        self.calls = calls
        self.diagnostics = diagnostics
        self.policyPath = policyPath
        self.policyLocation = policyLocation
    }

    /// Whether any diagnostic is an error.
    package var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Reads `bytes` in whichever format they are in.
    package static func read(_ bytes: [UInt8], path: String) -> ReplayInput {
        switch detect(bytes, path: path) {
        case .scenarios:
            guard let text = String(validating: bytes, as: UTF8.self) else {
                return ReplayInput(
                    path: path, kind: .scenarios,
                    diagnostics: [
                        PolicyDiagnostic(
                            .error, "the scenario file is not valid UTF-8",
                            at: SourceLocation(file: path, line: 1, column: 1))
                    ])
            }
            return ScenarioFile.read(text: text, path: path)
        case .auditLog:
            return AuditLogReader.read(bytes, path: path)
        case .auditTrail:
            return AuditTrailImporter.read(bytes, path: path)
        }
    }

    /// Whether a file found in a folder (not named by the user) is worth reading as an input: a YAML
    /// file with a top-level `scenarios:` line, a `.jsonl` file, or JSON that reads as one of the logs
    /// by content. A policy, a workflow or a client configuration lying next to the inputs is not.
    package static func isReplayInput(_ bytes: [UInt8], path: String) -> Bool {
        switch detect(bytes, path: path) {
        case .scenarios:
            let text = String(decoding: bytes, as: UTF8.self)
            return text.split(whereSeparator: \.isNewline).contains { $0.hasPrefix("scenarios:") }
        case .auditLog, .auditTrail:
            return path.lowercased().hasSuffix(".jsonl") || detect(bytes, path: "") != .scenarios
        }
    }

    /// The format of a file: by extension (`.yaml`/`.yml`, `.jsonl`), else by content.
    ///
    /// A JSON document whose top level has `events` is an `mcp-audit-trail` log; text whose first line
    /// is a JSON object is our audit log; anything else is read as a scenario file.
    package static func detect(_ bytes: [UInt8], path: String) -> Kind {
        let lowered = path.lowercased()
        if lowered.hasSuffix(".yaml") || lowered.hasSuffix(".yml") { return .scenarios }
        if lowered.hasSuffix(".jsonl") { return .auditLog }
        let start = bytes.firstIndex { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        guard let start, bytes[start] == UInt8(ascii: "{") else { return .scenarios }
        if let document = try? JSONParser.parse(bytes, rules: .document), document["events"] != nil {
            return .auditTrail
        }
        let firstLine = bytes[start...].prefix { $0 != UInt8(ascii: "\n") }
        if (try? JSONParser.parse(Array(firstLine), rules: .document))?["event"] != nil { return .auditLog }
        return lowered.hasSuffix(".json") ? .auditTrail : .scenarios
    }
}
