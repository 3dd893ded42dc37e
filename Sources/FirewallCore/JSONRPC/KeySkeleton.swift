/// The form of an object key under which the lenient decoders MCP peers are built on bind it to a field.
///
/// Go's `encoding/json` matches keys to struct fields by Unicode simple case folding (`Method`,
/// `METHOD`, `paramſ` with U+017F and `K` with U+212A all reach the same field), C#'s
/// `System.Text.Json` web defaults compare ignoring case, and pydantic models with camelCase aliases
/// and `populate_by_name` accept `input_schema` for `inputSchema` and `meta` for `_meta`. The skeleton
/// removes every `_` and folds every character with `lowercase(uppercase(c))` (full mappings, until it
/// stops changing), which unifies all of those. It is deliberately coarser than any one decoder: two
/// keys of one object with the same skeleton could be read as one field by some peer, so the proxy
/// refuses them rather than guess which one that peer keeps (Go keeps the last).
package enum KeySkeleton {
    /// The skeleton of `key`.
    package static func of(_ key: String) -> String {
        var isASCII = true
        var changes = false
        for byte in key.utf8 {
            if byte >= 0x80 {
                isASCII = false
                break
            }
            if folded(byte) != byte { changes = true }
        }
        if isASCII {
            guard changes else { return key }
            return String(unsafeUninitializedCapacity: key.utf8.count) { output in
                var count = 0
                for byte in key.utf8 {
                    guard let kept = folded(byte) else { continue }
                    output[count] = kept
                    count += 1
                }
                return count
            }
        }
        var scalars = String.UnicodeScalarView()
        for scalar in key.unicodeScalars where scalar != "_" {
            scalars.append(contentsOf: fold(scalar))
        }
        return String(scalars)
    }

    /// An ASCII byte of a key as its skeleton has it: nil for `_` (dropped), A–Z lowercased.
    @inline(__always)
    static func folded(_ byte: UInt8) -> UInt8? {
        if byte == 0x5F { return nil }
        return byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    /// `lowercase(uppercase(scalar))`, repeated until stable (ß → SS → ss; ẞ → ß → ss).
    private static func fold(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        if scalar.isASCII { return [Unicode.Scalar(folded(UInt8(scalar.value))!)] }
        var current = [scalar]
        for _ in 0..<4 {
            var next: [Unicode.Scalar] = []
            for item in current {
                for upper in item.properties.uppercaseMapping.unicodeScalars {
                    next.append(contentsOf: upper.properties.lowercaseMapping.unicodeScalars)
                }
            }
            if next == current { break }
            current = next
        }
        return current
    }
}

/// The member names of JSON-RPC and MCP objects that the proxy reads, and the variants of them it refuses.
///
/// A lone `Method`, `Params`, `Name` or `meta` is nothing to the proxy but is `method`, `params`, `name`
/// or `_meta` to a lenient decoder, so in the objects the proxy reads (the envelope, `params` and its
/// `_meta`, `result`, `error`, tool entries and their annotations) such a variant is refused.
package enum ProtocolKeys {
    /// Every protocol member name the proxy reads or relies on, exactly as the specifications spell them.
    package static let names: [String] = [
        "jsonrpc", "id", "method", "params", "result", "error", "code", "message", "data", "_meta",
        "name", "arguments", "cursor", "nextCursor", "tools", "isError", "content", "structuredContent",
        "resultType", "requestState", "inputResponses", "requestId", "reason", "protocolVersion", "capabilities",
        "clientInfo", "serverInfo", "instructions", "annotations", "title", "description", "inputSchema",
        "outputSchema", "readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint", "action",
        "progressToken", "uri", "task", "traceparent",
        ProtocolEra.protocolVersionKey, ProtocolEra.clientInfoKey, ProtocolEra.clientCapabilitiesKey,
    ]

    /// Field names pydantic accepts by name (`populate_by_name`) for aliases that are not identifiers.
    package static let pydanticNames: [String: String] = [
        "io_modelcontextprotocol_protocol_version": ProtocolEra.protocolVersionKey,
        "io_modelcontextprotocol_client_info": ProtocolEra.clientInfoKey,
        "io_modelcontextprotocol_client_capabilities": ProtocolEra.clientCapabilitiesKey,
        "io_modelcontextprotocol_server_info": "io.modelcontextprotocol/serverInfo",
        "io_modelcontextprotocol_log_level": "io.modelcontextprotocol/logLevel",
        "io_modelcontextprotocol_subscription_id": "io.modelcontextprotocol/subscriptionId",
    ]

    private static let bySkeleton: [String: String] = Dictionary(
        names.map { (KeySkeleton.of($0), $0) } + pydanticNames.map { (KeySkeleton.of($0.key), $0.value) },
        uniquingKeysWith: { first, _ in first })

    private static let asciiTable = SkeletonTable(bySkeleton)

    /// The protocol name `key` is a non-exact variant of, or nil when it is exact or no variant.
    package static func variant(_ key: String) -> String? {
        var key = key
        return key.withUTF8 { bytes -> String? in
            let name: String?
            if bytes.allSatisfy({ $0 < 0x80 }) {
                name = asciiTable.name(forASCII: bytes)
            } else {
                name = bySkeleton[KeySkeleton.of(String(decoding: bytes, as: UTF8.self))]
            }
            // Compared as bytes: `==` would take a Kelvin sign for a K.
            guard let name, !Self.sameBytes(name, bytes) else { return nil }
            return name
        }
    }

    private static func sameBytes(_ name: String, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        var name = name
        return name.withUTF8 { $0.elementsEqual(key) }
    }

    /// Throws the reason when a key of `keys` is a lone variant of a protocol name.
    package static func check(_ keys: some Sequence<String>, in place: String) throws(VariantKey) {
        for key in keys {
            if let name = variant(key) { throw VariantKey(key: key, protocolName: name, place: place) }
        }
    }

    /// A member name that some decoder reads as a protocol member the proxy reads under its exact name.
    package struct VariantKey: Error, Sendable, Equatable, CustomStringConvertible {
        package var key: String
        package var protocolName: String
        package var place: String

        package var description: String {
            "\(place) has key \(key.debugDescription), which lenient decoders (Go, C#, pydantic aliases) read as "
                + "\(protocolName.debugDescription); write it exactly as \(protocolName.debugDescription)"
        }
    }
}
