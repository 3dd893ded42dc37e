/// The checks every request to the approval page passes, as pure functions of its path and headers.
///
/// - The path must carry the URL token (anything else is 404, compared in constant time).
/// - `Host` must be the bound address (`127.0.0.1:PORT`, `[::1]:PORT` or `localhost:PORT`): a DNS
///   rebinding page on another name is refused even though its requests reach our port.
/// - Answers must be `application/json` (a cross-site form cannot send it), carry the CSRF token from the
///   page in a header (a cross-site script cannot read it), and, when the browser says where they come
///   from, come from the page's own origin.
package struct RequestGate: Sendable {
    /// Where a path leads, once its token is checked.
    package enum Route: Sendable, Equatable {
        /// `/approve/<token>/` (or without the final slash): the page.
        case page
        /// `/approve/<token>/events`: the Server-Sent Events stream.
        case events
        /// `/approve/<token>/decide`: answers.
        case decide
        case notFound
    }

    /// A refused request: its status code and a short text for the page.
    package struct Rejection: Error, Sendable, Equatable {
        /// The HTTP status code.
        package var status: Int
        /// What went wrong, for the page.
        package var message: String

        /// A rejection with `status` and `message`.
        package init(status: Int, message: String) {
            self.status = status
            self.message = message
        }
    }

    /// The header carrying the CSRF token.
    package static let csrfHeader = "X-MCP-Firewall-CSRF"

    /// The secret in the page's URL.
    package let pathToken: AccessToken
    /// The secret answers repeat in the CSRF header.
    package let csrfToken: AccessToken
    /// Where the server listens (its port may be 0 until bound).
    package let address: WebApprovalAddress

    /// A gate for a server on `address` with the given secrets.
    package init(pathToken: AccessToken, csrfToken: AccessToken, address: WebApprovalAddress) {
        self.pathToken = pathToken
        self.csrfToken = csrfToken
        self.address = address
    }

    /// The path of the page: `/approve/<token>/`.
    package var pagePath: String { "/approve/\(pathToken.text)/" }

    /// Resolves `path` (without its query); every path without the right token is `notFound`.
    package func route(_ path: String) -> Route {
        let prefix = "/approve/"
        guard path.hasPrefix(prefix) else { return .notFound }
        let rest = path.utf8.dropFirst(prefix.utf8.count)
        let token = rest.prefix { $0 != UInt8(ascii: "/") }
        guard AccessToken.constantTimeEquals(Array(token), Array(pathToken.text.utf8)) else { return .notFound }
        switch String(decoding: rest.dropFirst(token.count), as: UTF8.self) {
        case "", "/": return .page
        case "/events": return .events
        case "/decide": return .decide
        default: return .notFound
        }
    }

    /// The `Host` values accepted once the server listens on `port`, lowercased.
    package func allowedHosts(port: Int) -> [String] {
        [address.authority(port: port), "localhost:\(port)"]
    }

    /// Refuses a request whose `Host` (HTTP/1.1 authority) is not the bound address.
    package func checkHost(_ host: String?, port: Int) -> Rejection? {
        guard let host, allowedHosts(port: port).contains(host.lowercased()) else {
            return Rejection(status: 403, message: "wrong Host: open the address mcp-firewall printed")
        }
        return nil
    }

    /// Refuses an answer that is not same-origin JSON carrying the CSRF token. `host` has passed `checkHost`.
    package func checkAnswer(host: String, origin: String?, contentType: String?, csrf: String?) -> Rejection? {
        if let origin, origin.lowercased() != "http://\(host.lowercased())" {
            return Rejection(status: 403, message: "answers are only accepted from the approval page itself")
        }
        let mediaType = contentType?.split(separator: ";", maxSplits: 1).first?
            .trimmingCharacters(in: " \t").lowercased()
        guard mediaType == "application/json" else {
            return Rejection(status: 415, message: "answers must be sent as application/json")
        }
        guard let csrf, csrfToken.matches(csrf) else {
            return Rejection(status: 403, message: "missing or wrong \(Self.csrfHeader) header: reload the page")
        }
        return nil
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        var text = self
        while let first = text.first, set.contains(first) { text.removeFirst() }
        while let last = text.last, set.contains(last) { text.removeLast() }
        return text
    }
}
