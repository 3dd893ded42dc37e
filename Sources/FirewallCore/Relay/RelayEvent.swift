/// When an event happened: the wall clock for records and approvals, the monotonic clock for
/// durations and deadlines. The relay reads no clock itself; executors pass the time in.
package struct RelayTime: Sendable, Equatable {
    /// Seconds since 1970 (`Posix.now`).
    package var wall: Double
    /// Seconds on a clock that never jumps (`Posix.monotonic`).
    package var monotonic: Double

    package init(wall: Double, monotonic: Double) {
        self.wall = wall
        self.monotonic = monotonic
    }
}

/// Something that happened to a relay session, handed to `RelayStateMachine.receive`.
package enum RelayEvent: Sendable {
    /// The frames of one read from the client, after the gate, in order.
    case clientFrames([ClientInput])
    /// The frames of one read from the server, after the gate, in order.
    case serverFrames([ServerInput])
    /// One approval channel answered a held call (several answer when channels race).
    case approvalFinished(approvalID: String, channel: String, response: ApprovalResponse)
    /// The earliest deadline (`nextDeadline`) passed, or the executor's timer fired: held calls past
    /// their timeout are denied.
    case tick
    /// The audit log could not be written. `unsent` are the `tools/call`s whose forward the executor
    /// withheld because their decision was not recorded (write-ahead rule W2).
    case auditFailed(reason: String, unsent: [RequestID])
    /// An `on_sink_failure: deny` audit sink started or stopped failing: calls the policy would run are
    /// denied with `message` while it is set; nil when every such sink delivers again.
    case auditSinkFailing(message: String?)
    /// The client's input ended: end of file, the reader stopped, or a read failed.
    case clientEnded(ClientEnd)
    /// SIGTERM/SIGINT: held calls are refused, the session winds down.
    case shutdownRequested
    /// The server is gone and its last frames were delivered: the last event of a session.
    case serverExited(termination: String)
}

/// One client frame, as the reader thread prepared it (`RelayStateMachine.clientInput`).
package enum ClientInput: Sendable {
    case message(ClientMessage)
    /// A frame the gate refused: the frame as read, and the error to answer with.
    case rejected([UInt8], ClientMessage.Rejection)
    /// A frame longer than the proxy's limit, discarded unread.
    case oversized(Int)
}

/// One server frame, as the reader thread prepared it (`RelayStateMachine.serverInput`).
package enum ServerInput: Sendable {
    case message(ServerMessage)
    /// A frame longer than the proxy's limit, discarded unread.
    case oversized(Int)
}

/// How the client's input ended.
package enum ClientEnd: Sendable, Equatable, CustomStringConvertible {
    case endOfFile
    /// The proxy stopped reading (a shutdown, the server gone).
    case stopped
    case failed(String)

    package var description: String {
        switch self {
        case .endOfFile: "endOfFile"
        case .stopped: "stopped"
        case .failed(let reason): "failed(\(String(reflecting: reason)))"
        }
    }
}
