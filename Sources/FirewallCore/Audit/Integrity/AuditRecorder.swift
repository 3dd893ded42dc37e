/// One session's audit records, numbered, timed, chained and checkpointed: the events of the session
/// go in, the exact lines for the log come out.
///
/// Pure: the executor hands it the time and writes the lines. Each line is chained to the session's
/// previous one (`AuditChain`); with `checkpoints` set (a signing key or an anchor is configured) a
/// `checkpoint` record commits to the chain head right after `session_start`, after every
/// `records` records, when unsigned records have waited `seconds` or the session has been quiet for
/// `idleSeconds`, every `heartbeatSeconds` while nothing happens (so silence is provable), and after
/// `session_end`.
package struct AuditRecorder: Sendable {
    package struct Checkpoints: Sendable, Equatable {
        package var records: Int
        package var seconds: Double
        package var idleSeconds: Double
        package var heartbeatSeconds: Double

        package init(records: Int = 1000, seconds: Double = 60, idleSeconds: Double = 5, heartbeatSeconds: Double = 900)
        {
            self.records = records
            self.seconds = seconds
            self.idleSeconds = idleSeconds
            self.heartbeatSeconds = heartbeatSeconds
        }
    }

    /// The lines of one batch, in order, and what the executor must do with them.
    package struct Batch: Sendable {
        package var lines: [[UInt8]] = []
        /// The positions in `lines` of checkpoint records (they also go to the anchor).
        package var checkpoints: [Int] = []
        /// Whether the batch holds a record `--audit-sync decisions` makes durable on disk before going
        /// on: a decision, an approval request, a checkpoint, or a session's start or end.
        package var holdsDecision = false

        package init() {}

        package var isEmpty: Bool { lines.isEmpty }
    }

    package private(set) var encoder: AuditRecordEncoder
    /// The hash of the session's last record (`genesis` before the first).
    package private(set) var head = AuditHash.genesis
    package let signer: AuditSigningKey?
    package let checkpoints: Checkpoints?
    /// Where checkpoints are copied, as `session_start` names it.
    package let anchor: String?
    private var unsigned = 0
    private var firstUnsignedAt: Double?
    private var lastRecordAt: Double?
    private var lastCheckpointAt: Double?
    private var ended = false
    /// Who and what every record is about (nil: the records carry no context, as in unit tests).
    package let context: AuditEvent.SessionContext?
    /// The client's and server's names and versions, once negotiation shows them.
    private var peers: [(key: StaticString, value: String)] = []
    /// The trace ids of calls in flight whose client sent `_meta.traceparent`, by call number.
    private var traces: [Int: String] = [:]

    /// `checkpoints` nil means none are written (no key and no anchor: the chain alone).
    package init(
        sessionID: String, signer: AuditSigningKey? = nil, checkpoints: Checkpoints? = nil, anchor: String? = nil,
        context: AuditEvent.SessionContext? = nil, redactor: Redactor = .standard
    ) {
        encoder = AuditRecordEncoder(sessionID: sessionID, redactor: redactor)
        self.signer = signer
        self.checkpoints = checkpoints ?? (signer == nil && anchor == nil ? nil : Checkpoints())
        self.anchor = anchor
        self.context = context
        rebuildContext()
    }

    /// The `sensitivity` each class is recorded with.
    package var sensitivity: [ToolClass: String] {
        get { encoder.sensitivity }
        set { encoder.sensitivity = newValue }
    }

    /// Re-encodes the members every record carries: actor, host, component, environment, and the
    /// client's and server's names and versions once known.
    private mutating func rebuildContext() {
        guard let context else { return }
        var writer = JSONWriter(capacity: 256)
        writer.beginObject()
        writer.key("actor")
        writer.beginObject()
        writer.field("id", context.actorID)
        writer.field("type", context.actorType)
        writer.endObject()
        writer.field("host", context.host)
        writer.field("component", context.component)
        writer.field("environment", context.environment)
        for peer in peers { writer.field(peer.key, peer.value) }
        writer.endObject()
        let object = writer.take()
        encoder.context = Array(object.dropFirst().dropLast())
        encoder.contextHasEnvironment = context.environment != nil
    }

    /// Notes the client's and server's names and versions from a negotiation record.
    private mutating func learnPeers(_ negotiated: AuditEvent.SessionNegotiated) {
        var found: [(key: StaticString, value: String)] = []
        func add(_ key: StaticString, _ value: JSONValue?) {
            if let text = value?.stringValue { found.append((key, text)) }
        }
        add("client_name", negotiated.clientInfo?["name"])
        add("client_version", negotiated.clientInfo?["version"])
        add("server_name", negotiated.serverInfo?["name"])
        add("server_version", negotiated.serverInfo?["version"])
        guard !found.isEmpty else { return }
        for entry in found {
            if let index = peers.firstIndex(where: { $0.key.utf8Start == entry.key.utf8Start }) {
                peers[index] = entry
            } else {
                peers.append(entry)
            }
        }
        rebuildContext()
    }

    package var sessionID: String { encoder.sessionID }

    /// The number of records written so far.
    package var sequence: Int { encoder.sequence }

    /// How `session_start` describes this recorder's chain.
    package var chainSettings: AuditEvent.ChainSettings {
        AuditEvent.ChainSettings(
            keyID: signer?.publicKey.keyIDHex, publicKey: signer?.publicKey.raw,
            checkpointRecords: checkpoints?.records, checkpointSeconds: checkpoints?.seconds, anchor: anchor)
    }

    /// Appends `event`'s record to `batch`, and a checkpoint after it when one is due by count, after
    /// `session_start`, or after `session_end`. A `session_start` gets the chain settings filled in.
    package mutating func record(_ event: AuditEvent, at time: RelayTime, into batch: inout Batch) {
        var reason: String?
        // The common events are recorded as they are; only `session_start` is rebuilt (no copy of the
        // event on the hot path).
        var started: AuditEvent?
        switch event {
        case .sessionStart(var start):
            start.chain = chainSettings
            started = .sessionStart(start)
            reason = "start"
            batch.holdsDecision = true
        case .sessionEnd:
            reason = "end"
            ended = true
            batch.holdsDecision = true
        case .decision, .approvalRequested:
            batch.holdsDecision = true
        case .sessionNegotiated(let negotiated):
            learnPeers(negotiated)
        case .rotation(let rotation):
            batch.holdsDecision = true
            // Each file's end is signed: what it holds is proven even if the next file is lost.
            if rotation.phase == .close { reason = "rotation" }
        case .checkpoint:
            preconditionFailure("checkpoints are the recorder's own records")
        default:
            break
        }
        append(started ?? event, at: time, into: &batch)
        unsigned += 1
        if firstUnsignedAt == nil { firstUnsignedAt = time.monotonic }
        lastRecordAt = time.monotonic
        guard let checkpoints else { return }
        if let reason {
            checkpoint(reason, at: time, into: &batch)
        } else if unsigned >= checkpoints.records {
            checkpoint("interval", at: time, into: &batch)
        }
    }

    /// Appends every event's record (and the checkpoints they make due) to a new batch.
    package mutating func record(_ events: [AuditEvent], at time: RelayTime) -> Batch {
        var batch = Batch()
        for event in events { record(event, at: time, into: &batch) }
        return batch
    }

    /// When the next time-driven checkpoint is due (monotonic seconds); nil when none will be.
    package var nextCheckpointDeadline: Double? {
        guard let checkpoints, !ended else { return nil }
        if let firstUnsignedAt, let lastRecordAt {
            return min(firstUnsignedAt + checkpoints.seconds, lastRecordAt + checkpoints.idleSeconds)
        }
        return lastCheckpointAt.map { $0 + checkpoints.heartbeatSeconds }
    }

    /// Appends a time-driven checkpoint to `batch` if one is due at `time`.
    package mutating func checkpointIfDue(at time: RelayTime, into batch: inout Batch) {
        guard let deadline = nextCheckpointDeadline, time.monotonic >= deadline, let checkpoints else { return }
        let reason: String
        if let firstUnsignedAt {
            reason = time.monotonic >= firstUnsignedAt + checkpoints.seconds ? "interval" : "idle"
        } else {
            reason = "heartbeat"
        }
        checkpoint(reason, at: time, into: &batch)
    }

    private mutating func checkpoint(_ reason: String, at time: RelayTime, into batch: inout Batch) {
        let headSeq = encoder.sequence
        var record = AuditEvent.Checkpoint(reason: reason, headSeq: headSeq, head: head)
        if let signer {
            let text = AuditCheckpointNote.text(
                session: encoder.sessionID, headSeq: headSeq, head: head, time: AuditTimestamp.format(time.wall))
            record.keyID = signer.publicKey.keyIDHex
            record.signature = Base64.encode(signer.sign(Array(text.utf8)))
        }
        batch.checkpoints.append(batch.lines.count)
        append(.checkpoint(record), at: time, into: &batch)
        batch.holdsDecision = true
        unsigned = 0
        firstUnsignedAt = nil
        lastCheckpointAt = time.monotonic
    }

    private mutating func append(_ event: AuditEvent, at time: RelayTime, into batch: inout Batch) {
        var traceID: String?
        if let call = event.call {
            if case .message(let message) = event, let presented = message.traceID {
                // Calls in flight are bounded by the relay; this bound only guards against a leak.
                if traces.count >= 4096 { traces.removeAll() }
                traces[call] = presented
            }
            traceID = traces[call]
            switch event {
            case .result: traces[call] = nil
            case .decision(let decision) where decision.final == .deny: traces[call] = nil
            default: break
            }
        }
        var line = encoder.encode(event, time: time.wall, traceID: traceID)
        head = AuditChain.seal(&line, after: head)
        batch.lines.append(line)
    }
}
