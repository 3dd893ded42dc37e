import Testing

@testable import FirewallCore

struct ClientMessageTests {
    private func decode(_ text: String) throws(ClientMessage.Rejection) -> ClientMessage {
        try ClientMessage.decode(bytes(text))
    }

    private func rejection(_ text: String) -> ClientMessage.Rejection? {
        #expect(throws: ClientMessage.Rejection.self) { try decode(text) }
    }

    @Test func classifiesRequestsNotificationsAndResponses() throws {
        let request = try decode(#"{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{}}"#)
        #expect(request.kind == .request(id: .number("7"), method: "tools/list"))
        #expect(request.id == .number("7") && request.method == "tools/list")
        let stringID = try decode(#"{"jsonrpc":"2.0","id":"a-1","method":"ping"}"#)
        #expect(stringID.kind == .request(id: .string("a-1"), method: "ping"))
        #expect(stringID.params == nil)
        let notification = try decode(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        #expect(notification.kind == .notification(method: "notifications/initialized"))
        #expect(notification.id == nil)
        let response = try decode(#"{"jsonrpc":"2.0","id":3,"result":{"action":"accept"}}"#)
        #expect(response.kind == .response(id: .number("3"), isError: false))
        #expect(response.method == nil)
        let error = try decode(#"{"jsonrpc":"2.0","id":"s1","error":{"code":-1,"message":"no"}}"#)
        #expect(error.kind == .response(id: .string("s1"), isError: true))
    }

    @Test func keepsTheLiteralTextOfNumericIDs() throws {
        #expect(try decode(#"{"jsonrpc":"2.0","id":12,"method":"ping"}"#).id == .number("12"))
        #expect(try decode(#"{"jsonrpc":"2.0","id":-9007199254740991,"method":"ping"}"#).id != nil)
    }

    /// A Node server reads `1.0`, `1e0` and `1` as one id, and 2^53 + 1 as 2^53: only plain safe integers pass.
    @Test(arguments: ["1.0", "1e0", "-0", "10E-1", "9007199254740992", "-9007199254740993", "12345678901234567890"])
    func refusesNumericIDsThatPeersReadAsAnotherValue(_ literal: String) {
        let reply = rejection(#"{"jsonrpc":"2.0","id":"# + literal + #","method":"tools/list"}"#)
        #expect(reply?.code == -32600)
        #expect(reply?.message.contains("integer") == true)
    }

    /// Messages refused before any policy sees them, with the JSON-RPC code the client is owed.
    static let invalid: [(text: String, code: Int)] = [
        (#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#, -32600),
        ("[]", -32600),
        ("42", -32600),
        (#""tools/call""#, -32600),
        ("null", -32600),
        ("", -32700),
        ("{", -32700),
        (#"{"jsonrpc":"2.0","id":1,"method":"ping"} trailing"#, -32700),
        (#"{"jsonrpc":"2.0","id":1,"method":"x\ud800"}"#, -32700),
        (#"{"id":1,"method":"ping"}"#, -32600),
        (#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#, -32600),
        (#"{"jsonrpc":2.0,"id":1,"method":"ping"}"#, -32600),
        (#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#, -32600),
        (#"{"jsonrpc":"2.0","id":[1],"method":"ping"}"#, -32600),
        (#"{"jsonrpc":"2.0","id":1,"method":7}"#, -32600),
        (#"{"jsonrpc":"2.0","id":1,"method":"ping","params":[1]}"#, -32600),
        (#"{"jsonrpc":"2.0","id":1,"method":"ping","result":{}}"#, -32600),
        (#"{"jsonrpc":"2.0","id":1}"#, -32600),
        (#"{"jsonrpc":"2.0","id":1,"result":{},"error":{}}"#, -32600),
        (#"{"jsonrpc":"2.0","result":{}}"#, -32600),
        (#"{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/call"}"#, -32600),
        (#"{"jsonrpc":"2.0","id":1,"method":"ping","m\u0065thod":"tools/call"}"#, -32600),
        (#"{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}"#, -32600),
    ]

    @Test(arguments: invalid)
    func rejectsInvalidMessagesWithTheRightCode(_ text: String, code: Int) {
        #expect(rejection(text)?.code == code)
    }

    @Test func rejectsDuplicateKeysInsideParamsSoThePolicyCannotSeeADifferentCall() {
        let duplicateName =
            #"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"get_time","name":"delete_all"}}"#
        let reply = rejection(duplicateName)
        #expect(reply?.code == -32600)
        #expect(reply?.id == .number("9"))
        let nested =
            #"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"rm","arguments":{"p":"/tmp","p":"/"}}}"#
        #expect(rejection(nested)?.code == -32600)
        let deep =
            #"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"rm","arguments":{"a":[{"p":1,"p":2}]}}}"#
        #expect(rejection(deep)?.code == -32600)
    }

    @Test(arguments: [#"tools\/call"#, #"tools\u002fcall"#, #"\u0074ools/call"#])
    func decodesEscapedMethodNamesSoTheyArePoliced(_ escaped: String) throws {
        let message = try decode(
            #"{"jsonrpc":"2.0","id":1,"method":"\#(escaped)","params":{"name":"rm","arguments":{}}}"#)
        #expect(message.method == "tools/call")
        #expect(message.toolName == "rm")
        let missingName = rejection(#"{"jsonrpc":"2.0","id":1,"method":"\#(escaped)","params":{}}"#)
        #expect(missingName?.code == -32602)
    }

    @Test func decodesEscapedKeysAndToolNames() throws {
        let message = try decode(
            #"{"jsonrpc":"2.0","i\u0064":1,"method":"tools/call","p\u0061rams":{"n\u0061me":"d\u0065lete","arguments":{"x":1}}}"#
        )
        #expect(message.id == .number("1"))
        #expect(message.toolName == "delete")
        #expect(message.toolArguments == .object([.init("x", .number("1"))]))
    }

    @Test func toleratesOddWhitespace() throws {
        let text =
            "\t{ \"jsonrpc\"\t:\r\"2.0\" ,\r\n \"id\" :  4 , \"method\" : \"tools/call\" ,\"params\":\t{ \"name\" : \"echo\" } }\r"
        let message = try decode(text)
        #expect(message.kind == .request(id: .number("4"), method: "tools/call"))
        #expect(message.toolName == "echo")
        #expect(message.toolArguments == .object([]))
    }

    @Test(arguments: [
        #"{"jsonrpc":"2.0","id":5,"method":"tools/call"}"#,
        #"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{}}"#,
        #"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":42}}"#,
        #"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":null}}"#,
        #"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"x","arguments":[1]}}"#,
        #"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"x","arguments":"{}"}}"#,
        #"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"x","arguments":null}}"#,
    ])
    func rejectsMalformedToolCallsWithInvalidParamsAndTheID(_ text: String) {
        let reply = rejection(text)
        #expect(reply?.code == -32602)
        #expect(reply?.id == .number("5"))
    }

    @Test func keepsTheIDWhenRejectingARequestWhoseIDWasRead() {
        #expect(rejection(#"{"jsonrpc":"1.0","id":"abc","method":"ping"}"#)?.id == .string("abc"))
        #expect(rejection(#"{"jsonrpc":"2.0","id":3,"method":"ping","params":[]}"#)?.id == .number("3"))
    }

    @Test func readsToolArgumentsAsParsedJSON() throws {
        let message = try decode(
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"n":5.0,"s":"a\"b","l":[true,null]}}}"#
        )
        #expect(message.toolArguments["n"] == .number("5.0"))
        #expect(message.toolArguments["s"] == .string("a\"b"))
        #expect(message.toolArguments["l"] == .array([.bool(true), .null]))
    }

    @Test func detectsTheEraFromTheProtocolVersionInMeta() throws {
        let modern = try decode(
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}"#
        )
        #expect(modern.era == .modern)
        let legacy = try decode(
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","_meta":{"progressToken":1}}}"#)
        #expect(legacy.era == .legacy)
        #expect(try decode(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).era == .legacy)
        let numericVersion = try decode(
            #"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":2026}}}"#
        )
        #expect(numericVersion.era == .legacy)
    }

    @Test(arguments: [
        #"{"jsonrpc":"2.0","method":"tools/call","params":{"name":"delete_all","arguments":{}}}"#,
        #"{"jsonrpc":"2.0","method":"tools\/call","params":{}}"#,
    ])
    func rejectsToolCallsSentAsNotificationsSoNoCallEscapesThePolicy(_ text: String) {
        let reply = rejection(text)
        #expect(reply?.code == -32600)
        #expect(reply?.id == nil)
    }

    @Test func passesOtherNotificationsThrough() throws {
        let message = try decode(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3}}"#)
        #expect(message.kind == .notification(method: "notifications/cancelled"))
        #expect(message.params?["requestId"] == .number("3"))
    }
}

/// Members the proxy does not interpret are held to the same strictness.
struct ClientMessageExtraMemberTests {
    @Test func duplicateKeysInAnUninterpretedMemberAreRefused() {
        #expect(throws: ClientMessage.Rejection.self) {
            _ = try ClientMessage.decode(bytes(#"{"jsonrpc":"2.0","id":1,"method":"ping","extra":{"a":1,"a":2}}"#))
        }
        #expect(throws: Never.self) {
            _ = try ClientMessage.decode(bytes(#"{"jsonrpc":"2.0","id":1,"method":"ping","extra":{"a":1,"b":2}}"#))
        }
    }
}

/// Near-misses of the policed method and disguised tool names are refused, never relayed.
struct ClientMessageNearMissTests {
    @Test(arguments: [#""Tools/Call""#, #""TOOLS/CALL""#, #""tools/call\u0000""#, #""tools/call ""#])
    func nearMissesOfToolsCallAreRefused(_ method: String) {
        #expect(throws: ClientMessage.Rejection.self) {
            _ = try ClientMessage.decode(
                bytes(#"{"jsonrpc":"2.0","id":1,"method":\#(method),"params":{"name":"delete_employee"}}"#))
        }
    }

    @Test(arguments: [#""delete_employee\u0000""#, #""delete\nemployee""#, #""""#])
    func toolNamesWithControlCharactersAreRefused(_ name: String) {
        #expect(throws: ClientMessage.Rejection.self) {
            _ = try ClientMessage.decode(
                bytes(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":\#(name)}}"#))
        }
    }
}
