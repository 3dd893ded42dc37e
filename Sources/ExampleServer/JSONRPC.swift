import Foundation

/// A JSON-RPC request id, kept exactly as the client sent it so it can be echoed verbatim.
enum JSONRPCID {
    /// A string id.
    case string(String)
    /// A numeric id, kept as the decoded `NSNumber` so integers stay integers.
    case number(NSNumber)
    /// The null id used for replies to unparseable or invalid messages.
    case null

    /// Decodes an id, returning nil for values JSON-RPC does not allow (booleans, objects, arrays, null).
    init?(json: Any) {
        if let string = json as? String {
            self = .string(string)
        } else if let number = json as? NSNumber, !Self.isBoolean(number) {
            self = .number(number)
        } else {
            return nil
        }
    }

    /// The id as a value for `JSONSerialization`.
    var jsonValue: Any {
        switch self {
        case .string(let string): string
        case .number(let number): number
        case .null: NSNull()
        }
    }

    /// Whether a decoded JSON number is really a boolean (`true`/`false`).
    static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }
}

/// A JSON-RPC error object.
struct JSONRPCError: Error {
    /// The JSON-RPC error code.
    let code: Int
    /// A short, single-sentence description.
    let message: String
    /// For -32022, the protocol version the client asked for (reported with the supported ones).
    var requestedVersion: String? = nil

    /// The line could not be parsed as JSON (-32700).
    static let parseError = JSONRPCError(code: -32700, message: "Parse error")

    /// The message is not a valid JSON-RPC request (-32600).
    static func invalidRequest(_ detail: String) -> JSONRPCError {
        JSONRPCError(code: -32600, message: "Invalid Request: \(detail)")
    }

    /// The method does not exist (-32601).
    static func methodNotFound(_ method: String) -> JSONRPCError {
        JSONRPCError(code: -32601, message: "Method not found: \(method)")
    }

    /// The params are invalid (-32602).
    static func invalidParams(_ message: String) -> JSONRPCError {
        JSONRPCError(code: -32602, message: message)
    }

    /// The requested protocol version is not supported (-32022).
    static func unsupportedVersion(_ requested: String) -> JSONRPCError {
        JSONRPCError(
            code: -32022, message: "Unsupported protocol version",
            requestedVersion: requested)
    }

    /// The error object for a JSON-RPC error response.
    var jsonObject: [String: Any] {
        var object: [String: Any] = ["code": code, "message": message]
        if let requestedVersion {
            object["data"] = ["supported": ProtocolEra.discoverableVersions, "requested": requestedVersion]
        }
        return object
    }
}

/// Serializes JSON-RPC responses as single-line, deterministic JSON.
enum JSONRPCEncoder {
    /// Encodes a success response, or an internal error response if the result cannot be serialized.
    static func result(_ result: [String: Any], id: JSONRPCID) -> Data {
        encode(["jsonrpc": "2.0", "id": id.jsonValue, "result": result])
            ?? error(JSONRPCError(code: -32603, message: "Internal error: unserializable result"), id: id)
    }

    /// Encodes an error response.
    static func error(_ error: JSONRPCError, id: JSONRPCID) -> Data {
        encode(["jsonrpc": "2.0", "id": id.jsonValue, "error": error.jsonObject])
            ?? Data(#"{"error":{"code":-32603,"message":"Internal error"},"id":null,"jsonrpc":"2.0"}"#.utf8)
    }

    private static func encode(_ object: [String: Any]) -> Data? {
        try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}
