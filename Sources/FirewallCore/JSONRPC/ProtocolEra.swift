/// Which generation of MCP a request belongs to, which decides the shape of results the proxy writes.
package enum ProtocolEra: String, Sendable, Hashable {
    /// 2025-11-25 and earlier: `initialize` handshake, no `resultType`.
    case legacy
    /// 2026-07-28 and later: per-request `_meta`, results carry `resultType`.
    case modern

    /// The `_meta` key that carries a modern request's protocol version.
    package static let protocolVersionKey = "io.modelcontextprotocol/protocolVersion"
    /// The `_meta` key that carries a modern request's client information.
    package static let clientInfoKey = "io.modelcontextprotocol/clientInfo"
    /// The `_meta` key that carries a modern request's client capabilities.
    package static let clientCapabilitiesKey = "io.modelcontextprotocol/clientCapabilities"
}
