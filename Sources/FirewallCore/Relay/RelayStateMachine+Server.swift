extension RelayStateMachine {
    /// The frames of one read from the server: the frames go to the client first, then their records
    /// in one audit. Write-ahead is what decisions need (nothing reaches the server undecided and
    /// unrecorded); an answer is already the server's doing, and recording it after the relay keeps
    /// the audit off the latency of every result.
    mutating func receiveServer(_ inputs: [ServerInput], now: RelayTime, into actions: inout [RelayAction]) {
        var records: [AuditEvent] = []
        for input in inputs {
            switch input {
            case .oversized(let size):
                counts.messagesFromServer += 1
                actions.append(
                    .log(RelayLog(.error, "dropped an oversized message from the server", ["size": "\(size)"])))
                // Its id is unknown, so the request it answered is answered only when the server exits.
                records.append(
                    .message(
                        AuditEvent.MessageRecord(
                            direction: .serverToClient, kind: "invalid", method: nil, id: nil,
                            payload: AuditPayload(droppedSize: size))))
            case .message(let message):
                counts.messagesFromServer += 1
                if let (frame, destination) = process(message, now: now, records: &records, into: &actions) {
                    actions.append(.sendToClient(frame, destination))
                }
            }
        }
        if !records.isEmpty { actions.append(.audit(records)) }
    }

    /// Accounts for one server message; returns the bytes to relay, if any.
    private mutating func process(
        _ message: ServerMessage, now: RelayTime, records batch: inout [AuditEvent], into actions: inout [RelayAction]
    ) -> ([UInt8], ClientDestination)? {
        // From here on only the bytes every peer reads the same way exist (docs/message-reading.md).
        let frame = message.frame
        if !message.rewrites.isEmpty { noteRewrite(message.rewrites, from: "server", id: message.id, into: &actions) }
        var outgoing = frame
        var destination = ClientDestination.unsolicited
        var events: [AuditEvent] = []
        var call: Int?
        switch message.kind {
        case .result(let id), .error(let id?, _):
            guard let request = inFlight.removeValue(forKey: id) else {
                // Never forward an answer to a request the client is not waiting on: a server must not
                // be able to answer a call that is still held for approval, or answer twice.
                actions.append(
                    .log(RelayLog(.warning, "dropped unsolicited response from server", ["rpc.id": "\(id)"])))
                batch.append(.message(serverMessageRecord(message, kind: "unsolicited", call: nil)))
                return nil
            }
            destination = .reply(to: id)
            call = request.call
            if let number = request.call, let tool = request.tool {
                events.append(
                    .result(resultRecord(message, call: number, tool: tool, request: request, id: id, now: now)))
                if let origin = request.approval {
                    noteServerInputRequired(message, tool: tool, origin: origin, now: now)
                }
            } else if request.method == "tools/list", let range = message.resultRange {
                guard let filtered = filterToolList(frame, resultRange: range, events: &events, into: &actions) else {
                    // An answer the filter cannot read could list denied tools: withhold it, say why.
                    actions.append(
                        .log(
                            RelayLog(
                                .warning, "withheld a tools/list answer that could not be checked", ["rpc.id": "\(id)"])
                        ))
                    batch.append(.message(serverMessageRecord(message, kind: "withheld", call: nil)))
                    return withheld(
                        id, request,
                        because: "mcp-firewall withheld the server's tools/list answer: it is not a readable tool list",
                        now: now, into: &batch)
                }
                outgoing = filtered
            } else if request.method == "initialize", let range = message.resultRange {
                events.append(negotiatedRecord(frame, resultRange: range))
            }
        case .request(.string(let id), _) where id.hasPrefix(configuration.elicitationPrefix):
            // The proxy's own id space: a client's answer to this would be taken for the proxy's.
            actions.append(
                .log(RelayLog(.warning, "dropped a server request that uses the proxy's id space", ["rpc.id": id])))
            batch.append(.message(serverMessageRecord(message, kind: "dropped", call: nil)))
            return nil
        case .unparseable(let reason):
            // Not strict JSON-RPC (invalid JSON, keys some peer reads differently, lone surrogates, too deep):
            // the proxy cannot tell what it answers or lists, so it is recorded and dropped, never relayed.
            actions.append(.log(RelayLog(.warning, "dropped an invalid message from the server", ["reason": reason])))
            batch.append(.message(serverMessageRecord(message, kind: nil, call: nil)))
            // When it answers a request the client waits on, the client is told instead of waiting forever.
            guard let id = message.salvagedID, let request = inFlight.removeValue(forKey: id) else { return nil }
            return withheld(
                id, request,
                because: "mcp-firewall withheld the server's answer: it cannot be read one way only (\(reason))",
                now: now, into: &batch)
        default:
            break
        }
        batch.append(.message(serverMessageRecord(message, kind: nil, call: call)))
        batch.append(contentsOf: events)
        return (outgoing, destination)
    }

    /// The error the client gets instead of a server answer the proxy will not relay, and its records
    /// (a call's `result` record with outcome `withheld`, then the error as sent).
    private func withheld(
        _ id: RequestID, _ request: InFlight, because text: String, now: RelayTime, into batch: inout [AuditEvent]
    ) -> ([UInt8], ClientDestination) {
        if let call = request.call, let tool = request.tool {
            batch.append(
                .result(
                    .init(
                        outcome: "withheld", call: call, id: id, tool: tool, isError: true,
                        errorCode: JSONRPCErrorCode.internalError,
                        durationMilliseconds: (now.monotonic - request.startedAt) * 1000,
                        toolClass: request.toolClass)))
        }
        let reply = ProxyReply.error(id: id, code: JSONRPCErrorCode.internalError, message: text)
        batch.append(.message(proxyMessageRecord(reply, kind: "error", id: id, call: request.call)))
        return (reply, .reply(to: id))
    }

    private func serverMessageRecord(
        _ message: ServerMessage, kind override: String?, call: Int?
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
            payload: AuditPayload(message.frame, isValidJSON: valid, limit: configuration.auditPayloadLimit)
        )
    }

    private func resultRecord(
        _ message: ServerMessage, call: Int, tool: String, request: InFlight, id: RequestID, now: RelayTime
    ) -> AuditEvent.ResultRecord {
        let duration = (now.monotonic - request.startedAt) * 1000
        switch message.kind {
        case .error(_, let code):
            return .init(
                outcome: "rpc_error", call: call, id: id, tool: tool, isError: true, errorCode: code,
                durationMilliseconds: duration, responseBytes: message.frame.count, toolClass: request.toolClass)
        default:
            let isError = message.resultValue("isError") == .bool(true)
            return .init(
                outcome: isError ? "tool_error" : "ok", call: call, id: id, tool: tool, isError: isError,
                errorCode: nil, durationMilliseconds: duration, responseBytes: message.frame.count,
                toolClass: request.toolClass)
        }
    }

    /// An approved call the server answered with its own `input_required`: the client will retry with
    /// the server's `requestState`, and that retry continues the same approval instead of asking again.
    private mutating func noteServerInputRequired(
        _ message: ServerMessage, tool: String, origin: Continuation.Origin, now: RelayTime
    ) {
        guard message.resultValue("resultType") == .string("input_required"),
            let serverState = message.resultValue("requestState")?.stringValue
        else { return }
        let expiresAt = now.wall + Double(DurationText.milliseconds(policy.approval.timeout)) / 1000
        addContinuation(serverState, .init(origin: origin, tool: tool, expiresAt: expiresAt), now: now.wall)
    }

    private mutating func filterToolList(
        _ frame: [UInt8], resultRange: Range<Int>, events: inout [AuditEvent], into actions: inout [RelayAction]
    ) -> [UInt8]? {
        let policy = self.policy
        guard
            let outcome = ToolListFilter.filter(
                frame, resultRange: resultRange,
                remove: { tool in policy.deniesUnconditionally(tool: tool.name, annotations: tool.annotations) })
        else { return nil }
        for tool in outcome.listed { annotations[tool.name] = tool.annotations ?? ToolAnnotations() }
        counts.toolsHidden += outcome.removed.count
        if !outcome.removed.isEmpty {
            actions.append(
                .log(
                    RelayLog(
                        .info, "hid denied tools from tools/list", ["mcp.tools": outcome.removed.joined(separator: ",")]
                    )))
        }
        noteToolListing(outcome, events: &events, into: &actions)
        return outcome.frame
    }

    /// Collects the pages of the server's first complete tool list; once it is complete, records it
    /// and warns about every rule whose literal tool name it does not contain (a typo is a hole).
    private mutating func noteToolListing(
        _ page: ToolListFilter.Outcome, events: inout [AuditEvent], into actions: inout [RelayAction]
    ) {
        guard !toolListing.complete else { return }
        toolListing.tools += page.listed.lazy.map(\.name).prefix(ToolListing.limit - toolListing.tools.count)
        toolListing.hidden += page.removed.prefix(ToolListing.limit - toolListing.hidden.count)
        // A server that pages without end is checked against what it listed so far.
        guard !page.hasNextPage || toolListing.tools.count >= ToolListing.limit else { return }
        toolListing.complete = true
        let findings = UnmatchedToolNames.check(policy, listed: toolListing.tools)
        for finding in findings {
            actions.append(
                .log(RelayLog(.warning, finding.message, ["policy.rule": "\(finding.rule)", "mcp.tool": finding.name])))
        }
        events.append(
            .toolsListed(.init(tools: toolListing.tools, hidden: toolListing.hidden, unmatchedRules: findings)))
    }

    private mutating func negotiatedRecord(_ frame: [UInt8], resultRange: Range<Int>) -> AuditEvent {
        let result = frame.withUnsafeBufferPointer {
            try? JSONParser.parse(UnsafeBufferPointer(rebasing: $0[resultRange]), rules: .structureOnly)
        }
        negotiated = true
        return .sessionNegotiated(
            .init(
                era: .legacy, protocolVersion: result?["protocolVersion"]?.stringValue,
                clientInfo: initializeParams?["clientInfo"], clientCapabilities: initializeParams?["capabilities"],
                serverInfo: result?["serverInfo"]))
    }

    /// The server is gone: answer everything outstanding with an error naming how it ended, record
    /// the session's end, and end it.
    mutating func serverExited(_ termination: String, now: RelayTime, into actions: inout [RelayAction]) {
        if cause == nil { cause = .serverExited(termination) }
        serverEnded = termination
        let pending = inFlight.sorted { $0.value.startedAt < $1.value.startedAt }
        inFlight.removeAll()
        for (id, request) in pending {
            if let call = request.call, let tool = request.tool {
                actions.append(
                    .audit([
                        .result(
                            .init(
                                outcome: "server_exited", call: call, id: id, tool: tool, isError: true,
                                errorCode: JSONRPCErrorCode.serverUnavailable,
                                durationMilliseconds: (now.monotonic - request.startedAt) * 1000,
                                toolClass: request.toolClass))
                    ]))
            }
            replyError(
                id: id, code: JSONRPCErrorCode.serverUnavailable,
                message: "MCP server exited (\(termination)) before answering \(request.method)", call: request.call,
                into: &actions)
        }
        for id in held.keys.sorted(by: { held[$0]!.call.number < held[$1]!.call.number }) {
            guard let entry = release(id, into: &actions) else { continue }
            counts.denied += 1
            let call = entry.call
            actions.append(
                .audit([
                    decisionRecord(
                        call, final: .deny, by: Approver(kind: .policy, channel: "none"),
                        approval: .init(
                            approvalID: call.approvalID, outcome: .cancelled,
                            detail: "the MCP server exited (\(termination)) while the call waited",
                            requestedAt: entry.requestedAt, decidedAt: now.wall))
                ]))
            replyError(
                id: id, code: JSONRPCErrorCode.serverUnavailable,
                message: "MCP server exited (\(termination)) while the call waited for approval", call: call.number,
                into: &actions)
        }
        let ending = SessionEnding(
            cause: cause ?? .serverExited(termination), serverExit: termination, auditFailure: auditFailure,
            unattendedFailure: unattendedFailure, counts: counts)
        actions.append(
            .audit([
                .sessionEnd(
                    .init(
                        reason: ending.reason, serverExit: termination, counts: counts.fields,
                        durationMilliseconds: (now.monotonic - startedAt.monotonic) * 1000))
            ]))
        actions.append(.log(RelayLog(.info, "session ended", ["reason": ending.reason, "server.exit": termination])))
        actions.append(.endSession(ending))
        finished = true
    }
}
