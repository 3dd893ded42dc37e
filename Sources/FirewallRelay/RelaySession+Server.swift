import FirewallCore
import Logging

extension RelaySession {
    /// Handles one complete frame from the server.
    package func handleServerFrame(_ frame: [UInt8]) {
        handleServerFrames([frame])
    }

    /// Handles the frames of one read from the server: the frames go to the client in one write, then
    /// their records go to the audit log in one write. Under load this halves the syscalls.
    package func handleServerFrames(_ frames: [[UInt8]]) {
        var events: [AuditEvent] = []
        var outgoing: [[UInt8]] = []
        for frame in frames {
            if let forward = process(frame, events: &events) { outgoing.append(forward) }
        }
        // Answers go to the client first and are recorded right after, on this same thread, so
        // records stay in order. Write-ahead is what decisions need (nothing reaches the server
        // undecided and unrecorded); an answer is already the server's doing, and recording it
        // after the relay keeps the audit off the latency of every result.
        if !outgoing.isEmpty { toClient.write(batch: outgoing) }
        if !events.isEmpty { audit.append(events) }
    }

    /// Accounts for one server frame; returns the bytes to forward, if any.
    private func process(_ frame: [UInt8], events batch: inout [AuditEvent]) -> [UInt8]? {
        guard frame.contains(where: { !Self.isJSONWhitespace($0) }) else { return nil }
        let message = ServerMessage.decode(frame)
        state.withLock { $0.counts.messagesFromServer += 1 }
        // From here on only the bytes every peer reads the same way exist (docs/message-reading.md).
        let frame = message.frame
        if !message.rewrites.isEmpty { noteRewrite(message.rewrites, from: "server", id: message.id) }
        var outgoing = frame
        var events: [AuditEvent] = []
        var call: Int?
        switch message.kind {
        case .result(let id), .error(let id?, _):
            guard let request = state.withLock({ $0.answered(id) }) else {
                // Never forward an answer to a request the client is not waiting on: a server must not
                // be able to answer a call that is still held for approval, or answer twice.
                logger.warning("dropped unsolicited response from server", metadata: ["rpc.id": "\(id)"])
                batch.append(.message(serverMessageRecord(frame, message, kind: "unsolicited", call: nil)))
                return nil
            }
            call = request.call
            if let number = request.call, let tool = request.tool {
                events.append(.result(resultRecord(frame, message, call: number, tool: tool, request: request, id: id)))
                if let origin = request.approval { noteServerInputRequired(frame, message, tool: tool, origin: origin) }
            } else if request.method == "tools/list", let range = message.resultRange {
                guard let filtered = filterToolList(frame, resultRange: range) else {
                    // An answer the filter cannot read could list denied tools: withhold it, say why.
                    logger.warning(
                        "withheld a tools/list answer that could not be checked", metadata: ["rpc.id": "\(id)"])
                    batch.append(.message(serverMessageRecord(frame, message, kind: "withheld", call: nil)))
                    return withheld(
                        id, request,
                        because: "mcp-firewall withheld the server's tools/list answer: it is not a readable tool list",
                        into: &batch)
                }
                outgoing = filtered
            } else if request.method == "initialize", let range = message.resultRange {
                events.append(negotiatedRecord(frame, resultRange: range))
            }
        case .request(.string(let id), _) where id.hasPrefix(elicitationPrefix):
            // The proxy's own id space: a client's answer to this would be taken for the proxy's.
            logger.warning("dropped a server request that uses the proxy's id space", metadata: ["rpc.id": "\(id)"])
            batch.append(.message(serverMessageRecord(frame, message, kind: "dropped", call: nil)))
            return nil
        case .unparseable(let reason):
            // Not strict JSON-RPC (invalid JSON, keys some peer reads differently, lone surrogates, too deep):
            // the proxy cannot tell what it answers or lists, so it is recorded and dropped, never relayed.
            logger.warning("dropped an invalid message from the server", metadata: ["reason": "\(reason)"])
            batch.append(.message(serverMessageRecord(frame, message, kind: nil, call: nil)))
            // When it answers a request the client waits on, the client is told instead of waiting forever.
            guard let id = message.salvagedID, let request = state.withLock({ $0.answered(id) }) else { return nil }
            return withheld(
                id, request,
                because: "mcp-firewall withheld the server's answer: it cannot be read one way only (\(reason))",
                into: &batch)
        default:
            break
        }
        batch.append(.message(serverMessageRecord(frame, message, kind: nil, call: call)))
        batch.append(contentsOf: events)
        return outgoing
    }

