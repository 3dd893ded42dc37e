/// Why the web approval page cannot be set up or started.
package enum WebApprovalError: Error, Equatable, CustomStringConvertible {
    /// The address is not `HOST:PORT`, or its port is out of range.
    case malformedAddress(String)
    /// The host is not a loopback address; the page must never be reachable from another machine.
    case notLoopback(String)
    /// The server could not listen (the port is taken, the address is unavailable).
    case bindFailed(address: String, reason: String)

    package var description: String {
        switch self {
        case .malformedAddress(let text):
            "`\(text)` is not an address for the approval page: give 127.0.0.1:PORT or [::1]:PORT (port 0 picks a free one)"
        case .notLoopback(let host):
            "the approval page only listens on loopback (127.0.0.1 or ::1), not on `\(host)`: "
                + "anyone who can reach it can approve calls"
        case .bindFailed(let address, let reason):
            "the approval page cannot listen on \(address): \(reason)"
        }
    }
}
