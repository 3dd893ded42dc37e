/// Where the approval page listens: a loopback host and a port (0 asks the system for a free one).
package struct WebApprovalAddress: Sendable, Equatable, CustomStringConvertible {
    /// The loopback hosts accepted: IPv4 and IPv6. Names such as `localhost` are refused, since a name can
    /// resolve to something else.
    package enum Host: String, Sendable {
        case ipv4 = "127.0.0.1"
        case ipv6 = "::1"
    }

    /// The loopback host.
    package var host: Host
    /// The port; 0 asks the system for a free one.
    package var port: Int

    /// `127.0.0.1:0` unless told otherwise.
    package init(host: Host = .ipv4, port: Int = 0) {
        self.host = host
        self.port = port
    }

    /// Parses `127.0.0.1:PORT`, `[::1]:PORT` or `::1:PORT`; any other host is refused.
    package init(parsing text: String) throws(WebApprovalError) {
        guard let colon = text.lastIndex(of: ":") else { throw .malformedAddress(text) }
        var hostText = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        if hostText.hasPrefix("[") && hostText.hasSuffix("]") { hostText = String(hostText.dropFirst().dropLast()) }
        guard !hostText.isEmpty, let port = Int(portText), (0...65535).contains(port),
            portText.allSatisfy(\.isASCII)
        else { throw .malformedAddress(text) }
        guard let host = Host(rawValue: hostText) else { throw .notLoopback(hostText) }
        self.init(host: host, port: port)
    }

    /// `127.0.0.1:PORT` or `[::1]:PORT`, as it appears in a URL's authority.
    package func authority(port: Int) -> String {
        host == .ipv6 ? "[::1]:\(port)" : "127.0.0.1:\(port)"
    }

    package var description: String { authority(port: port) }
}
