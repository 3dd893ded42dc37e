/// What a relay session's executor must do, in the order given.
///
/// Write-ahead is an ordering rule the executor obeys: a send runs only after every `audit` before
/// it (in this list and all earlier ones) is in the kernel (W1), and a `sendToServer` with a
/// `decided` id is not sent at all when its records could not be written: the executor reports it
/// back with `RelayEvent.auditFailed` (W2). Adjacent audits may be merged, and adjacent sends to
/// one peer; an audit may move earlier, never later (W3).
package enum RelayAction: Sendable {
    /// Append these records to the audit log.
    case audit([AuditEvent])
    /// Write a frame to the server. `decided`: a `tools/call` whose decision record precedes it.
    case sendToServer([UInt8], decided: RequestID?)
    /// Write a frame to the client, saying which of its requests it belongs to.
    case sendToClient([UInt8], ClientDestination)
    /// Ask these external channels (terminal, web, hooks) about a held call.
    case startApproval(ApprovalStart)
    /// Stop asking about a call: it was settled, withdrawn or timed out.
    case withdrawApproval(approvalID: String)
    /// A line for the operator's log (stderr).
    case log(RelayLog)
    /// The session is over; the last action of every session, after its `session_end` record.
    case endSession(SessionEnding)
}

/// Which client request an outgoing frame belongs to: a transport with one stream per request
/// (Streamable HTTP) puts it on that request's stream.
package enum ClientDestination: Sendable, Equatable {
    /// The answer to request `id` (the server's, or the proxy's own error or denial).
    case reply(to: RequestID)
    /// A request of the proxy's own sent while call `id` waits (the approval question).
    case during(RequestID)
    /// Not tied to any client request: the server's requests and notifications, errors without an id.
    case unsolicited
}

/// A held call to put to the external approval channels.
package struct ApprovalStart: Sendable {
    package var request: ApprovalRequest
    /// Channel names, in the policy's order; several only when they race.
    package var channels: [String]

    package init(request: ApprovalRequest, channels: [String]) {
        self.request = request
        self.channels = channels
    }
}

/// An operator log line: a fixed message and dotted metadata keys.
///
/// The metadata is kept as the pairs written: a dictionary is built only for a line that is logged
/// (`metadata`), not for every call's debug line that the logger's level then drops.
package struct RelayLog: Sendable, Equatable {
    package enum Level: Sendable, Equatable { case debug, info, warning, error }

    /// One metadata entry.
    package struct Field: Sendable, Equatable {
        package var key: String
        package var value: String
    }

    package var level: Level
    package var message: String
    package var fields: [Field]

    package init(_ level: Level, _ message: String, _ metadata: KeyValuePairs<String, String> = [:]) {
        self.level = level
        self.message = message
        self.fields = metadata.map { Field(key: $0.key, value: $0.value) }
    }

    /// The metadata by key (a later entry wins over an earlier one with the same key).
    package var metadata: [String: String] {
        Dictionary(fields.lazy.map { ($0.key, $0.value) }, uniquingKeysWith: { _, later in later })
    }

    package static func == (lhs: RelayLog, rhs: RelayLog) -> Bool {
        lhs.level == rhs.level && lhs.message == rhs.message && lhs.metadata == rhs.metadata
    }
}

/// Session totals for the `session_end` record.
package struct RelayCounts: Sendable, Equatable {
    package var messagesFromClient = 0
    package var messagesFromServer = 0
    package var calls = 0
    package var allowed = 0
    package var denied = 0
    package var approved = 0
    package var rejected = 0
    package var toolsHidden = 0

    package init() {}

    package var fields: [(StaticString, Int)] {
        [
            ("messages_from_client", messagesFromClient), ("messages_from_server", messagesFromServer),
            ("calls", calls), ("allowed", allowed), ("denied", denied), ("approved", approved),
            ("rejected", rejected), ("tools_hidden", toolsHidden),
        ]
    }
}

/// How a session ended, typed: the CLI maps it to an exit code, nobody matches a string.
package struct SessionEnding: Sendable, Equatable {
    package enum Cause: Sendable, Equatable {
        /// The client's input ended (end of file, a failed read).
        case clientClosed(ClientEnd)
        /// SIGTERM/SIGINT.
        case shutdownRequested
        /// The server exited on its own, with this termination.
        case serverExited(String)
    }

    /// What ended the session first.
    package var cause: Cause
    /// How the server process ended.
    package var serverExit: String
    /// Why the audit log stopped accepting records, if it did.
    package var auditFailure: String?
    /// A `confirm` met nobody to ask (or timed out) under `unattended: fail` / `on_timeout: fail`.
    package var unattendedFailure: Bool
    package var counts: RelayCounts
    /// The `session_end` record's reason, as an operator reads it ("server exited (exit code 0)").
    package var reason: String {
        switch cause {
        case .clientClosed(let end): "client closed its input (\(end))"
        case .shutdownRequested: "shutdown requested (signal)"
        case .serverExited(let termination): "server exited (\(termination))"
        }
    }
}
