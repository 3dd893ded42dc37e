import Testing

@testable import FirewallCore

struct ToolListFilterTests {
    static let readTool = #"{"name":"read_file", "description":"Reads \"a\" file","annotations":{"readOnlyHint":true}}"#
    static let deleteTool = #"{"name":"delete_file","annotations":{"destructiveHint":true,"readOnlyHint":false}}"#
    static let plainTool = #"{ "inputSchema" : {"type":"object"} , "name" : "caf\u00e9" }"#
    static let nameless = #"{"description":"no name"}"#

    static let frame =
        #"{"jsonrpc":"2.0","id":2,"result":{"tools": [ "# + readTool + " ,\n" + deleteTool + "," + plainTool + "\t,"
        + nameless + #" ], "nextCursor":"c1"},"x":1}"#

    private func filter(_ text: String, remove: (ToolListFilter.ListedTool) -> Bool) throws -> ToolListFilter.Outcome? {
        let message = ServerMessage.decode(bytes(text))
        let range = try #require(message.resultRange)
        return ToolListFilter.filter(message.frame, resultRange: range, remove: remove)
    }

    @Test func removingToolsSplicesTheArrayAndKeepsEveryOtherByte() throws {
        let outcome = try #require(try filter(Self.frame) { $0.name == "delete_file" })
        #expect(outcome.removed == ["delete_file", "<unreadable tool entry>"], "an entry without a name is withheld")
        let expected =
            #"{"jsonrpc":"2.0","id":2,"result":{"tools": ["# + Self.readTool + "," + Self.plainTool
            + #"], "nextCursor":"c1"},"x":1}"#
        #expect(String(decoding: outcome.frame, as: UTF8.self) == expected)
        #expect(throws: Never.self) { try json(outcome.frame) }
    }

    @Test func removingEveryToolLeavesAnEmptyArray() throws {
        let outcome = try #require(try filter(Self.frame) { _ in true })
        #expect(outcome.removed == ["read_file", "delete_file", "café", "<unreadable tool entry>"])
        let expected = #"{"jsonrpc":"2.0","id":2,"result":{"tools": [], "nextCursor":"c1"},"x":1}"#
        #expect(String(decoding: outcome.frame, as: UTF8.self) == expected)
    }

    @Test func returnsTheIdenticalFrameWhenNothingIsRemoved() throws {
        let named =
            #"{"jsonrpc":"2.0","id":2,"result":{"tools": [ "# + Self.readTool + " ,\n" + Self.deleteTool + ","
            + Self.plainTool + #" ], "nextCursor":"c1"},"x":1}"#
        let outcome = try #require(try filter(named) { _ in false })
        #expect(outcome.removed.isEmpty)
        #expect(outcome.frame == bytes(named))
    }

    @Test func listsEveryNamedToolWithItsAnnotations() throws {
        var seen: [String] = []
        let outcome = try #require(
            try filter(Self.frame) {
                seen.append($0.name); return false
            })
        #expect(seen == ["read_file", "delete_file", "café"])
        #expect(
            outcome.listed == [
                .init(name: "read_file", annotations: ToolAnnotations(readOnlyHint: true)),
                .init(name: "delete_file", annotations: ToolAnnotations(readOnlyHint: false, destructiveHint: true)),
                .init(name: "café", annotations: nil),
            ]
        )
        #expect(outcome.listed[0].annotations?.suggestedClass == .read)
        #expect(outcome.listed[1].annotations?.suggestedClass == .write)
    }

    @Test func ignoresMistypedAnnotationFields() throws {
        let text =
            #"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"t","annotations":{"readOnlyHint":"true","openWorldHint":false}}]}}"#
        let outcome = try #require(try filter(text) { _ in false })
        #expect(outcome.listed == [.init(name: "t", annotations: ToolAnnotations(openWorldHint: false))])
        #expect(outcome.listed[0].annotations?.suggestedClass == .write)
    }

    @Test(arguments: [
        #"{"jsonrpc":"2.0","id":1,"result":{"resources":[]}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":{"tools":{"name":"x"}}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":{"tools":"none"}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":[{"name":"x"}]}"#,
        #"{"jsonrpc":"2.0","id":1,"result":"tools"}"#,
    ])
    func returnsNilForResultsWithoutAWellFormedToolsArray(_ text: String) throws {
        #expect(try filter(text) { _ in true } == nil)
    }
}
