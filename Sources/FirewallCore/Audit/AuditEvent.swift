/// One event of the audit log. Each becomes one JSONL record; `docs/audit-format.md` is the schema.
package enum AuditEvent: Sendable {
    case sessionStart(SessionStart)
    case sessionNegotiated(SessionNegotiated)
    case message(MessageRecord)
    case approvalRequested(ApprovalRequested)
    case decision(DecisionRecord)
    case rejection(RejectionRecord)
    case result(ResultRecord)
    case toolsListed(ToolsListed)
    case sessionEnd(SessionEnd)
    case checkpoint(Checkpoint)
    case rotation(Rotation)

    /// The tools/call a record belongs to, if any.
    package var call: Int? {
        switch self {
        case .message(let message): message.call
        case .approvalRequested(let requested): requested.call
        case .decision(let decision): decision.call
        case .result(let result): result.call
        default: nil
        }
    }

    /// The `event` field's value.
    package var name: String {
        switch self {
        case .sessionStart: "session_start"
        case .sessionNegotiated: "session_negotiated"
        case .message: "message"
        case .approvalRequested: "approval_requested"
        case .decision: "decision"
        case .rejection: "rejection"
        case .result: "result"
        case .toolsListed: "tools_listed"
        case .sessionEnd: "session_end"
        case .checkpoint: "checkpoint"
        case .rotation: "rotation"
        }
    }

    /// The server's first complete tool list (every page of `tools/list`), what the policy hid from it,
    /// and the rules whose literal tool name it does not contain.
    package struct ToolsListed: Sendable {
        /// Every tool the server listed, in its order.
        package var tools: [String]
        /// The tools hidden from the client (denied unconditionally, or unreadable entries).
        package var hidden: [String]
        package var unmatchedRules: [UnmatchedToolNames.Finding]

        package init(tools: [String], hidden: [String], unmatchedRules: [UnmatchedToolNames.Finding]) {
            self.tools = tools
            self.hidden = hidden
            self.unmatchedRules = unmatchedRules
        }
    }

    /// What the proxy knew when it started.
    package struct SessionStart: Sendable {
        package var proxyVersion: String
        package var pid: Int
        package var serverArgv: [String]
        package var policy: Policy.Source
        /// Every policy file merged into `policy`, in merge order.
        package var layers: [Policy.Source] = []
        package var environment: String?
        /// Whether `environment` names an `environments:` overlay that is in force (not just a label).
        package var environmentOverlay = false
        /// Why that environment: `flag`, `MCP_FIREWALL_ENV`, `CI` or `default` (`EnvironmentChoice.Source`).
        package var environmentSource: String?
        package var payloadLimit: Int
        /// How the session's records are chained and signed (`AuditRecorder` fills it in).
        package var chain: ChainSettings?

        package init(
            proxyVersion: String, pid: Int, serverArgv: [String], policy: Policy.Source, environment: String?,
            payloadLimit: Int
        ) {
            self.proxyVersion = proxyVersion
            self.pid = pid
            self.serverArgv = serverArgv
            self.policy = policy
            self.environment = environment
            self.payloadLimit = payloadLimit
        }
    }

    /// The protocol version and client facts, once the first request (or the `initialize` answer) shows them.
    package struct SessionNegotiated: Sendable {
        package var era: ProtocolEra
        package var protocolVersion: String?
        package var clientInfo: JSONValue?
        package var clientCapabilities: JSONValue?
        package var serverInfo: JSONValue?

        package init(
            era: ProtocolEra, protocolVersion: String?, clientInfo: JSONValue?, clientCapabilities: JSONValue?,
            serverInfo: JSONValue?
        ) {
            self.era = era
            self.protocolVersion = protocolVersion
            self.clientInfo = clientInfo
            self.clientCapabilities = clientCapabilities
            self.serverInfo = serverInfo
        }
    }

    /// Who sent a message and to whom.
    package enum Direction: String, Sendable {
        case clientToServer = "client_to_server"
        case serverToClient = "server_to_client"
        /// A reply the proxy wrote itself (a denial, an error), or its own request (an elicitation).
        case proxyToClient = "proxy_to_client"
        /// The client's answer to a request the proxy sent it (an elicitation); never forwarded.
        case clientToProxy = "client_to_proxy"
    }

    /// One relayed or proxy-written message.
    package struct MessageRecord: Sendable {
        package var direction: Direction
        /// `request`, `notification`, `response`, `error` or `invalid`.
        package var kind: String
        package var method: String?
        package var id: RequestID?
        package var call: Int?
        package var payload: AuditPayload
        /// The W3C trace id of a `tools/call` whose `_meta.traceparent` carried one: the call's records
        /// then share it as their `correlation_id`.
        package var traceID: String?

        package init(
            direction: Direction, kind: String, method: String?, id: RequestID?, call: Int? = nil, payload: AuditPayload
        ) {
            self.direction = direction
            self.kind = kind
            self.method = method
            self.id = id
            self.call = call
            self.payload = payload
        }
    }

    /// A `confirm` decision that is now waiting for an approver.
    package struct ApprovalRequested: Sendable {
        package var call: Int
        package var id: RequestID
        package var approvalID: String
        package var tool: String
        package var channel: String
        package var timeoutMilliseconds: Int
        /// Every channel asked at once when they race (empty otherwise).
        package var racing: [String]
        /// The digest an answer must be bound to (`ApprovalBinding.digest`).
        package var binding: String?
        package var toolClass: ToolClass?

        package init(
            toolClass: ToolClass? = nil, call: Int, id: RequestID, approvalID: String, tool: String, channel: String,
            timeoutMilliseconds: Int, racing: [String] = [], binding: String? = nil
        ) {
            self.toolClass = toolClass
            self.call = call
            self.id = id
            self.approvalID = approvalID
            self.tool = tool
            self.channel = channel
            self.timeoutMilliseconds = timeoutMilliseconds
            self.racing = racing
            self.binding = binding
        }
    }

    /// The final decision on a `tools/call`, written before the call is forwarded or refused.
    package struct DecisionRecord: Sendable {
        package var call: Int
        package var id: RequestID
        package var era: ProtocolEra
        /// The arguments as the server reads them: the bytes of the forwarded frame, written as they are.
        package var arguments: JSONSlice
        package var policy: PolicyDecision
        /// allow or deny: what actually happens to the call.
        package var final: Decision
        package var decidedBy: Approver
        package var approval: ApprovalTrace?
        /// The size of the `tools/call` frame, in bytes.
        package var requestBytes: Int?

        package init(
            call: Int, id: RequestID, era: ProtocolEra, arguments: JSONSlice, policy: PolicyDecision, final: Decision,
            decidedBy: Approver, approval: ApprovalTrace? = nil, requestBytes: Int? = nil
        ) {
            self.requestBytes = requestBytes
            self.call = call
            self.id = id
            self.era = era
            self.arguments = arguments
            self.policy = policy
            self.final = final
            self.decidedBy = decidedBy
            self.approval = approval
        }
    }

    /// How a confirmation went, attached to its decision record.
    package struct ApprovalTrace: Sendable {
        package var approvalID: String
        package var outcome: ApprovalOutcome
        package var detail: String
        package var requestedAt: Double
        package var decidedAt: Double
        /// For an `unattended` outcome: the setting that applied.
        package var unattended: Policy.Unattended?
        /// The grant this call was allowed under: the id of the approval record that created it.
        package var grantID: String?
        /// The grant this approval created ("remember"), if any.
        package var grantCreated: ApprovalGrant?

        package init(
            approvalID: String, outcome: ApprovalOutcome, detail: String, requestedAt: Double, decidedAt: Double,
            unattended: Policy.Unattended? = nil, grantID: String? = nil, grantCreated: ApprovalGrant? = nil
        ) {
            self.approvalID = approvalID
            self.outcome = outcome
            self.detail = detail
            self.requestedAt = requestedAt
            self.decidedAt = decidedAt
            self.unattended = unattended
            self.grantID = grantID
            self.grantCreated = grantCreated
        }
    }

    /// A client message refused before policy evaluation (unparseable, batch, bad params, oversized).
    package struct RejectionRecord: Sendable {
        package var id: RequestID?
        package var code: Int
        package var message: String
        package var payload: AuditPayload

        package init(id: RequestID?, code: Int, message: String, payload: AuditPayload) {
            self.id = id
            self.code = code
            self.message = message
            self.payload = payload
        }
    }

    /// How a forwarded call ended.
    package struct ResultRecord: Sendable {
        /// `ok`, `tool_error`, `rpc_error` or `server_exited`.
        package var outcome: String
        package var call: Int
        package var id: RequestID
        package var tool: String
        package var isError: Bool
        package var errorCode: Int?
        package var durationMilliseconds: Double
        /// The size of the server's answer, in bytes, when it sent one.
        package var responseBytes: Int?
        package var toolClass: ToolClass?

        package init(
            outcome: String, call: Int, id: RequestID, tool: String, isError: Bool, errorCode: Int?,
            durationMilliseconds: Double, responseBytes: Int? = nil, toolClass: ToolClass? = nil
        ) {
            self.responseBytes = responseBytes
            self.toolClass = toolClass
            self.outcome = outcome
            self.call = call
            self.id = id
            self.tool = tool
            self.isError = isError
            self.errorCode = errorCode
            self.durationMilliseconds = durationMilliseconds
        }
    }

    /// Who and what a session's records are about, written on every record so each line stands on
    /// its own in a SIEM (lokryn's actor, component and host; NIST SP 800-53 AU-3 "where" and "who").
    package struct SessionContext: Sendable, Equatable {
        /// `--actor`, `MCP_FIREWALL_ACTOR`, else the OS user running the proxy.
        package var actorID: String
        /// `user` unless `--actor-type` says otherwise (`agent`, `service`…).
        package var actorType: String
        package var host: String
        /// The server's name: `--server-name`, else derived from its command line (`ServerLabel`).
        package var component: String
        package var environment: String?

        package init(actorID: String, actorType: String = "user", host: String, component: String, environment: String?)
        {
            self.actorID = actorID
            self.actorType = actorType
            self.host = host
            self.component = component
            self.environment = environment
        }
    }

    /// How a session's records are chained, as its `session_start` states it.
    package struct ChainSettings: Sendable {
        /// The signing key's C2SP key ID (hex) and its raw public key, when checkpoints are signed.
        /// Informational: a verifier checks signatures against the key an auditor pinned, never this one.
        package var keyID: String?
        package var publicKey: [UInt8]?
        /// Checkpoint cadence: at most this many records, or seconds, between two checkpoints (nil: none).
        package var checkpointRecords: Int?
        package var checkpointSeconds: Double?
        /// Where checkpoints are also sent (a file or URL), if anywhere.
        package var anchor: String?

        package init(
            keyID: String? = nil, publicKey: [UInt8]? = nil, checkpointRecords: Int? = nil,
            checkpointSeconds: Double? = nil, anchor: String? = nil
        ) {
            self.keyID = keyID
            self.publicKey = publicKey
            self.checkpointRecords = checkpointRecords
            self.checkpointSeconds = checkpointSeconds
            self.anchor = anchor
        }
    }

    /// A record that commits to the chain head (the record just before it): signed with the session's
    /// key when there is one, and copied to the anchor when there is one.
    package struct Checkpoint: Sendable {
        /// Why now: `start`, `interval`, `idle`, `heartbeat` or `end`.
        package var reason: String
        package var headSeq: Int
        package var head: AuditHash
        package var keyID: String?
        /// Base64 Ed25519 signature over `AuditCheckpointNote.text`.
        package var signature: String?

        package init(reason: String, headSeq: Int, head: AuditHash, keyID: String? = nil, signature: String? = nil) {
            self.reason = reason
            self.headSeq = headSeq
            self.head = head
            self.keyID = keyID
            self.signature = signature
        }
    }

    /// A log file closing (its last record of the session) or opening (its first) when the proxy
    /// rotates it: the chain goes on across the files, and each names the other.
    package struct Rotation: Sendable {
        package enum Phase: String, Sendable {
            case close
            case open
        }

        package var phase: Phase
        /// `max_bytes`, `max_age`, or `reopen` (SIGHUP: another program moved the file).
        package var reason: String
        /// On `close`: the name this file is archived under (nil when another program moved it).
        /// On `open`: the name the previous file was archived under.
        package var archivedFile: String?
        /// On `close`: the file the session continues in.
        package var continuesIn: String?

        package init(phase: Phase, reason: String, archivedFile: String?, continuesIn: String? = nil) {
            self.phase = phase
            self.reason = reason
            self.archivedFile = archivedFile
            self.continuesIn = continuesIn
        }
    }

    /// The last record of a session.
    package struct SessionEnd: Sendable {
        package var reason: String
        package var serverExit: String?
        package var counts: [(StaticString, Int)]
        package var durationMilliseconds: Double

        package init(reason: String, serverExit: String?, counts: [(StaticString, Int)], durationMilliseconds: Double) {
            self.reason = reason
            self.serverExit = serverExit
            self.counts = counts
            self.durationMilliseconds = durationMilliseconds
        }
    }
}
