import Crypto

/// Canonical forms that tie an approval to exactly one call.
package enum ApprovalBinding {
    /// SHA-256 (hex) over the tool, the canonical arguments, the server, the policy digest and the
    /// proxy run's random id, each length-prefixed so no two different calls share an input. The run id
    /// keeps an answer captured in one run (a webhook callback) from approving the same call in another.
    package static func digest(
        tool: String, arguments: JSONValue, server: String, policySHA256: String, run: String = ""
    ) -> String {
        var hasher = SHA256()
        let parts = [
            Array(tool.utf8), canonicalJSON(arguments), Array(server.utf8), Array(policySHA256.utf8), Array(run.utf8),
        ]
        for part in parts {
            hasher.update(data: Array("\(part.count):".utf8))
            hasher.update(data: part)
        }
        return hasher.finalize().hexString
    }

    /// SHA-256 (hex) of the canonical arguments alone.
    package static func argumentsDigest(_ arguments: JSONValue) -> String {
        SHA256.hash(data: canonicalJSON(arguments)).hexString
    }

    /// JSON with object members sorted by key (by UTF-8 bytes) at every depth, no whitespace; strings
    /// and number literals as the writer emits them. Two argument objects that differ only in member
    /// order have the same canonical form; any other difference changes it.
    package static func canonicalJSON(_ value: JSONValue) -> [UInt8] {
        var writer = JSONWriter()
        writer.value(sorted(value))
        return writer.take()
    }

    private static func sorted(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            .object(
                members.map { JSONValue.Member($0.key, sorted($0.value)) }
                    .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) })
        case .array(let items): .array(items.map(sorted))
        default: value
        }
    }
}
