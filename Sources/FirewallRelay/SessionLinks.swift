import FirewallCore

/// The hand-offs between the services of one stdio session. Each is a signal set once; whoever sets
/// it first decides, and setting it again does nothing.
final class SessionLinks: Sendable {
    /// Stop the server: the client's end has been run (every frame it sent is decided and its forward
    /// queued), or a shutdown was requested.
    let stopServer = OneShot<Void>()
    /// Stop reading the client: the server has gone (no client frame may follow the session's end),
    /// or a shutdown was requested.
    let stopClientReading = OneShot<Void>()
    /// The client's end (end of input, a failed read, or a stop) is in the session's inbox.
    let clientEndPushed = OneShot<Void>()
}
