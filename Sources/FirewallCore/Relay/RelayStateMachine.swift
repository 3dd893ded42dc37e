/// The firewall between one client and one server, as a value: every frame, approval answer, timer
/// and ending is an event, and what must happen next comes back as a list of `RelayAction`s.
///
/// All session state is private to this value, so every transition is one `receive` call that no
/// other thread can interleave with: check and act cannot be split. It does no I/O, reads no clock
/// and draws no randomness it is not handed; executors (the stdio loop, an HTTP transport) own the
/// descriptors and obey the write-ahead rules on `RelayAction`. `PendingApprovals` (FirewallHTTP)
/// and swift-nio's `*StateMachine` types are the pattern.
package struct RelayStateMachine: Sendable {
    package struct Configuration: Sendable {
        /// Largest payload embedded whole in an audit record; larger ones are truncated with a digest.
        package var auditPayloadLimit: Int
        /// How many calls may wait for approval at once; more are denied.
        package var maxHeldCalls: Int
        /// The server command line, shown to approvers.
        package var serverDescription: String
        /// The external approval channels that can reach someone (terminal, web, webhook, command).
        package var externalChannels: Set<String>
        /// External channels that could not reach anyone at start but may later (the machine's approver,
        /// started after the proxy): asked in their turn, and passed over when they fail.
        package var laterChannels: Set<String> = []
        /// Signs the `requestState` of the proxy's own questions to 2026-07-28 clients.
        package var stateKey: RequestStateKey
        /// Random per proxy run; part of every approval binding, so no answer carries over to another run.
        package var runID: String
        /// Prefix of the ids of the proxy's own requests to the client: random per run, so they never
        /// collide with the server's.
        package var elicitationPrefix: String
        /// Nonces for `requestState` tokens.
        package var makeNonce: @Sendable () -> String
        /// Where a person answers on each channel ("the terminal (/dev/tty)"), for the log line that says
        /// a call is waiting.
        package var answerHints: [String: String] = [:]

        package init(
            auditPayloadLimit: Int = 64 << 10, maxHeldCalls: Int = 32, serverDescription: String,
            externalChannels: Set<String> = [], stateKey: RequestStateKey = RequestStateKey(),
            runID: String = RequestStateToken.randomNonce(),
            elicitationPrefix: String = "mcp-firewall-" + RequestStateToken.randomNonce().prefix(16),
            makeNonce: @escaping @Sendable () -> String = { RequestStateToken.randomNonce() }
        ) {
            self.auditPayloadLimit = auditPayloadLimit
            self.maxHeldCalls = maxHeldCalls
            self.serverDescription = serverDescription
            self.externalChannels = externalChannels
            self.stateKey = stateKey
            self.runID = runID
            self.elicitationPrefix = elicitationPrefix
            self.makeNonce = makeNonce
        }
    }

    let policy: Policy
    let configuration: Configuration
    let startedAt: RelayTime

    var inFlight: [RequestID: InFlight] = [:]
    var held: [RequestID: Held] = [:]
    /// The held call each open question to the client (`elicitation/create`) is about.
    var questions: [String: RequestID] = [:]
    var questionsSent = 0
    var annotations: [String: ToolAnnotations] = [:]
    var initializeParams: JSONValue?
    var negotiated = false
    /// The client declared form elicitation at `initialize` (2025-11-25 and earlier).
    var clientElicitsForms = false
    /// The client's name and version from `initialize` or `_meta`, for attributing its answers.
    var clientName: String?
    /// Remembered approvals.
    var grants = GrantTable()
    /// The server's first complete tool list, page by page.
    var toolListing = ToolListing()
    /// The time of the latest event, to turn the grants' wall-clock expiry into a monotonic deadline.
    var lastSeen: RelayTime
    /// Approved calls the server answered with its own `input_required`, by the server's `requestState`.
    var continuations: [String: Continuation] = [:]
    /// Nonces of `requestState`s already redeemed, with their expiry: each approval covers one call.
    var redeemedStates: [String: Double] = [:]
    /// A `confirm` met nobody to ask under `unattended: fail`, or timed out under `on_timeout: fail`.
    var unattendedFailure = false
    /// Set once the server has exited: nothing more is forwarded.
    var serverEnded: String?
    /// Set once an audit write failed: every later call is refused.
    var auditFailure: String?
    /// Set while an `on_sink_failure: deny` audit sink is failing: calls are denied naming it.
    var sinkFailure: String?
    /// What ended the session first.
    var cause: SessionEnding.Cause?
    var finished = false
    var calls = 0
    var counts = RelayCounts()

    /// The pages of the server's first complete `tools/list`, bounded.
    struct ToolListing: Sendable {
        static let limit = 10_000
        var tools: [String] = []
        var hidden: [String] = []
        var complete = false
    }

    package init(policy: Policy, configuration: Configuration, startedAt: RelayTime) {
        self.policy = policy
        self.configuration = configuration
        self.startedAt = startedAt
        self.lastSeen = startedAt
    }

    /// Session totals so far.
    package var sessionCounts: RelayCounts { counts }

    /// A `confirm` met nobody to ask under `unattended: fail`, or timed out under `on_timeout: fail`.
    package var hasFailedSession: Bool { unattendedFailure }

    /// The monotonic time by which `tick` must be delivered: the earliest approval timeout or expiry
    /// of a remembered approval (grants expire by the wall clock, read through the last event's time).
    package var nextDeadline: Double? {
        // Asked after every batch: no array is built for the two candidates.
        let timeout = held.values.lazy.map(\.timeoutAt).min()
        guard let expiry = grants.nextExpiry.map({ $0 - lastSeen.wall + lastSeen.monotonic }) else { return timeout }
        return timeout.map { min($0, expiry) } ?? expiry
    }

    /// Applies one event, appending what must happen next to `actions`.
    package mutating func receive(_ event: RelayEvent, at now: RelayTime, into actions: inout [RelayAction]) {
        lastSeen = now
        switch event {
        case .clientFrames(let inputs):
            for input in inputs { receiveClient(input, now: now, into: &actions) }
        case .serverFrames(let inputs):
            receiveServer(inputs, now: now, into: &actions)
        case .approvalFinished(let approvalID, let channel, let response):
            channelAnswered(approvalID: approvalID, channel: channel, response: response, now: now, into: &actions)
        case .tick:
            timeOutHeldCalls(now: now, into: &actions)
            expireGrants(now: now, into: &actions)
        case .auditFailed(let reason, let unsent):
            auditFailed(reason: reason, unsent: unsent, now: now, into: &actions)
        case .auditSinkFailing(let message):
            sinkFailure = message
        case .clientEnded(.stopped):
            // The proxy stopped reading because of another ending (a shutdown, the server gone), whose
            // own event names the cause and answers what is held.
            break
        case .clientEnded(let end):
            if cause == nil { cause = .clientClosed(end) }
            if end == .endOfFile {
                withdrawAll(reason: "the client disconnected", byClient: true, now: now, into: &actions)
            } else {
                withdrawAll(reason: "the proxy is shutting down", byClient: false, now: now, into: &actions)
            }
        case .shutdownRequested:
            if cause == nil { cause = .shutdownRequested }
            actions.append(.log(RelayLog(.info, "shutting down")))
            withdrawAll(reason: "the proxy is shutting down", byClient: false, now: now, into: &actions)
        case .serverExited(let termination):
            // Once only; a client frame after it is still answered ("not running").
            guard !finished else { return }
            serverExited(termination, now: now, into: &actions)
        }
    }

    /// Prepares one client frame on the reader's thread: nil for a blank frame, else the decoded
    /// message or the rejection (the gate runs here, off the session's loop).
    package static func clientInput(_ frame: [UInt8]) -> ClientInput? {
        guard frame.contains(where: { !JSONParser.isWhitespace($0) }) else { return nil }
        do {
            return .message(try ClientMessage.decode(frame))
        } catch {
            return .rejected(frame, error)
        }
    }

    /// Prepares one server frame on the reader's thread: nil for a blank frame.
    package static func serverInput(_ frame: [UInt8]) -> ServerInput? {
        guard frame.contains(where: { !JSONParser.isWhitespace($0) }) else { return nil }
        return .message(ServerMessage.decode(frame))
    }

    // MARK: - Shared steps

    /// Writes a JSON-RPC error to the client and audits it.
    func replyError(
        id: RequestID?, code: Int, message: String, call: Int? = nil, into actions: inout [RelayAction]
    ) {
        let reply = ProxyReply.error(id: id, code: code, message: message)
        actions.append(.audit([.message(proxyMessageRecord(reply, kind: "error", id: id, call: call))]))
        actions.append(.sendToClient(reply, id.map { .reply(to: $0) } ?? .unsolicited))
    }

    /// Refuses a call with a tool error after auditing `events` and the reply itself.
    mutating func deny(
        id: RequestID, call: Int, era: ProtocolEra, text: String, events: [AuditEvent],
        into actions: inout [RelayAction]
    ) {
        counts.denied += 1
        let reply = ProxyReply.toolError(id: id, era: era, text: text)
        actions.append(.audit(events + [.message(proxyMessageRecord(reply, kind: "response", id: id, call: call))]))
        actions.append(.sendToClient(reply, .reply(to: id)))
    }

    /// Refuses a call because the audit log cannot be written: no call runs unaudited.
    mutating func denyUnaudited(
        id: RequestID, call: Int, era: ProtocolEra, tool: String, into actions: inout [RelayAction]
    ) {
        deny(
            id: id, call: call, era: era,
            text: "mcp-firewall denied the call to `\(tool)`: \(auditFailure ?? "audit log unavailable"). "
                + "No call runs unaudited.", events: [], into: &actions)
    }

    func clientMessageRecord(_ message: ClientMessage, call: Int? = nil) -> AuditEvent.MessageRecord {
        let kind: String
        switch message.kind {
        case .request: kind = "request"
        case .notification: kind = "notification"
        case .response(_, let isError): kind = isError ? "error" : "response"
        }
        var record = AuditEvent.MessageRecord(
            direction: .clientToServer, kind: kind, method: message.method, id: message.id, call: call,
            payload: AuditPayload(message.frame, isValidJSON: true, limit: configuration.auditPayloadLimit)
        )
        if call != nil { record.traceID = TraceParent.traceID(message.params?["_meta"]?["traceparent"]) }
        return record
    }

    func proxyMessageRecord(
        _ reply: [UInt8], kind: String, id: RequestID?, call: Int? = nil
    ) -> AuditEvent.MessageRecord {
        AuditEvent.MessageRecord(
            direction: .proxyToClient, kind: kind, method: nil, id: id, call: call,
            payload: AuditPayload(reply, isValidJSON: true, limit: configuration.auditPayloadLimit)
        )
    }

    /// Logs that a frame was rewritten so that no line reader can split it.
    func noteRewrite(
        _ rewrites: JSONParser.Hazards, from side: String, id: RequestID?, into actions: inout [RelayAction]
    ) {
        var what: [String] = []
        if rewrites.carriageReturns { what.append("raw CR as space") }
        if rewrites.lineSeparators { what.append("U+2028/U+2029/U+0085 as \\u escapes") }
        actions.append(
            .log(
                RelayLog(
                    .info, "rewrote a frame so that every line reader reads one line",
                    [
                        "from": side, "rpc.id": id.map(\.description) ?? "none",
                        "rewrites": what.joined(separator: ", "),
                    ])))
    }

    /// The client's input ended, or a shutdown: every held call is withdrawn. `byClient` when the
    /// client hung up (it expects no answers); otherwise the calls are refused with `reason`.
    mutating func withdrawAll(reason: String, byClient: Bool, now: RelayTime, into actions: inout [RelayAction]) {
        for id in held.keys.sorted(by: { held[$0]!.call.number < held[$1]!.call.number }) {
            withdraw(id, reason: reason, byClient: byClient, now: now, into: &actions)
        }
    }
}
