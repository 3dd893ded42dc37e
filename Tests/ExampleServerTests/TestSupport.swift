import Foundation
import Testing

@testable import ExampleServer

/// Helpers that drive an `HRServer` with JSON text and decode its replies.
extension HRServer {
    /// Sends one line and returns the raw reply text, or nil when the server stays silent.
    mutating func reply(_ line: String) -> String? {
        handle(line: Data(line.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Sends one request object and returns the decoded reply.
    mutating func send(_ message: [String: Any]) throws -> [String: Any] {
        let line = try JSONSerialization.data(withJSONObject: message)
        let response = handle(line: line)
        let reply = try #require(response)
        return try #require(try JSONSerialization.jsonObject(with: reply) as? [String: Any])
    }

    /// Sends a request with the given method and params and returns its `result` object.
    mutating func result(_ method: String, _ params: [String: Any] = [:], id: Int = 1) throws -> [String: Any] {
        let reply = try send(["jsonrpc": "2.0", "id": id, "method": method, "params": params])
        return try #require(reply["result"] as? [String: Any], "no result in \(reply)")
    }

    /// Sends a request that must fail and returns its `error` object.
    mutating func error(_ method: String, _ params: [String: Any] = [:]) throws -> [String: Any] {
        let reply = try send(["jsonrpc": "2.0", "id": 1, "method": method, "params": params])
        return try #require(reply["error"] as? [String: Any], "no error in \(reply)")
    }

    /// Calls a tool and returns the `tools/call` result.
    mutating func call(
        _ tool: String, _ arguments: [String: Any] = [:], modern: Bool = false
    ) throws
        -> [String: Any]
    {
        var params: [String: Any] = ["name": tool, "arguments": arguments]
        if modern { params["_meta"] = modernMeta }
        return try result("tools/call", params)
    }
}

/// `_meta` marking a request as 2026-07-28.
var modernMeta: [String: Any] {
    [
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": ["name": "tests", "version": "1"],
        "io.modelcontextprotocol/clientCapabilities": [String: Any](),
    ]
}

/// The text of the first content block of a `tools/call` result.
func text(of result: [String: Any]) -> String {
    ((result["content"] as? [[String: Any]])?.first?["text"] as? String) ?? ""
}

/// Whether a `tools/call` result is a tool-level error.
func isError(_ result: [String: Any]) -> Bool {
    result["isError"] as? Bool ?? false
}
