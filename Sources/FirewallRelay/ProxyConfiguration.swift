import FirewallCore

/// Everything `mcp-firewall proxy` needs to run, with defaults for every tunable.
package struct ProxyConfiguration: Sendable {
    /// The server command line, argv[0] looked up on PATH.
    package var serverArgv: [String]
    package var policy: Policy
    package var auditPath: String
    /// The environment name recorded in the audit log (dev, ci, prod…).
    package var environment: String?
    /// Why that environment (`EnvironmentChoice.Source`'s raw value), recorded beside it.
    package var environmentSource: String?
    /// Largest frame accepted from either side; larger frames are refused.
    package var maxMessageBytes: Int
    /// Largest payload embedded whole in the audit log.
    package var auditPayloadLimit: Int
    /// Which audit batches are forced to stable storage before the proxy goes on (`--audit-sync`).
    package var auditSync: AuditSyncMode
    /// Signs the chain's checkpoints (`--audit-signing-key`); nil: the chain alone.
    package var auditSigningKey: AuditSigningKey?
    /// A file every checkpoint record is also appended to (`--audit-anchor`): outside the log, so that a
    /// cut tail or a deleted session shows.
    package var auditAnchorPath: String?
    /// Who and what every audit record names (actor, host, component); nil writes none.
    package var auditContext: AuditEvent.SessionContext?
    /// When the proxy itself rotates the log during a session (`--audit-rotate-bytes`, `-age`).
    package var auditRotation = AuditRotation()
    /// Checkpoint cadence, when there is a key or an anchor.
    package var auditCheckpoints = AuditRecorder.Checkpoints()
    /// How long the server gets after its stdin closes, and again after SIGTERM.
    package var gracePeriod: Duration
    /// Never prompt on the terminal, even when one exists.
    package var disableTerminal: Bool
    /// How many calls may wait for approval at once.
    package var maxHeldCalls: Int
    /// Environment variables the server must not inherit (the webhook's shared secret).
    package var withheldEnvironment: Set<String> = []
    /// What the audit log redacts; nil: the policy's `audit.redaction` rules, masked (see `auditRedactor`).
    package var redactor: Redactor?
    /// Where the audit log is shipped besides its file (`--audit-sink`, `audit.sinks`).
    package var auditSinks: [ConfiguredAuditSink] = []
    /// How long the sinks get to deliver what is pending when the session ends (`--audit-sink-drain`).
    package var auditSinkDrain: Duration = .seconds(10)

    package init(
        serverArgv: [String], policy: Policy, auditPath: String, environment: String? = nil,
        maxMessageBytes: Int = 64 << 20,
        auditPayloadLimit: Int = 64 << 10, auditSync: AuditSyncMode = .decisions, gracePeriod: Duration = .seconds(2),
        disableTerminal: Bool = false, maxHeldCalls: Int = 32
    ) {
        self.serverArgv = serverArgv
        self.policy = policy
        self.auditPath = auditPath
        self.environment = environment
        self.maxMessageBytes = maxMessageBytes
        self.auditPayloadLimit = auditPayloadLimit
        self.auditSync = auditSync
        self.gracePeriod = gracePeriod
        self.disableTerminal = disableTerminal
        self.maxHeldCalls = maxHeldCalls
    }
}

/// How a proxy run ended (the CLI maps it to an exit code).
package enum ProxyOutcome: Sendable, Equatable {
    /// The client ended the session (closed stdin or we were signalled) and the server was stopped.
    case clientClosed
    /// The server exited while the client was still connected.
    case serverExited(String)
    /// The audit log failed during the session; calls after the failure were denied.
    case auditFailed(String)
    /// A call needed confirmation, nobody could answer, and the policy says `unattended: fail`.
    case unattendedFailure
}

/// Rotating the audit log inside a session (a desktop app's session lasts for days): the file is
/// renamed to `<name>-<UTC time>.jsonl` and a new one opened, the chain going on across both.
package struct AuditRotation: Sendable, Equatable {
    /// Rotate once the file holds this many bytes (nil: never by size).
    package var maxBytes: Int?
    /// Rotate once the file has been written for this many seconds (nil: never by age).
    package var maxAge: Double?

    package init(maxBytes: Int? = nil, maxAge: Double? = nil) {
        self.maxBytes = maxBytes
        self.maxAge = maxAge
    }

    /// The name a file at `path` is archived under at `time`: `audit.jsonl` → `audit-20261208T101500.123456Z.jsonl`.
    package static func archiveName(for path: String, at time: Double) -> String {
        let stamp = AuditTimestamp.format(time).filter { $0 != "-" && $0 != ":" }
        let base = path.hasSuffix(".jsonl") ? String(path.dropLast(6)) : path
        return "\(base)-\(stamp).jsonl"
    }
}
