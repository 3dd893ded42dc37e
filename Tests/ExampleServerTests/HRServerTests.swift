import Foundation
import Testing

@testable import ExampleServer

/// Protocol-level behaviour of the example HR server: handshake, eras, listing, ids and errors.
struct HRServerTests {
    @Test func initializeEchoesSupportedVersionAndDescribesServer() throws {
        var server = HRServer()
        let result = try server.result(
            "initialize",
            [
                "protocolVersion": "2025-06-18", "capabilities": [String: Any](),
                "clientInfo": ["name": "t", "version": "1"],
            ])
        #expect(result["protocolVersion"] as? String == "2025-06-18")
        #expect((result["capabilities"] as? [String: Any])?["tools"] as? [String: Bool] == ["listChanged": false])
        #expect(result["serverInfo"] as? [String: String] == ["name": "example-hr-server", "version": "1.0.0"])
        #expect((result["instructions"] as? String)?.isEmpty == false)
        #expect(result["resultType"] == nil)
    }

    @Test func initializeFallsBackToLatestLegacyVersion() throws {
        var server = HRServer()
        for requested in ["1999-01-01", "2026-07-28"] {
            let result = try server.result("initialize", ["protocolVersion": requested])
            #expect(result["protocolVersion"] as? String == "2025-11-25")
        }
    }

    @Test func notificationsAndClientResponsesGetNoReply() {
        var server = HRServer()
        #expect(server.reply(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#) == nil)
        #expect(server.reply(#"{"jsonrpc":"2.0","method":"tools/call","params":{"name":"nope"}}"#) == nil)
        #expect(server.reply(#"{"jsonrpc":"2.0","id":5,"result":{}}"#) == nil)
        #expect(server.reply(#"{"jsonrpc":"2.0","id":6,"error":{"code":1,"message":"x"}}"#) == nil)
    }

    @Test func pingAnswersEmptyObjectBeforeInitialize() throws {
        var server = HRServer()
        #expect(server.reply(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#) == #"{"id":1,"jsonrpc":"2.0","result":{}}"#)
    }

