import Testing

@testable import FirewallCore

struct ServerMessageTests {
    private func decode(_ text: String) -> ServerMessage {
        ServerMessage.decode(bytes(text))
    }

    @Test func readsAResultAndPointsAtItsBytes() throws {
        let text = #"{"jsonrpc":"2.0", "id" : 12 ,"result" : {"tools":[{"name":"a"}]} }"#
        let message = decode(text)
        #expect(message.kind == .result(id: .number("12")))
        #expect(message.id == .number("12"))
        #expect(message.method == nil)
        let range = try #require(message.resultRange)
        #expect(String(decoding: bytes(text)[range], as: UTF8.self) == #"{"tools":[{"name":"a"}]}"#)
    }

    @Test func readsScalarAndStringIDResults() throws {
        let text = #"{"result":"done","id":"req-1","jsonrpc":"2.0"}"#
        let message = decode(text)
        #expect(message.kind == .result(id: .string("req-1")))
        #expect(String(decoding: bytes(text)[try #require(message.resultRange)], as: UTF8.self) == #""done""#)
    }

    @Test func readsErrorsWithAndWithoutAnID() {
        let withID = decode(#"{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"Method not found"}}"#)
        #expect(withID.kind == .error(id: .number("3"), code: -32601))
        #expect(withID.id == .number("3"))
        #expect(withID.resultRange == nil)
        let nullID = decode(#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}"#)
        #expect(nullID.kind == .error(id: nil, code: -32700))
        let noCode = decode(#"{"jsonrpc":"2.0","id":4,"error":{"message":"odd"}}"#)
        #expect(noCode.kind == .error(id: .number("4"), code: nil))
    }

    @Test(arguments: ["1e300", "-1e400", "1.5", "9223372036854775808"])
    func ignoresErrorCodesThatAreNotIntegersInsteadOfCrashing(_ code: String) {
        let message = decode(#"{"jsonrpc":"2.0","id":5,"error":{"code":\#(code),"message":"odd"}}"#)
        #expect(message.kind == .error(id: .number("5"), code: nil))
    }

    @Test func readsServerRequestsAndNotifications() {
        let request = decode(#"{"jsonrpc":"2.0","id":"srv-1","method":"elicitation/create","params":{}}"#)
        #expect(request.kind == .request(id: .string("srv-1"), method: "elicitation/create"))
        #expect(request.method == "elicitation/create")
        #expect(request.resultRange == nil)
        let notification = decode(#"{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}"#)
        #expect(notification.kind == .notification(method: "notifications/tools/list_changed"))
        #expect(notification.id == nil)
        let escaped = decode(#"{"jsonrpc":"2.0","method":"notifications\/progress","params":{"progress":1}}"#)
        #expect(escaped.method == "notifications/progress")
    }

    @Test(arguments: [
        "", "not json", "[1,2]", "42", #"{"jsonrpc":"2.0"}"#, #"{"jsonrpc":"2.0","result":{}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":{},"id":2}"#, #"{"jsonrpc":"2.0","id":1,"result":{"a":1}"#,
        #"{"jsonrpc":"2.0","id":1,"result":"\ud800"}"#,
    ])
    func reportsAnythingElseAsUnparseable(_ text: String) {
        let message = decode(text)
        guard case .unparseable(let reason) = message.kind else {
            Issue.record("expected unparseable, got \(message.kind)")
            return
        }
        #expect(!reason.isEmpty)
        #expect(message.id == nil && message.method == nil && message.resultRange == nil)
    }
}
