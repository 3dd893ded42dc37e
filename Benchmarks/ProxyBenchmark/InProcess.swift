import FirewallCore
import FirewallRelay
import Foundation

/// The firewall's own CPU cost per allowed call, without processes, pipes or syscalls: one client
/// frame and its answer through the gate (`RelayStateMachine.clientInput`/`serverInput`, as the
/// reader threads run it), the state machine (as the session loop runs it) and the audit encoder
/// (every record the call produces, encoded and chained as the loop records them). Writing the bytes is left out:
/// that happens on the writer threads, one `writev` per batch under load.
enum InProcessCost {
    static func measure(
        policyPath: String, calls: Int
    ) throws -> (perCallMicros: Double, auditBytes: Int) {
        let text = try String(contentsOfFile: policyPath, encoding: .utf8)
        let policy = try PolicyLoader.load(text: text, path: policyPath).policy
        var machine = RelayStateMachine(
            policy: policy, configuration: .init(serverDescription: "bench"),
            startedAt: RelayTime(wall: 0, monotonic: 0))
        var recorder = AuditRecorder(sessionID: "bench")
        let result = Array(
            #"{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"E-1001  Ada Lovelace  engineering  Principal Engineer"}],"isError":false}}"#
                .utf8
        )
        let frames = (0..<calls).map { index in
            Array(
                #"{"jsonrpc":"2.0","id":\#(index),"method":"tools/call","params":{"name":"get_employee","arguments":{"employee_id":"E-1001"}}}"#
                    .utf8)
        }
        let replies = (0..<calls).map { index -> [UInt8] in
            var reply = result
            let id = Array("\(index)".utf8)
            reply.replaceSubrange(22..<23, with: id)  // the `1` of `"id":1`
            return reply
        }
        var auditBytes = 0
        var forwarded = 0
        var answered = 0
        var actions: [RelayAction] = []
        actions.reserveCapacity(8)
        let clock = ContinuousClock()
        func run(_ event: RelayEvent, at now: RelayTime, isCall: Bool) {
            actions.removeAll(keepingCapacity: true)
            machine.receive(event, at: now, into: &actions)
            for action in actions {
                switch action {
                case .audit(let events):
                    var batch = AuditRecorder.Batch()
                    for record in events { recorder.record(record, at: now, into: &batch) }
                    for line in batch.lines { auditBytes += line.count }
                case .sendToServer: if isCall { forwarded += 1 }
                case .sendToClient: if !isCall { answered += 1 }
                default: break
                }
            }
        }
        let elapsed = clock.measure {
            for index in 0..<calls {
                let now = RelayTime(wall: Double(index), monotonic: Double(index))
                if let call = RelayStateMachine.clientInput(frames[index]) {
                    run(.clientFrames([call]), at: now, isCall: true)
                }
                if let answer = RelayStateMachine.serverInput(replies[index]) {
                    run(.serverFrames([answer]), at: now, isCall: false)
                }
            }
        }
        // Every call must be allowed and every answer relayed, or this measures the wrong path.
        precondition(forwarded == calls && answered == calls && machine.sessionCounts.allowed == calls)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return (seconds / Double(calls) * 1e6, auditBytes)
    }
}
