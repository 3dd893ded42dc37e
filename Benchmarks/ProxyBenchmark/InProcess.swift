import FirewallCore
import FirewallRelay
import Foundation
import Logging

/// The firewall's own CPU cost per allowed call, without processes or pipes: one client frame and
/// one server frame through a `RelaySession`, audit log included, outputs to /dev/null.
enum InProcessCost {
    static func measure(
        policyPath: String, auditPath: String, calls: Int
    ) throws -> (perCallMicros: Double, auditBytes: Int) {
        let text = try String(contentsOfFile: policyPath, encoding: .utf8)
        let policy = try PolicyLoader.load(text: text, path: policyPath).policy
        let sink = open("/dev/null", O_WRONLY)
        defer { close(sink) }
        let session = RelaySession(
            policy: policy, audit: try AuditLog(path: auditPath, sessionID: "bench"), toServer: FrameWriter(fd: sink),
            toClient: FrameWriter(fd: sink), approvals: ApprovalCoordinator(channels: []),
            configuration: .init(serverDescription: "bench"), logger: Logger(label: "bench")
        )
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
        // Every answer must be a valid frame that resolves its call, or this measures the wrong path.
        precondition(
            replies.allSatisfy { reply in
                if case .result = ServerMessage.decode(reply).kind { true } else { false }
            })
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for index in 0..<calls {
                session.handleClientFrame(frames[index])
                session.handleServerFrame(replies[index])
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let size = (try? FileManager.default.attributesOfItem(atPath: auditPath)[.size] as? Int) ?? 0
        return (seconds / Double(calls) * 1e6, size)
    }
}
