import Testing

@testable import FirewallCore

struct JSONParserTests {
    @Test(arguments: [
        "{}", "[]", "0", "-0", "1.5e-3", "true", "false", "null", #""""#,
        #" {"a" : [1, -2.5E+3, true, false, null, "x"], "b": {"c": {}}} "#,
        "\t\r\n [ ] \n",
        #""\u00e9\ud83d\ude00 \u2028 é 🔥""#,
        #"{"a":1,"b":{"a":1},"c":[{"a":1},{"a":2}]}"#,
    ])
    func acceptsWellFormedDocuments(_ text: String) {
        #expect(throws: Never.self) { try JSONParser.parse(bytes(text)) }
        #expect(throws: Never.self) { try bytes(text).withUnsafeBufferPointer { try JSONParser.validate($0) } }
    }

    /// Malformed documents and a fragment of the reason each is refused with.
    static let malformed: [(text: String, reason: String)] = [
        (#"{"a":1,"a":2}"#, "duplicate key \"a\""),
        (#"{"x":{"a":1,"b":{"c":1,"c":2}}}"#, "duplicate key \"c\""),
        (#"[0,{"k":1,"k":1}]"#, "duplicate key \"k\""),
        (#"{"method":"a","m\u0065thod":"b"}"#, "duplicate key \"method\""),
        (#""\ud800""#, "lone high surrogate"),
        (#""\ud800x""#, "lone high surrogate"),
        (#""\udc00""#, "lone low surrogate"),
        (#""\ud800\u0041""#, "invalid low surrogate"),
        ("\"a\u{01}b\"", "control character"),
        ("\"tab\there\"", "control character"),
        ("\"new\nline\"", "control character"),
        (#""a\x""#, "invalid escape"),
        (#""\u12G4""#, #"invalid \u escape"#),
        (#""\u12""#, "\\u escape"),
        (#""abc"#, "unterminated string"),
        (#"{"a":1} x"#, "unexpected data after the JSON value"),
        (#"{"a":1}{}"#, "unexpected data after the JSON value"),
        ("01", "unexpected data after the JSON value"),
        ("-01", "unexpected data after the JSON value"),
        ("[01]", "expected ',' or ']'"),
        ("-", "invalid number"),
        ("1.", "invalid number"),
        ("1e", "invalid number"),
        (".5", "unexpected character"),
        ("+1", "unexpected character"),
        ("tru", "invalid literal"),
        ("nul", "invalid literal"),
        (#"{"a" 1}"#, "expected ':'"),
        (#"{"a":1,}"#, "expected a string"),
        ("{a:1}", "expected a string"),
        ("[1,]", "unexpected character"),
        ("[1 2]", "expected ',' or ']'"),
        (#"{"a":1"#, "unterminated object"),
        ("[1", "unterminated array"),
        ("", "unexpected end of input"),
        ("'single'", "unexpected character"),
    ]

    @Test(arguments: malformed)
    func rejectsMalformedDocuments(_ text: String, reason: String) {
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes(text)) }
        #expect(error?.reason.contains(reason) == true, "\(error.map(String.init(describing:)) ?? "no error")")
    }

    /// Byte sequences that are not UTF-8: stray bytes, truncation, overlongs, encoded surrogates, > U+10FFFF.
    static let invalidUTF8: [[UInt8]] = [
        [0xFF], [0xC3], [0xC3, 0x28], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
        [0xF0, 0x9F, 0x94], [0x80],
    ]

    @Test(arguments: invalidUTF8)
    func rejectsInvalidUTF8InStringsOnEveryPath(_ sequence: [UInt8]) {
        let plain = [0x22] + sequence + [0x22]
        let afterEscape = bytes(#""\n"#) + sequence + [0x22]
        let asKey = bytes("{\"") + sequence + bytes(#"":1}"#)
        for document in [plain, afterEscape, asKey] {
            let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(document) }
            #expect(error?.reason == "invalid UTF-8 in string")
            #expect(throws: JSONParseError.self) {
                try document.withUnsafeBufferPointer { try JSONParser.validate($0) }
            }
        }
        let nested = bytes(#"{"a":["#) + plain + bytes("]}")
        #expect(throws: JSONParseError.self) {
            try nested.withUnsafeBufferPointer { try JSONParser.topLevelMembers($0) }
        }
    }

    @Test func rejectsNestingPastMaxDepthOnEveryPath() throws {
        func nested(_ depth: Int) -> [UInt8] {
            bytes(String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        }
        #expect(throws: Never.self) { try JSONParser.parse(nested(256)) }
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(nested(257)) }
        #expect(error?.reason == "nesting deeper than 256")
        #expect(throws: JSONParseError.self) { try nested(257).withUnsafeBufferPointer { try JSONParser.validate($0) } }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes(#"{"a":{"b":{"c":1}}}"#), maxDepth: 2) }
        #expect(throws: Never.self) { try JSONParser.parse(bytes(#"{"a":{"b":1}}"#), maxDepth: 2) }
        let deepObject = bytes(#"{"a":"#) + nested(257) + bytes("}")
        #expect(throws: JSONParseError.self) {
            try deepObject.withUnsafeBufferPointer { try JSONParser.topLevelMembers($0) }
        }
    }

    @Test func unescapesSimpleAndUnicodeEscapes() throws {
        let value = try json(#"["\u0041\u00e9\u00E9", "\"\\\/\b\f\n\r\t", "\ud83d\ude00", "\u0000", "caf\u00e9 ok"]"#)
        #expect(
            value
                == .array([
                    .string("Aéé"), .string("\"\\/\u{08}\u{0C}\n\r\t"), .string("😀"), .string("\u{0}"),
                    .string("café ok"),
                ]))
    }

    @Test func keepsTheLiteralTextOfNumbers() throws {
        let value = try json("[1.50, 1e2, -0, 12345678901234567890123, 5.0E-1]")
        #expect(
            value
                == .array([
                    .number("1.50"), .number("1e2"), .number("-0"), .number("12345678901234567890123"),
                    .number("5.0E-1"),
                ]))
        guard case .array(let items) = value else { return }
        #expect(items.map(\.doubleValue) == [1.5, 100, 0, 1.2345678901234567890123e22, 0.5])
    }

    @Test func keepsObjectMembersInDocumentOrder() throws {
        let value = try json(#"{"z":1,"a":2,"m":3}"#)
        guard case .object(let members) = value else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.key) == ["z", "a", "m"])
    }

    @Test func validateChecksStructureAndTheKeyRulesAtEveryDepth() {
        #expect(throws: JSONParseError.self) {
            try bytes(#"{"a":{"b":1,"b":2}}"#).withUnsafeBufferPointer { try JSONParser.validate($0) }
        }
        #expect(throws: Never.self) {
            try bytes(#"{"a":{"b":1,"b":2}}"#).withUnsafeBufferPointer {
                try JSONParser.validate($0, rules: .structureOnly)
            }
        }
        #expect(throws: JSONParseError.self) {
            try bytes(#"{"a":[1,}"#).withUnsafeBufferPointer { try JSONParser.validate($0) }
        }
        #expect(throws: JSONParseError.self) {
            try bytes(#""\ud800""#).withUnsafeBufferPointer { try JSONParser.validate($0) }
        }
        #expect(throws: JSONParseError.self) {
            try bytes("[1] 2").withUnsafeBufferPointer { try JSONParser.validate($0) }
        }
    }

    /// The text of each top-level member's value, read through the ranges `topLevelMembers` returns.
    private func topLevelTexts(_ text: String) throws -> [String]? {
        let data = bytes(text)
        let topLevel = try data.withUnsafeBufferPointer { try JSONParser.topLevelMembers($0) }
        guard case .object(let members) = topLevel else { return nil }
        return members.map { "\($0.key)=\(String(decoding: data[$0.value], as: UTF8.self))" }
    }

    @Test func topLevelMembersGivesUnescapedKeysAndExactValueRanges() throws {
        let texts = try topLevelTexts(#" { "a" : 1 ,"b\u0063":[1, {"x":2}]\#t, "s":"v,}" , "o":{"d":1,"e":2} } "#)
        #expect(texts == ["a=1", "bc=[1, {\"x\":2}]", "s=\"v,}\"", "o={\"d\":1,\"e\":2}"])
        #expect(throws: JSONParseError.self) { try topLevelTexts(#"{"o":{"d":1,"d":2}}"#) }
        #expect(try topLevelTexts("{}") == [])
    }

    @Test func topLevelMembersRejectsDuplicateTopLevelKeysAndTrailingData() {
        let duplicate = #expect(throws: JSONParseError.self) { try topLevelTexts(#"{"id":1,"i\u0064":2}"#) }
        #expect(duplicate?.reason == "duplicate key \"id\"")
        #expect(throws: JSONParseError.self) { try topLevelTexts(#"{"id":1} {}"#) }
        #expect(throws: JSONParseError.self) { try topLevelTexts("") }
        #expect(throws: JSONParseError.self) { try topLevelTexts("[1,") }
    }

    @Test func topLevelMembersClassifiesArraysAndScalars() throws {
        for (text, isArray) in [("[1,2]", true), (" 42 ", false), (#""s""#, false), ("null", false)] {
            let topLevel = try bytes(text).withUnsafeBufferPointer { try JSONParser.topLevelMembers($0) }
            switch topLevel {
            case .array: #expect(isArray, "\(text)")
            case .scalar: #expect(!isArray, "\(text)")
            case .object: Issue.record("\(text) is not an object")
            }
        }
    }

    @Test func membersReadsANestedObjectWithAbsoluteRanges() throws {
        let data = bytes(#"{"id":1,"result": {"tools" : [ ], "next":"c"} }"#)
        try data.withUnsafeBufferPointer { buffer in
            guard case .object(let top) = try JSONParser.topLevelMembers(buffer),
                let result = top.first(where: { $0.key == "result" })?.value
            else {
                Issue.record("no result member")
                return
            }
            let members = try JSONParser.members(buffer, in: result)
            #expect(
                members.map { "\($0.key)=\(String(decoding: data[$0.value], as: UTF8.self))" } == [
                    "tools=[ ]", "next=\"c\"",
                ])
            #expect(throws: JSONParseError.self) { try JSONParser.members(buffer, in: top[0].value) }
        }
    }

    @Test func elementsGivesTheRangeOfEachArrayElement() throws {
        let data = bytes(#"{"a": [ 1 , "x,]y" , {"k":[2,3]},[] ] , "e":[ ], "n":5}"#)
        try data.withUnsafeBufferPointer { buffer in
            guard case .object(let top) = try JSONParser.topLevelMembers(buffer) else { return }
            let elements = try JSONParser.elements(buffer, in: top[0].value)
            #expect(
                elements.map { String(decoding: data[$0], as: UTF8.self) } == ["1", "\"x,]y\"", "{\"k\":[2,3]}", "[]"])
            #expect(try JSONParser.elements(buffer, in: top[1].value).isEmpty)
            #expect(throws: JSONParseError.self) { try JSONParser.elements(buffer, in: top[2].value) }
        }
    }

    @Test(arguments: ["[1,]", "[1 2]", "[,1]", "{}", "[1]]", "[", ""])
    func elementsRejectsMalformedArrays(_ text: String) {
        let data = bytes(text)
        #expect(throws: JSONParseError.self) {
            try data.withUnsafeBufferPointer { try JSONParser.elements($0, in: 0..<data.count) }
        }
    }
}
