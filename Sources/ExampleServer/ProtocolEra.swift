/// The MCP protocol generation a request belongs to, which decides the shape of its result.
enum ProtocolEra: Equatable {
    /// 2025-11-25 and earlier: `initialize` handshake, plain results.
    case legacy
    /// 2026-07-28: version in every request's `_meta`, results carry `resultType` and cache hints.
    case modern

    /// The stateless protocol version.
    static let modernVersion = "2026-07-28"
    /// The `_meta` key carrying the request's protocol version.
    static let versionMetaKey = "io.modelcontextprotocol/protocolVersion"
    /// The `_meta` key carrying server information in modern results.
    static let serverInfoMetaKey = "io.modelcontextprotocol/serverInfo"
    /// Versions negotiable through `initialize`, newest first.
    static let legacyVersions = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]
    /// Versions advertised by `server/discover`.
    static let discoverableVersions = [modernVersion, "2025-11-25"]

    /// Determines the era of a request from `params._meta`, rejecting versions the server does not speak.
    init(params: [String: Any]) throws(JSONRPCError) {
        guard let meta = params["_meta"] as? [String: Any], let raw = meta[Self.versionMetaKey] else {
            self = .legacy
            return
        }
        guard let version = raw as? String else {
            throw .invalidParams("_meta \"\(Self.versionMetaKey)\" must be a string")
        }
        if version == Self.modernVersion {
            self = .modern
        } else if Self.legacyVersions.contains(version) {
            self = .legacy
        } else {
            throw .unsupportedVersion(version)
        }
    }

    /// Negotiates the `initialize` protocol version: the client's if supported, else the newest legacy one.
    static func negotiate(requested: Any?) -> String {
        if let requested = requested as? String, legacyVersions.contains(requested) { return requested }
        return legacyVersions[0]
    }
}