    @Test func toolsListPaginatesFiveToolsPerPage() throws {
        var server = HRServer()
        let first = try server.result("tools/list")
        let firstTools = try #require(first["tools"] as? [[String: Any]])
        let cursor = try #require(first["nextCursor"] as? String)
        let second = try server.result("tools/list", ["cursor": cursor])
        let secondTools = try #require(second["tools"] as? [[String: Any]])
        #expect(firstTools.count == 5)
        #expect(secondTools.count == 3)
        #expect(second["nextCursor"] == nil)
        #expect(
            (firstTools + secondTools).compactMap { $0["name"] as? String } == [
                "list_employees", "get_employee", "search_employees", "get_personnel_file",
                "update_salary", "add_review_note", "export_payroll", "delete_employee",
            ])
        #expect(first["ttlMs"] == nil && first["resultType"] == nil)
    }

    @Test func toolsListRejectsInvalidCursors() throws {
        var server = HRServer()
        let outOfRange = Data("tools-offset:99".utf8).base64EncodedString()
        for cursor in ["garbage", outOfRange, ""] as [Any] + [42] {
            #expect(try server.error("tools/list", ["cursor": cursor])["code"] as? Int == -32602)
        }
    }

    @Test(arguments: [
        ("list_employees", true, false, true), ("get_employee", true, false, true),
        ("search_employees", true, false, true), ("get_personnel_file", true, false, true),
        ("update_salary", false, false, true), ("add_review_note", false, false, false),
        ("export_payroll", false, false, true), ("delete_employee", false, true, true),
    ])
    func toolAnnotations(name: String, readOnly: Bool, destructive: Bool, idempotent: Bool) throws {
        let tool = try #require(HRToolCatalog.tool(named: name)).jsonObject
        let annotations = try #require(tool["annotations"] as? [String: Bool])
        #expect(
            annotations == [
                "readOnlyHint": readOnly, "destructiveHint": destructive,
                "idempotentHint": idempotent, "openWorldHint": false,
            ])
        let schema = try #require(tool["inputSchema"] as? [String: Any])
        #expect(schema["type"] as? String == "object")
        #expect(schema["properties"] is [String: Any] && schema["required"] is [String])
        #expect(tool["title"] is String && tool["description"] is String)
    }

    @Test func modernListCarriesResultTypeCacheHintsAndServerInfo() throws {
        var server = HRServer()
        let result = try server.result("tools/list", ["_meta": modernMeta])
        #expect(result["resultType"] as? String == "complete")
        #expect(result["ttlMs"] as? Int == 0)
        #expect(result["cacheScope"] as? String == "private")
        let meta = try #require(result["_meta"] as? [String: Any])
        #expect(
            meta["io.modelcontextprotocol/serverInfo"] as? [String: String] == [
                "name": "example-hr-server", "version": "1.0.0",
            ])
        #expect((result["tools"] as? [Any])?.count == 5)
    }

    @Test func modernToolCallIsCompleteButNotCacheable() throws {
        var server = HRServer()
        let result = try server.call("get_employee", ["employee_id": "E-1001"], modern: true)
        #expect(result["resultType"] as? String == "complete")
        #expect(result["ttlMs"] == nil && result["cacheScope"] == nil)
        #expect(!isError(result))
    }

    @Test func discoverAdvertisesVersionsAndCapabilities() throws {
        var server = HRServer()
        let result = try server.result("server/discover", ["_meta": modernMeta])
        #expect(result["resultType"] as? String == "complete")
        #expect(result["supportedVersions"] as? [String] == ["2026-07-28", "2025-11-25"])
        #expect((result["capabilities"] as? [String: Any])?["tools"] is [String: Any])
        #expect(result["ttlMs"] as? Int == 0 && result["cacheScope"] as? String == "private")
        let meta = try #require(result["_meta"] as? [String: Any])
        #expect(meta["io.modelcontextprotocol/serverInfo"] != nil)
    }

    @Test func unsupportedModernVersionIsRejectedWithSupportedList() throws {
        var server = HRServer()
        let error = try server.error("tools/list", ["_meta": ["io.modelcontextprotocol/protocolVersion": "2099-01-01"]])
        #expect(error["code"] as? Int == -32022)
        let data = try #require(error["data"] as? [String: Any])
        #expect(data["supported"] as? [String] == ["2026-07-28", "2025-11-25"])
        #expect(data["requested"] as? String == "2099-01-01")
    }

    @Test func idsAreEchoedExactly() {
        var server = HRServer()
        let cases = [("7", "7"), (#""abc""#, #""abc""#), ("9007199254740993", "9007199254740993"), ("-3", "-3")]
        for (sent, echoed) in cases {
            let reply = server.reply(#"{"jsonrpc":"2.0","id":\#(sent),"method":"ping"}"#)
            #expect(reply == #"{"id":\#(echoed),"jsonrpc":"2.0","result":{}}"#)
        }
    }

    @Test func malformedMessagesGetErrorsWithNullOrOriginalID() throws {
        var server = HRServer()
        let parse = server.reply("{not json")
        #expect(parse == #"{"error":{"code":-32700,"message":"Parse error"},"id":null,"jsonrpc":"2.0"}"#)
        #expect(server.reply(#"{"jsonrpc":"2.0","id":true,"method":"ping"}"#)?.contains(#""id":null"#) == true)
        #expect(server.reply("[1,2]")?.contains("-32600") == true)
        #expect(server.reply(#"{"id":4,"method":"ping"}"#)?.contains("-32600") == true)
        let noMethod = server.reply(#"{"jsonrpc":"2.0","id":"q"}"#)
        #expect(noMethod?.contains("-32600") == true && noMethod?.contains(#""id":"q""#) == true)
        let badParams = server.reply(#"{"jsonrpc":"2.0","id":5,"method":"tools/list","params":[1]}"#)
        #expect(badParams?.contains("-32602") == true && badParams?.contains(#""id":5"#) == true)
    }

    @Test func unknownMethodAndToolAreProtocolErrors() throws {
        var server = HRServer()
        #expect(try server.error("resources/list")["code"] as? Int == -32601)
        let unknownTool = try server.error("tools/call", ["name": "launch_missiles"])
        #expect(unknownTool["code"] as? Int == -32602)
        #expect(unknownTool["message"] as? String == "Unknown tool: launch_missiles")
        #expect(try server.error("tools/call", [:])["code"] as? Int == -32602)
        #expect(try server.error("tools/call", ["name": "get_employee", "arguments": "x"])["code"] as? Int == -32602)
    }

    @Test func outputIsOneLineWithUnescapedSlashes() throws {
        var server = HRServer()
        _ = try server.call("add_review_note", ["employee_id": "E-1001", "note": "a/b\nc"])
        let response = server.reply(
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_employee","#
                + #""arguments":{"employee_id":"E-1001"}}}"#)
        let reply = try #require(response)
        #expect(reply.contains(#"a/b\nc"#))
        #expect(!reply.contains("\n"))
        #expect(!reply.contains(#"\/"#))
    }
}
