import FirewallCore
import Synchronization
import Testing

/// Drives a `RelayStateMachine` with no I/O: frames and answers in, actions out, and a clock the
/// test moves. Actions are summarised as short lines so that tables read as the wire would.
struct RelayMachineDriver {
    var machine: RelayStateMachine
    var now = RelayTime(wall: 1_800_000_000, monotonic: 1000)
    /// Every action so far, in order.
    var log: [RelayAction] = []

    static let prefix = "mcp-firewall-test"

    init(policy text: String, channels: Set<String> = [], maxHeld: Int = 32) throws {
        let policy = try PolicyLoader.load(text: text, path: "test.yaml").policy
        let counter = NonceCounter()
        machine = RelayStateMachine(
            policy: policy,
            configuration: .init(
                maxHeldCalls: maxHeld, serverDescription: "test-server", externalChannels: channels,
                stateKey: RequestStateKey(), runID: "run-1", elicitationPrefix: Self.prefix,
                makeNonce: { counter.next() }),
            startedAt: now)
    }

    /// Delivers one event and returns its actions, summarised; checks write-ahead on them.
    @discardableResult
    mutating func send(_ event: RelayEvent, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [String] {
        var actions: [RelayAction] = []
        machine.receive(event, at: now, into: &actions)
        Self.expectWriteAhead(actions, sourceLocation: sourceLocation)
        log += actions
        return actions.compactMap(Self.summary)
    }

    /// The client sends these frames in one read.
    @discardableResult
    mutating func client(_ frames: String..., sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [String] {
        send(
            .clientFrames(frames.compactMap { RelayStateMachine.clientInput(Array($0.utf8)) }),
            sourceLocation: sourceLocation)
    }

    /// The server sends these frames in one read.
    @discardableResult
    mutating func server(_ frames: String..., sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [String] {
        send(
            .serverFrames(frames.compactMap { RelayStateMachine.serverInput(Array($0.utf8)) }),
            sourceLocation: sourceLocation)
    }

    mutating func advance(seconds: Double) {
        now.wall += seconds
        now.monotonic += seconds
    }

    /// The raw frames the last matching send carried, for tests that read them.
    func lastFrame(toClient: Bool) -> [UInt8]? {
        for action in log.reversed() {
            switch action {
            case .sendToClient(let frame, _) where toClient: return frame
            case .sendToServer(let frame, _) where !toClient: return frame
            default: continue
            }
        }
        return nil
    }

    /// Every audit event so far, in order.
    var records: [AuditEvent] {
        log.flatMap { action -> [AuditEvent] in
            if case .audit(let events) = action { events } else { [] }
        }
    }

    /// W4: a decided forward is preceded, in the same list, by an audit holding its decision.
    static func expectWriteAhead(_ actions: [RelayAction], sourceLocation: Testing.SourceLocation) {
        var decided: Set<RequestID> = []
        for action in actions {
            switch action {
            case .audit(let events):
                for case .decision(let record) in events { decided.insert(record.id) }
            case .sendToServer(_, let id?):
                #expect(
                    decided.contains(id), "forward of \(id) before its decision was audited",
                    sourceLocation: sourceLocation)
            default:
                continue
            }
        }
    }

    static func summary(_ action: RelayAction) -> String? {
        switch action {
        case .audit(let events): return "audit " + events.map(summary).joined(separator: ", ")
        case .sendToServer(let frame, let decided):
            return "server " + String(decoding: frame, as: UTF8.self) + (decided.map { " [decided \($0)]" } ?? "")
        case .sendToClient(let frame, let destination):
            let to: String
            switch destination {
            case .reply(let id): to = "reply(\(id))"
            case .during(let id): to = "during(\(id))"
            case .unsolicited: to = "unsolicited"
            }
            return "client \(to) \(describe(frame))"
        case .startApproval(let start): return "start \(start.request.id) \(start.channels.joined(separator: "+"))"
        case .withdrawApproval(let id): return "withdraw \(id)"
        case .log: return nil
        case .endSession(let ending): return "end \(ending.reason)"
        }
    }

    static func summary(_ event: AuditEvent) -> String {
        switch event {
        case .sessionStart: return "session_start"
        case .sessionNegotiated: return "session_negotiated"
        case .message(let record):
            return "message \(record.direction.rawValue) \(record.kind)" + (record.method.map { " \($0)" } ?? "")
        case .approvalRequested(let record): return "approval_requested \(record.channel)"
        case .decision(let record):
            let outcome = record.approval.map { " \($0.outcome.rawValue)" } ?? ""
            return "decision \(record.final) by \(record.decidedBy.kind.rawValue)\(outcome)"
        case .rejection(let record): return "rejection \(record.code)"
        case .result(let record): return "result \(record.outcome)"
        case .toolsListed(let record):
            return "tools_listed \(record.tools.count) tools, \(record.unmatchedRules.count) unmatched"
        case .sessionEnd(let record): return "session_end \(record.reason)"
        case .checkpoint(let record): return "checkpoint \(record.reason)"
        case .rotation(let record): return "rotation \(record.phase.rawValue)"
        }
    }

    /// What a client frame is, in a word or two.
    static func describe(_ frame: [UInt8]) -> String {
        guard let value = try? JSONParser.parse(frame) else { return "unreadable" }
        if let method = value["method"]?.stringValue { return method }
        if let code = value["error"]?["code"]?.doubleValue { return "error \(Int(code))" }
        if value["result"]?["isError"]?.boolValue == true { return "denied" }
        if value["result"]?["resultType"]?.stringValue == "input_required" { return "input_required" }
        return "result"
    }
}

/// Counts nonces, so tokens differ and tests stay deterministic.
final class NonceCounter: Sendable {
    private let count = Atomic<Int>(0)
    func next() -> String { "nonce-\(count.add(1, ordering: .relaxed).newValue)" }
}

enum Wire {
    static func call(_ id: Int, _ tool: String, _ arguments: String = "{}") -> String {
        #"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"\#(tool)","arguments":\#(arguments)}}"#
    }

    static func result(_ id: Int, text: String = "ok") -> String {
        #"{"jsonrpc":"2.0","id":\#(id),"result":{"content":[{"type":"text","text":"\#(text)"}],"isError":false}}"#
    }

    static func request(_ id: Int, _ method: String) -> String {
        #"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":{}}"#
    }

    static func cancelled(_ id: String) -> String {
        #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":\#(id)}}"#
    }

    static let policy = """
        version: 1
        defaults: {read: allow, write: confirm, sensitive: deny}
        approval: {channels: [terminal], timeout: 5s}
        tools:
          - name: read_*
            class: read
          - name: write_*
            class: write
          - name: drop_*
            class: sensitive
        """
}
