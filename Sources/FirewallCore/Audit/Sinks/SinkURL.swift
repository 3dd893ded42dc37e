/// The parts of a sink's URL the proxy checks before it sends anything: scheme, host, port.
///
/// Deliberately small: the HTTP client parses the URL again to connect; this only decides whether
/// the proxy may send audit records there.
package struct SinkURL: Sendable, Equatable {
    /// Lower-cased: `http`, `https`, `otlp+http`, `syslog+tcp`…
    package var scheme: String
    /// Lower-cased, without the brackets of an IPv6 literal.
    package var host: String
    package var port: Int?

    /// Nil unless `text` is `scheme://host[:port][/…]` with a non-empty host and no user info.
    package init?(_ text: String) {
        guard let separator = text.range(of: "://") else { return nil }
        let scheme = text[..<separator.lowerBound].lowercased()
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
        else { return nil }
        let rest = text[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@"), !authority.isEmpty else { return nil }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { return nil }
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else { return nil }
            self.port = port
        }
        self.scheme = scheme
        self.host = host.lowercased()
    }

    /// `localhost`, `127.0.0.0/8` or `::1`: a collector on this machine.
    package var isLoopback: Bool {
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { part in UInt8(part) != nil }
    }
}

/// A `--audit-sink` value or a sink in the policy that cannot be used; the proxy does not start.
package struct AuditSinkError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package var description: String { message }

    package init(_ message: String) {
        self.message = message
    }
}

extension AuditSinkSettings {
    /// A sink from a `--audit-sink` value: `stderr`, `https://…`, or `http://…` to the loopback.
    ///
    /// The policy's `audit.sinks` configures the rest (headers, the `lokryn` format, `on_sink_failure`);
    /// a flag never carries a secret.
    package init(spec: String) throws(AuditSinkError) {
        if spec == "stderr" {
            self.init(target: .stderr(.text))
            return
        }
        let http = HTTP(url: spec)
        try Self.check(http)
        self.init(target: .http(http))
    }

    /// Refuses what the proxy will not send audit records to: other schemes (with what is planned),
    /// and plain `http` off the machine unless `allow_plain_http` says so.
    package static func check(_ http: HTTP) throws(AuditSinkError) {
        guard let url = SinkURL(http.url) else {
            throw AuditSinkError("audit sink `\(http.url)` is not a URL such as https://collector.example.com/ingest")
        }
        switch url.scheme {
        case "https":
            return
        case "http":
            guard url.isLoopback || http.allowPlainHTTP else {
                throw AuditSinkError(
                    "audit sink `\(http.url)` is plain http to another machine: records would cross the network "
                        + "unencrypted; use https, or set `allow_plain_http: true` on the sink in the policy")
            }
        case "otlp+http", "otlp+https", "syslog+tcp", "syslog+tls":
            throw AuditSinkError(
                "audit sink `\(http.url)`: \(url.scheme) sinks are not supported yet (planned); use http(s) or stderr")
        default:
            throw AuditSinkError("audit sink `\(http.url)` has the unknown scheme `\(url.scheme)`; use https or stderr")
        }
    }
}
