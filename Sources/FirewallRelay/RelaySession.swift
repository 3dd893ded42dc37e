import FirewallCore
import Logging
import Synchronization

/// The firewall between one client and one server: every frame from either side passes through here.
///
/// Transport-agnostic: it consumes frames and writes frames through `FrameWriter`s, so the stdio pumps
/// today and an HTTP transport later drive the same logic. Client frames are handled on the client
/// reader's thread, server frames on the server reader's, approvals on their own tasks; shared state
/// lives in one `Mutex<RelayState>`.
package final class RelaySession: Sendable {
    package struct Configuration: Sendable {
        /// Largest payload embedded whole in an audit record; larger ones are truncated with a digest.
        package var auditPayloadLimit: Int
        /// How many calls may wait for approval at once; more are denied.
        package var maxHeldCalls: Int
        /// The server command line, shown to approvers.
        package var serverDescription: String

        package init(auditPayloadLimit: Int = 64 << 10, maxHeldCalls: Int = 32, serverDescription: String) {
            self.auditPayloadLimit = auditPayloadLimit
            self.maxHeldCalls = maxHeldCalls
            self.serverDescription = serverDescription
        }
    }

    let policy: Policy
    let audit: AuditLog
    let toServer: FrameWriter
    let toClient: FrameWriter
    let approvals: ApprovalCoordinator
    let configuration: Configuration
    let logger: Logger
    let state: Mutex<RelayState>
    /// Signs the `requestState` of the proxy's own questions to 2026-07-28 clients.
    let stateKey = RequestStateKey()
    /// Random per proxy run; part of every approval binding, so no answer carries over to another run.
    let runID = RequestStateToken.randomNonce()
    /// Prefix of the ids of the proxy's own requests to the client: random per run, so they never
    /// collide with the server's.
    let elicitationPrefix = "mcp-firewall-" + RequestStateToken.randomNonce().prefix(16)

    package init(
        policy: Policy, audit: AuditLog, toServer: FrameWriter, toClient: FrameWriter, approvals: ApprovalCoordinator,
        configuration: Configuration, logger: Logger
    ) {
        self.policy = policy
        self.audit = audit
        self.toServer = toServer
        self.toClient = toClient
        self.approvals = approvals
        self.configuration = configuration
        self.logger = logger
        self.state = Mutex(RelayState(maxHeld: configuration.maxHeldCalls))
    }

    /// Whether a confirmation met nobody to ask under `unattended: fail`.
    package var unattendedFailure: Bool { state.withLock { $0.unattendedFailure } }

    /// Session totals so far.
    package var counts: RelayState.Counts { state.withLock { $0.counts } }

    // MARK: - Client → server

    /// Handles one complete frame from the client.
    package func handleClientFrame(_ frame: [UInt8]) {
        guard frame.contains(where: { !Self.isJSONWhitespace($0) }) else { return }
        state.withLock { $0.counts.messagesFromClient += 1 }
        let message: ClientMessage
        do {
            message = try ClientMessage.decode(frame)
        } catch {
            reject(frame, error)
            return
        }
        // From here on only the bytes every peer reads the same way exist (docs/message-reading.md).
        let frame = message.frame
        if !message.rewrites.isEmpty { noteRewrite(message.rewrites, from: "client", id: message.id) }
        if message.era == .modern { noteModernRequest(message) }
        switch message.kind {
        case .request(let id, let method):
            // `1` and `"1"` are one id to a server that keys requests by their printed form: its answer to
            // one could be taken for the other's (a filtered tools/list relayed as a ping's answer).
            let conflict = state.withLock { state -> String? in
                if state.isOutstanding(id) { return "id \(id) is already in use by a pending request" }
                if let twin = id.otherTypeTwin, state.isOutstanding(twin) {
                    return "id \(id) is the same text as pending request \(twin)"
                }
                return nil
            }
            if let conflict {
                reject(
                    frame,
                    ClientMessage.Rejection(
                        code: JSONRPCErrorCode.invalidRequest, message: "Invalid request: \(conflict)", id: id))
                return
            }
            if method == "tools/call" {
                handleToolCall(frame, message, id: id)
                return
            }
            if method == "initialize" {
                state.withLock {
                    $0.initializeID = id
                    $0.initializeParams = message.params
                }
                noteClientCapabilities(message.params)
            }
            forward(frame, message, id: id, method: method)
        case .notification(let method):
            if method == "notifications/cancelled", let target = message.params?["requestId"].flatMap(RequestID.init) {
                // A call held for approval never reached the server: withdraw it here and keep the
                // cancellation to ourselves.
                if let held = state.withLock({ $0.held[target] }) {
                    record(.message(clientMessageRecord(frame, message)))
                    held.withdrawal.fulfil(Withdrawal(reason: "the client cancelled the request", byClient: true))
                    return
                }
                // The client dismissing one of the proxy's own questions: the server never saw the
                // question, and must not learn the proxy's id prefix from it.
                if withdrawElicitation(frame, message, target: target) { return }
            }
            forward(frame, message, id: nil, method: method)
        case .response(let id, _):
            if deliverElicitationAnswer(frame, message, id: id) { return }
            forward(frame, message, id: nil, method: nil)
        }
    }

    private func forward(_ frame: [UInt8], _ message: ClientMessage, id: RequestID?, method: String?) {
        if let id, let method {
            if let ended = state.withLock({ $0.serverEnded }) {
                record(.message(clientMessageRecord(frame, message)))
                replyError(
                    id: id, code: JSONRPCErrorCode.serverUnavailable, message: "MCP server is not running (\(ended))")
                return
            }
            state.withLock { $0.forwarded(id, method: method, at: Posix.monotonic()) }
        }
        record(.message(clientMessageRecord(frame, message)))
        toServer.write(frame)
    }

    private func reject(_ frame: [UInt8], _ rejection: ClientMessage.Rejection) {
        state.withLock { $0.counts.rejected += 1 }
        logger.warning(
            "rejected client message", metadata: ["rpc.error": "\(rejection.code)", "reason": "\(rejection.message)"])
        let payload = AuditPayload(frame, isValidJSON: false, limit: configuration.auditPayloadLimit)
        record(.rejection(.init(id: rejection.id, code: rejection.code, message: rejection.message, payload: payload)))
        replyError(id: rejection.id, code: rejection.code, message: rejection.message)
    }

    /// Writes a JSON-RPC error to the client and audits it.
    func replyError(id: RequestID?, code: Int, message: String, call: Int? = nil) {
        let reply = ProxyReply.error(id: id, code: code, message: message)
        record(.message(proxyMessageRecord(reply, kind: "error", id: id, call: call)))
        toClient.write(reply)
    }

    // MARK: - Records

    func clientMessageRecord(_ frame: [UInt8], _ message: ClientMessage, call: Int? = nil) -> AuditEvent.MessageRecord {
        let kind: String
        switch message.kind {
        case .request: kind = "request"
        case .notification: kind = "notification"
        case .response(_, let isError): kind = isError ? "error" : "response"
        }
        return AuditEvent.MessageRecord(
            direction: .clientToServer, kind: kind, method: message.method, id: message.id, call: call,
            payload: AuditPayload(frame, isValidJSON: true, limit: configuration.auditPayloadLimit)
        )
    }

    func proxyMessageRecord(
        _ reply: [UInt8], kind: String, id: RequestID?, call: Int? = nil
    ) -> AuditEvent.MessageRecord {
        AuditEvent.MessageRecord(
            direction: .proxyToClient, kind: kind, method: nil, id: id, call: call,
            payload: AuditPayload(reply, isValidJSON: true, limit: configuration.auditPayloadLimit)
        )
    }

    /// Appends audit events; a failure is logged once per call site and latched by the log.
    @discardableResult
    func record(_ events: AuditEvent...) -> Bool {
        record(events)
    }

    /// Appends audit events; a failure is logged and latched by the log.
    @discardableResult
    func record(_ events: [AuditEvent]) -> Bool {
        let written = audit.append(events)
        if !written, let failure = audit.failure {
            logger.error("audit log write failed", metadata: ["reason": "\(failure)"])
        }
        return written
    }

    private func noteModernRequest(_ message: ClientMessage) {
        let meta = message.params?["_meta"]
        let first = state.withLock { state in
            defer { state.negotiated = true }
            if !state.negotiated { state.clientName = Self.describeClient(meta?[ProtocolEra.clientInfoKey]) }
            return !state.negotiated
        }
        guard first else { return }
        record(
            .sessionNegotiated(
                .init(
                    era: .modern, protocolVersion: meta?[ProtocolEra.protocolVersionKey]?.stringValue,
                    clientInfo: meta?[ProtocolEra.clientInfoKey],
                    clientCapabilities: meta?[ProtocolEra.clientCapabilitiesKey],
                    serverInfo: nil
                )
            )
        )
    }

    /// Logs that a frame was rewritten so that no line reader can split it.
    func noteRewrite(_ rewrites: JSONParser.Hazards, from side: String, id: RequestID?) {
        var what: [String] = []
        if rewrites.carriageReturns { what.append("raw CR as space") }
        if rewrites.lineSeparators { what.append("U+2028/U+2029/U+0085 as \\u escapes") }
        logger.info(
            "rewrote a frame so that every line reader reads one line",
            metadata: [
                "from": "\(side)", "rpc.id": "\(id.map(\.description) ?? "none")",
                "rewrites": "\(what.joined(separator: ", "))",
            ])
    }

    static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }
}

extension RelaySession {
    /// A client frame exceeded the size cap: refuse it (its id is unknown) and audit the refusal.
    package func rejectOversized(_ size: Int) {
        state.withLock { $0.counts.rejected += 1 }
        let message = "Message too large: \(size) bytes exceeds the proxy's limit"
        logger.warning("rejected oversized client message", metadata: ["size": "\(size)"])
        record(
            .rejection(
                .init(
                    id: nil, code: JSONRPCErrorCode.messageTooLarge, message: message,
                    payload: AuditPayload(droppedSize: size))))
        replyError(id: nil, code: JSONRPCErrorCode.messageTooLarge, message: message)
    }
}
