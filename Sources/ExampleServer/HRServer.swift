import Foundation

/// The example HR MCP server's JSON-RPC dispatcher: one decoded message in, one encoded response out.
package struct HRServer {
    /// Name reported in `serverInfo`.
    package static let name = "example-hr-server"
    /// Version reported in `serverInfo`.
    package static let version = "1.0.0"
    /// Number of tools per `tools/list` page.
    static let pageSize = 5

    private static let instructions =
        "HR directory of a small company. Read tools (list_employees, get_employee, "
        + "search_employees, get_personnel_file) are safe; update_salary and add_review_note change records, "
        + "export_payroll exposes sensitive pay data, and delete_employee permanently removes a record."
    private static var serverInfo: [String: Any] { ["name": name, "version": version] }

    private var directory = HRDirectory.sample

    /// Creates a server over a fresh copy of the sample data set.
    package init() {}

    /// Handles one input line; returns the response JSON (without newline), or nil when no reply is due.
    package mutating func handle(line: Data) -> Data? {
        guard let message = try? JSONSerialization.jsonObject(with: line, options: [.fragmentsAllowed]) else {
            return JSONRPCEncoder.error(.parseError, id: .null)
        }
        return handle(message: message)
    }

    /// Handles one decoded message; returns the response JSON (without newline), or nil when no reply is due.
    package mutating func handle(message: Any) -> Data? {
        guard let object = message as? [String: Any] else {
            return JSONRPCEncoder.error(.invalidRequest("expected a JSON object"), id: .null)
        }
        guard let rawMethod = object["method"] else {
            if object["result"] != nil || object["error"] != nil { return nil }  // A client's response: ignore.
            let id = object["id"].flatMap(JSONRPCID.init(json:)) ?? .null
            return JSONRPCEncoder.error(.invalidRequest("missing method"), id: id)
        }
        guard let rawID = object["id"] else { return nil }  // Notifications never get a reply.
        guard let id = JSONRPCID(json: rawID) else {
            return JSONRPCEncoder.error(.invalidRequest("id must be a string or a number"), id: .null)
        }
        guard object["jsonrpc"] as? String == "2.0", let method = rawMethod as? String else {
            return JSONRPCEncoder.error(.invalidRequest("expected jsonrpc \"2.0\" and a string method"), id: id)
        }
        do throws(JSONRPCError) {
            guard let params = Self.object(orEmpty: object["params"]) else {
                throw JSONRPCError.invalidParams("params must be an object")
            }
            let era = try ProtocolEra(params: params)
            let (result, cacheable) = try dispatch(method, params: params)
            // server/discover only exists in the modern protocol, so it always gets the modern shape.
            let shape = method == "server/discover" ? .modern : era
            return JSONRPCEncoder.result(decorate(result, era: shape, cacheable: cacheable), id: id)
        } catch {
            return JSONRPCEncoder.error(error, id: id)
        }
    }

    private mutating func dispatch(
        _ method: String, params: [String: Any]
    ) throws(JSONRPCError) -> (result: [String: Any], cacheable: Bool) {
        switch method {
        case "initialize":
            let result: [String: Any] = [
                "protocolVersion": ProtocolEra.negotiate(requested: params["protocolVersion"]),
                "capabilities": ["tools": ["listChanged": false]],
                "serverInfo": Self.serverInfo,
                "instructions": Self.instructions,
            ]
            return (result, false)
        case "server/discover":
            let result: [String: Any] = [
                "supportedVersions": ProtocolEra.discoverableVersions,
                "capabilities": ["tools": [String: Any]()],
                "instructions": Self.instructions,
            ]
            return (result, true)
        case "ping":
            return ([:], false)
        case "tools/list":
            return (try listTools(params), true)
        case "tools/call":
            return (try callTool(params), false)
        default:
            throw .methodNotFound(method)
        }
    }

    private func listTools(_ params: [String: Any]) throws(JSONRPCError) -> [String: Any] {
        let tools = HRToolCatalog.tools
        var start = 0
        if let cursor = params["cursor"], !(cursor is NSNull) {
            guard let cursor = cursor as? String, let offset = Self.offset(fromCursor: cursor),
                offset > 0, offset < tools.count
            else {
                throw .invalidParams("Invalid cursor")
            }
            start = offset
        }
        let end = min(start + Self.pageSize, tools.count)
        var result: [String: Any] = ["tools": tools[start..<end].map(\.jsonObject)]
        if end < tools.count { result["nextCursor"] = Self.cursor(forOffset: end) }
        return result
    }

    private mutating func callTool(_ params: [String: Any]) throws(JSONRPCError) -> [String: Any] {
        guard let name = params["name"] as? String else { throw .invalidParams("Missing tool name") }
        guard let tool = HRToolCatalog.tool(named: name) else { throw .invalidParams("Unknown tool: \(name)") }
        guard let arguments = Self.object(orEmpty: params["arguments"]) else {
            throw .invalidParams("arguments must be an object")
        }
        return HRTools.call(tool, arguments: ToolArguments(values: arguments), directory: &directory).jsonObject
    }

    /// Adds the fields modern (2026-07-28) results require; legacy results are returned unchanged.
    private func decorate(_ result: [String: Any], era: ProtocolEra, cacheable: Bool) -> [String: Any] {
        guard era == .modern else { return result }
        var result = result
        result["resultType"] = "complete"
        var meta = result["_meta"] as? [String: Any] ?? [:]
        meta[ProtocolEra.serverInfoMetaKey] = Self.serverInfo
        result["_meta"] = meta
        if cacheable {
            result["ttlMs"] = 0
            result["cacheScope"] = "private"
        }
        return result
    }

    /// Returns the value as an object, an empty object when absent or null, or nil for any other JSON value.
    private static func object(orEmpty value: Any?) -> [String: Any]? {
        guard let value, !(value is NSNull) else { return [:] }
        return value as? [String: Any]
    }

    private static func cursor(forOffset offset: Int) -> String {
        Data("tools-offset:\(offset)".utf8).base64EncodedString()
    }

    private static func offset(fromCursor cursor: String) -> Int? {
        guard let data = Data(base64Encoded: cursor),
            let text = String(data: data, encoding: .utf8), text.hasPrefix("tools-offset:")
        else { return nil }
        return Int(text.dropFirst("tools-offset:".count))
    }
}
