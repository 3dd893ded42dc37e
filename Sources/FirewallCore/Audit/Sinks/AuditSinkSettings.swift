import Crypto

/// One place the audit log is shipped to besides its file, as `--audit-sink` or the policy's
/// `audit.sinks` states it.
///
/// The file stays the record of truth: a sink reads the lines the writer made durable, from a cursor
/// of its own, and ships their exact bytes. It never delays a call; with `onFailure: .deny` it can
/// refuse them while it is failing.
package struct AuditSinkSettings: Sendable, Equatable {
    /// Where the lines go.
    package enum Target: Sendable, Equatable {
        /// The proxy's stderr, for watching a session live.
        case stderr(StderrFormat)
        /// An HTTP(S) collector.
        case http(HTTP)
    }

    /// How the stderr sink prints a record.
    package enum StderrFormat: String, Sendable, CaseIterable {
        /// One readable line per record (`AuditLineFormatter`).
        case text
        /// The record's exact line.
        case json
    }

    /// What an HTTP sink's request body holds.
    package enum BodyFormat: String, Sendable, CaseIterable {
        /// The exact lines of the log, `application/x-ndjson`.
        case ndjson
        /// Each record as a lokryn compliance-log-schema `LogRequest` in JSON, one per line.
        case lokryn
    }

    /// What a failing sink does to calls.
    package enum OnFailure: String, Sendable, CaseIterable, Comparable {
        /// Calls go on; the sink keeps retrying and warns.
        case `continue`
        /// Calls are denied, naming the sink, until it delivers again.
        case deny

        package static func < (lhs: OnFailure, rhs: OnFailure) -> Bool { lhs == .continue && rhs == .deny }
    }

    /// A header an HTTP sink sends with every request.
    package struct Header: Sendable, Equatable {
        package enum Value: Sendable, Equatable {
            /// Written in the policy (never a secret).
            case literal(String)
            /// Read from this environment variable at start (a token).
            case environment(String)
        }

        package var name: String
        package var value: Value

        package init(name: String, value: Value) {
            self.name = name
            self.value = value
        }
    }

    /// An HTTP collector's address and how to talk to it.
    package struct HTTP: Sendable, Equatable {
        /// The variable an HTTP sink's HMAC key comes from when the policy names none.
        package static let defaultSecretVariable = "MCP_FIREWALL_AUDIT_SINK_SECRET"

        package var url: String
        package var format: BodyFormat
        /// The environment variable holding the HMAC key.
        package var secretEnvironmentVariable: String
        package var headers: [Header]
        /// `http://` to a host other than the loopback is refused unless this is set.
        package var allowPlainHTTP: Bool
        /// How long one request may take, connection included.
        package var timeout: Duration

        package init(
            url: String, format: BodyFormat = .ndjson, secretEnvironmentVariable: String = defaultSecretVariable,
            headers: [Header] = [], allowPlainHTTP: Bool = false, timeout: Duration = .seconds(10)
        ) {
            self.url = url
            self.format = format
            self.secretEnvironmentVariable = secretEnvironmentVariable
            self.headers = headers
            self.allowPlainHTTP = allowPlainHTTP
            self.timeout = timeout
        }
    }

    /// Names the sink in logs, denials and its cursor file (`<log>.sink-<name>.cursor`).
    package var name: String
    package var target: Target
    package var onFailure: OnFailure
    /// Most records in one delivery.
    package var batchRecords: Int
    /// Most bytes in one delivery (a longer record goes alone).
    package var batchBytes: Int
    /// Where the policy states it; nil for `--audit-sink`.
    package var location: SourceLocation?

    package init(
        name: String? = nil, target: Target, onFailure: OnFailure = .continue, batchRecords: Int = 500,
        batchBytes: Int = 1 << 20, location: SourceLocation? = nil
    ) {
        self.name = name ?? Self.defaultName(for: target)
        self.target = target
        self.onFailure = onFailure
        self.batchRecords = batchRecords
        self.batchBytes = batchBytes
        self.location = location
    }

    /// Whether the sink keeps a cursor across runs (everything is delivered once), or only shows what
    /// this run writes (stderr).
    package var resumes: Bool {
        if case .http = target { return true }
        return false
    }

    /// `stderr`, or the collector's host and a digest of its URL (`collector.example.com-1a2b3c4d`), so
    /// two sinks never share a cursor and the same URL always finds its own.
    package static func defaultName(for target: Target) -> String {
        switch target {
        case .stderr: return "stderr"
        case .http(let http):
            let host = SinkURL(http.url).map(\.host) ?? "http"
            let digest = Array(SHA256.hash(data: Array(http.url.utf8))).prefix(4).hexString
            return sanitizedName(host) + "-" + digest
        }
    }

    /// `text` with every character outside `[a-z0-9._-]` turned into `-`.
    package static func sanitizedName(_ text: String) -> String {
        String(
            text.lowercased().map { character in
                character.isASCII && (character.isLetter || character.isNumber || "._-".contains(character))
                    ? character : "-"
            })
    }

    /// Whether `name` may name a sink (and so a file): `[a-z0-9._-]`, 1 to 64 characters, not `.` or `..`.
    package static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name != "." && name != ".." && sanitizedName(name) == name
    }
}

extension AuditSinkSettings {
    /// The sinks of two policy layers: all of them; a sink both name keeps the first layer's target and
    /// the stricter `on_sink_failure` (no layer can loosen another).
    package static func merging(_ base: [AuditSinkSettings], _ layer: [AuditSinkSettings]) -> [AuditSinkSettings] {
        var merged = base
        for sink in layer {
            if let index = merged.firstIndex(where: { $0.name == sink.name }) {
                merged[index].onFailure = max(merged[index].onFailure, sink.onFailure)
            } else {
                merged.append(sink)
            }
        }
        return merged
    }
}