    /// The error the client gets instead of a server answer the proxy will not relay, and its records
    /// (a call's `result` record with outcome `withheld`, then the error as sent).
    private func withheld(
        _ id: RequestID, _ request: RelayState.InFlight, because text: String, into batch: inout [AuditEvent]
    ) -> [UInt8] {
        if let call = request.call, let tool = request.tool {
            batch.append(
                .result(
                    .init(
                        outcome: "withheld", call: call, id: id, tool: tool, isError: true,
                        errorCode: JSONRPCErrorCode.internalError,
                        durationMilliseconds: (Posix.monotonic() - request.startedAt) * 1000)))
        }
        let reply = ProxyReply.error(id: id, code: JSONRPCErrorCode.internalError, message: text)
        batch.append(.message(proxyMessageRecord(reply, kind: "error", id: id, call: request.call)))
        return reply
    }

    private func serverMessageRecord(
        _ frame: [UInt8], _ message: ServerMessage, kind override: String?, call: Int?
    ) -> AuditEvent.MessageRecord {
        let kind: String
        var valid = true
        switch message.kind {
        case .request: kind = "request"
        case .notification: kind = "notification"
        case .result: kind = "response"
        case .error: kind = "error"
        case .unparseable:
            kind = "invalid"
            valid = false
        }
        return AuditEvent.MessageRecord(
            direction: .serverToClient, kind: override ?? kind, method: message.method, id: message.id, call: call,
            payload: AuditPayload(frame, isValidJSON: valid, limit: configuration.auditPayloadLimit)
        )
    }

    private func resultRecord(
        _ frame: [UInt8], _ message: ServerMessage, call: Int, tool: String, request: RelayState.InFlight, id: RequestID
    )
        -> AuditEvent.ResultRecord
    {
        let duration = (Posix.monotonic() - request.startedAt) * 1000
        switch message.kind {
        case .error(_, let code):
            return .init(
                outcome: "rpc_error", call: call, id: id, tool: tool, isError: true, errorCode: code,
                durationMilliseconds: duration)
        default:
            let isError = message.resultValue("isError") == .bool(true)
            return .init(
                outcome: isError ? "tool_error" : "ok", call: call, id: id, tool: tool, isError: isError,
                errorCode: nil, durationMilliseconds: duration)
        }
    }

    /// An approved call the server answered with its own `input_required`: the client will retry with
    /// the server's `requestState`, and that retry continues the same approval instead of asking again.
    private func noteServerInputRequired(
        _ frame: [UInt8], _ message: ServerMessage, tool: String, origin: RelayState.ApprovalContinuation.Origin
    ) {
        guard message.resultValue("resultType") == .string("input_required"),
            let serverState = message.resultValue("requestState")?.stringValue
        else { return }
        let now = Posix.now()
        let expiresAt = now + Double(DurationText.milliseconds(policy.approval.timeout)) / 1000
        state.withLock {
            $0.addContinuation(serverState, .init(origin: origin, tool: tool, expiresAt: expiresAt), now: now)
        }
    }

