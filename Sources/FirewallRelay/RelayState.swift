import FirewallCore

/// The relay's bookkeeping as a plain value: requests in flight, calls held for approval, the
/// tools the server listed. Every mutation is a method returning what the caller must do next;
/// tests drive it without any I/O.
package struct RelayState: Sendable {
    /// A forwarded request awaiting the server's answer.
    package struct InFlight: Sendable {
        package var method: String
        /// Set for `tools/call`: the proxy's call number and the tool.
        package var call: Int?
        package var tool: String?
        package var startedAt: Double
        /// For a call a person (or the client) approved: the approval, so that a server asking for
        /// more input (`input_required`) does not make the person approve the same call twice.
        package var approval: ApprovalContinuation.Origin?
    }

    /// A server's own `input_required` answer to an approved call: the client's retry carrying the
    /// server's `requestState` (same tool, same arguments) continues that approval, once.
    package struct ApprovalContinuation: Sendable {
        package struct Origin: Sendable {
            package var approvalID: String
            package var approver: Approver
            package var argumentsDigest: String
        }

        package var origin: Origin
        package var tool: String
        package var expiresAt: Double
    }

    /// A `tools/call` held by the proxy while an approver is asked.
    package struct Held: Sendable {
        package var call: Int
        package var tool: String
        package var era: ProtocolEra
        package var frame: [UInt8]
        package var arguments: JSONValue
        package var decision: PolicyDecision
        package var approvalID: String
        package var requestedAt: Double
        package var withdrawal: OneShot<Withdrawal>
        /// The approval settings in force for this call (timeout consequence, remembering).
        package var settings: ApprovalSettings
    }

    /// The client's answer to a question the proxy sent it.
    package enum ElicitationAnswer: Sendable {
        case result(JSONValue)
        case error(code: Int, message: String)
    }

    package var inFlight: [RequestID: InFlight] = [:]
    package var held: [RequestID: Held] = [:]
    package var annotations: [String: ToolAnnotations] = [:]
    package var initializeID: RequestID?
    package var initializeParams: JSONValue?
    package var negotiated = false
    /// The client declared form elicitation at `initialize` (2025-11-25 and earlier).
    package var clientElicitsForms = false
    /// The client's name and version from `initialize` or `_meta`, for attributing its answers.
    package var clientName: String?
    /// Questions the proxy sent the client (`elicitation/create`), by the proxy's own request id.
    package var elicitations: [String: OneShot<ElicitationAnswer>] = [:]
    package private(set) var elicitationsSent = 0
    /// Remembered approvals.
    package var grants = GrantTable()
    /// Approved calls the server answered with its own `input_required`, by the server's `requestState`.
    package var continuations: [String: ApprovalContinuation] = [:]
    /// Nonces of `requestState`s already redeemed, with their expiry: each approval covers one call.
    package private(set) var redeemedStates: [String: Double] = [:]
    /// Set when a `confirm` met nobody to ask under `unattended: fail`: the session must fail.
    package var unattendedFailure = false
    /// Set once the server has exited: nothing more is forwarded.
    package var serverEnded: String?
    package private(set) var calls = 0
    package var counts = Counts()
    let maxHeld: Int

    /// Session totals for the `session_end` record.
    package struct Counts: Sendable {
        package var messagesFromClient = 0
        package var messagesFromServer = 0
        package var calls = 0
        package var allowed = 0
        package var denied = 0
        package var approved = 0
        package var rejected = 0
        package var toolsHidden = 0

        package var fields: [(StaticString, Int)] {
            [
                ("messages_from_client", messagesFromClient), ("messages_from_server", messagesFromServer),
                ("calls", calls), ("allowed", allowed), ("denied", denied), ("approved", approved),
                ("rejected", rejected), ("tools_hidden", toolsHidden),
            ]
        }
    }

    package init(maxHeld: Int = 32) {
        self.maxHeld = maxHeld
    }

    /// Whether `id` is already used by a request the proxy has not finished with.
    package func isOutstanding(_ id: RequestID) -> Bool {
        inFlight[id] != nil || held[id] != nil
    }

    /// Numbers the next question to the client.
    package mutating func nextElicitation() -> Int {
        elicitationsSent += 1
        return elicitationsSent
    }

    /// Marks a `requestState` nonce as used; false if it already was, or if the table of live nonces
    /// is full (then the retry is refused rather than the table growing without bound).
    package mutating func redeem(nonce: String, expiresAt: Double, now: Double, capacity: Int = 4096) -> Bool {
        if redeemedStates.count >= capacity { redeemedStates = redeemedStates.filter { $0.value > now } }
        guard redeemedStates[nonce] == nil, redeemedStates.count < capacity else { return false }
        redeemedStates[nonce] = expiresAt
        return true
    }

    /// Numbers the next `tools/call`.
    package mutating func nextCall() -> Int {
        calls += 1
        counts.calls += 1
        return calls
    }

    /// Records a request as forwarded.
    package mutating func forwarded(
        _ id: RequestID, method: String, call: Int? = nil, tool: String? = nil, at time: Double,
        approval: ApprovalContinuation.Origin? = nil
    ) {
        inFlight[id] = InFlight(method: method, call: call, tool: tool, startedAt: time, approval: approval)
    }

    /// Registers a call an approver allowed as in flight, citing the approval (so a server's
    /// `input_required` continues it), and keeps a grant when the approver asked to remember and
    /// `settings` allow it. When the server is gone, registers nothing and returns why.
    package mutating func admitApproved(
        _ id: RequestID, call: Int, decision: PolicyDecision, arguments: JSONValue, settings: ApprovalSettings,
        approvalID: String, approver: Approver, remember: Bool, now: Double, at time: Double
    ) -> (ended: String?, grant: ApprovalGrant?) {
        if let serverEnded { return (serverEnded, nil) }
        let tool = decision.tool
        counts.approved += 1
        counts.allowed += 1
        forwarded(
            id, method: "tools/call", call: call, tool: tool, at: time,
            approval: .init(
                approvalID: approvalID, approver: approver, argumentsDigest: ApprovalBinding.argumentsDigest(arguments))
        )
        guard remember, settings.remember != .never else { return (nil, nil) }
        let grant = ApprovalGrant(
            id: approvalID, tool: tool, rule: decision.rule?.location, arguments: arguments,
            binding: settings.rememberArguments, remember: settings.remember, now: now, approver: approver)
        grants.add(grant)
        return (nil, grant)
    }

    /// Remembers a server's `input_required` state for an approved call; bounded, expired entries go first.
    package mutating func addContinuation(_ state: String, _ continuation: ApprovalContinuation, now: Double) {
        if continuations.count >= 256 { continuations = continuations.filter { $0.value.expiresAt > now } }
        guard continuations.count < 256 else { return }
        continuations[state] = continuation
    }

    /// Takes the continuation a retry presents, if it matches the call and has not expired (single use).
    package mutating func takeContinuation(
        _ state: String, tool: String, argumentsDigest: String, now: Double
    ) -> ApprovalContinuation? {
        guard let continuation = continuations[state], continuation.tool == tool,
            continuation.origin.argumentsDigest == argumentsDigest, continuation.expiresAt > now
        else { return nil }
        continuations[state] = nil
        return continuation
    }

    /// Holds a call for approval; false when the table is full (the call is then denied).
    package mutating func hold(_ id: RequestID, _ held: Held) -> Bool {
        guard self.held.count < maxHeld else { return false }
        self.held[id] = held
        return true
    }

    /// Ends a hold (approved, denied, withdrawn); nil if it had already ended.
    package mutating func release(_ id: RequestID, approvalID: String) -> Held? {
        guard held[id]?.approvalID == approvalID else { return nil }
        return held.removeValue(forKey: id)
    }

    /// The server answered `id`: the request is no longer in flight.
    package mutating func answered(_ id: RequestID) -> InFlight? {
        inFlight.removeValue(forKey: id)
    }

    /// The server is gone: everything in flight or held must be answered with an error.
    package mutating func serverExited(
        _ description: String
    ) -> (inFlight: [(RequestID, InFlight)], held: [(RequestID, Held)]) {
        serverEnded = description
        let pending = inFlight.map { ($0.key, $0.value) }
        let waiting = held.map { ($0.key, $0.value) }
        inFlight.removeAll()
        return (pending, waiting)
    }
}