    private func filterToolList(_ frame: [UInt8], resultRange: Range<Int>) -> [UInt8]? {
        let policy = self.policy
        guard
            let outcome = ToolListFilter.filter(
                frame, resultRange: resultRange,
                remove: { tool in
                    policy.deniesUnconditionally(tool: tool.name, annotations: tool.annotations)
                })
        else { return nil }
        state.withLock { state in
            for tool in outcome.listed { state.annotations[tool.name] = tool.annotations ?? ToolAnnotations() }
            state.counts.toolsHidden += outcome.removed.count
        }
        if !outcome.removed.isEmpty {
            logger.info(
                "hid denied tools from tools/list", metadata: ["mcp.tools": "\(outcome.removed.joined(separator: ","))"]
            )
        }
        return outcome.frame
    }

    private func negotiatedRecord(_ frame: [UInt8], resultRange: Range<Int>) -> AuditEvent {
        let result = frame.withUnsafeBufferPointer {
            try? JSONParser.parse(UnsafeBufferPointer(rebasing: $0[resultRange]), rules: .structureOnly)
        }
        let params = state.withLock { state in
            state.negotiated = true
            return state.initializeParams
        }
        return .sessionNegotiated(
            .init(
                era: .legacy, protocolVersion: result?["protocolVersion"]?.stringValue,
                clientInfo: params?["clientInfo"],
                clientCapabilities: params?["capabilities"], serverInfo: result?["serverInfo"]
            )
        )
    }

    /// A server frame exceeded the size cap and was discarded unread: log and audit it. Its id is unknown,
    /// so the request it answered is answered only when the server exits.
    package func dropOversizedServerMessage(_ size: Int) {
        state.withLock { $0.counts.messagesFromServer += 1 }
        logger.error("dropped an oversized message from the server", metadata: ["size": "\(size)"])
        record(
            .message(
                AuditEvent.MessageRecord(
                    direction: .serverToClient, kind: "invalid", method: nil, id: nil,
                    payload: AuditPayload(droppedSize: size))))
    }

    /// The server is gone: answer everything outstanding with an error naming how it ended.
    package func serverEnded(_ description: String) {
        let (inFlight, held) = state.withLock { $0.serverExited(description) }
        for (id, request) in inFlight {
            if let call = request.call, let tool = request.tool {
                record(
                    .result(
                        .init(
                            outcome: "server_exited", call: call, id: id, tool: tool, isError: true,
                            errorCode: JSONRPCErrorCode.serverUnavailable,
                            durationMilliseconds: (Posix.monotonic() - request.startedAt) * 1000)))
            }
            replyError(
                id: id, code: JSONRPCErrorCode.serverUnavailable,
                message: "MCP server exited (\(description)) before answering \(request.method)", call: request.call)
        }
        for (id, hold) in held {
            guard state.withLock({ $0.release(id, approvalID: hold.approvalID) }) != nil else { continue }
            hold.withdrawal.fulfil(Withdrawal(reason: "the MCP server exited", byClient: false))
            let now = Posix.now()
            state.withLock { $0.counts.denied += 1 }
            record(
                .decision(
                    .init(
                        call: hold.call, id: id, era: hold.era, arguments: JSONSlice(hold.arguments),
                        policy: hold.decision,
                        final: .deny, decidedBy: Approver(kind: .policy, channel: "none"),
                        approval: .init(
                            approvalID: hold.approvalID, outcome: .cancelled,
                            detail: "the MCP server exited (\(description)) while the call waited",
                            requestedAt: hold.requestedAt, decidedAt: now))))
            replyError(
                id: id, code: JSONRPCErrorCode.serverUnavailable,
                message: "MCP server exited (\(description)) while the call waited for approval", call: hold.call)
        }
    }

    /// The session is ending: withdraw every held call. `byClient` when the client hung up (it expects
    /// no answers); otherwise (a shutdown signal) the calls are refused with `reason`.
    package func clientEnded(reason: String = "the client disconnected", byClient: Bool = true) {
        let held = state.withLock { $0.held.values.map(\.withdrawal) }
        for withdrawal in held { withdrawal.fulfil(Withdrawal(reason: reason, byClient: byClient)) }
    }
}
