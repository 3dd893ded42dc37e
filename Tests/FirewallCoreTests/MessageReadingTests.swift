import Testing

@testable import FirewallCore

/// One reading of every message (docs/message-reading.md): each finding of the parser-differential
/// review, as the frame that exploited it, refused or rewritten so no peer reads it another way.
struct MessageReadingTests {
    private func rejection(_ text: String) -> ClientMessage.Rejection? {
        #expect(throws: ClientMessage.Rejection.self) { try ClientMessage.decode(bytes(text)) }
    }

    // MARK: - Framing

    /// Python's universal newlines and Node's readline end a line at a bare CR: this one frame carried a
    /// complete `tools/call` between two CRs. Rewritten, it is one line for every reader.
    @Test func rawCarriageReturnsBecomeSpacesSoNoReaderSplitsTheFrame() throws {
        let smuggled =
            "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"a\":\r"
            + #"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"delete_all"}}"# + "\r}}"
        let message = try ClientMessage.decode(bytes(smuggled))
        #expect(message.kind == .notification(method: "notifications/progress"))
        #expect(!message.frame.contains(0x0D))
        #expect(message.frame == bytes(smuggled.replacingOccurrences(of: "\r", with: " ")))
        #expect(message.rewrites.carriageReturns)
    }

    /// `str.splitlines()` also ends lines at U+2028, U+2029 and U+0085, which JSON allows raw in strings.
    @Test func lineSeparatorsInStringsBecomeEscapesEveryDecoderReadsBack() throws {
        let text = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"s":"a b c d"}}}"#
            .replacingOccurrences(of: "a b c d", with: "a\u{2028}b\u{2029}c\u{0085}d")
        let message = try ClientMessage.decode(bytes(text))
        #expect(
            String(decoding: message.frame, as: UTF8.self)
                == #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"s":"a\u2028b\u2029c\u0085d"}}}"#
        )
        #expect(message.toolArguments["s"]?.stringValue == "a\u{2028}b\u{2029}c\u{0085}d")
        #expect(message.rewrites.lineSeparators && !message.rewrites.carriageReturns)
    }

    @Test func framesWithoutHazardsAreForwardedAsTheyCame() throws {
        let text =
            "{ \"jsonrpc\":\"2.0\",\t\"id\":1,\n\"method\":\"ping\", \"params\":{\"s\":\"\u{00A0}\u{2027}é😀\\r\"} }"
        let message = try ClientMessage.decode(bytes(text))
        #expect(message.frame == bytes(text))
        #expect(message.rewrites.isEmpty)
    }

    // MARK: - Keys a lenient decoder reads as another

    static let variantFrames: [String] = [
        // Go's encoding/json binds every case variant to the field, and the last one wins.
        #"{"jsonrpc":"2.0","id":1,"method":"ping","Method":"tools/call","params":{"name":"delete_all"}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","Name":"delete_all"}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","Params":{"name":"delete_all"},"params":{"name":"echo"}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":{},"Method":"tools/call","Params":{"name":"delete_all"}}"#,
        #"{"jsonrpc":"2.0","method":"notifications/initialized","ID":3,"Method":"tools/call"}"#,
        // Lone variants: nothing to the proxy, the field itself to Go, C# and pydantic.
        #"{"jsonrpc":"2.0","id":1,"METHOD":"tools/call","params":{"name":"delete_all"}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"Name":"delete_all"}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","Arguments":{"text":"x"}}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"meta":{"progressToken":1}}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","request_state":"x"}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","_meta":{"progress_token":1}}}"#,
        // Unicode folding: U+017F (long s) is `s` to Go, U+212A (Kelvin) is `k`.
        #"{"jsonrpc":"2.0","id":1,"method":"tools/list","paramſ":{}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"kind":"a","\u212Aind":"b"}}}"#,
        // Inside arguments, where the model itself can write them.
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"w","arguments":{"path":"ok","Path":"/etc/passwd"}}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"w","arguments":{"text":"hello","Text":"pwned"}}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"w","arguments":{"o":[{"file_name":"a","fileName":"b"}]}}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"w","arguments":{"_meta":{},"meta":{}}}}"#,
        // Canonically equivalent keys (NFC and NFD): one key to Swift's JSONDecoder.
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"w","arguments":{"caf\u00e9":1,"cafe\u0301":2}}}"#,
        // JavaScript prototypes.
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"w","arguments":{"__proto__":{"path":"/etc/passwd"}}}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"w","arguments":{"a":{"\u005f_proto__":{}}}}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"w","arguments":{"constructor":{"prototype":{"admin":true}}}}}"#,
        // C-string decoders cut keys at NUL (the Go SDK's segmentio decoder matched `name\u0000` to `name`).
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","name\u0000":"delete_all"}}"#,
        // pydantic fills a field from its Python name when the alias is not an identifier.
        #"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io_modelcontextprotocol_protocol_version":"x"}}}"#,
    ]

    @Test(arguments: variantFrames)
    func keysSomeDecoderReadsAsAnotherAreRefused(_ text: String) {
        let reply = rejection(text)
        #expect(reply?.code == -32600 || reply?.code == -32602)
        #expect(reply?.message.contains("\"") == true, "the message names the key")
    }

    @Test func theRefusalAnswersTheRequestByItsIDAndNamesBothKeys() {
        let reply = rejection(
            #"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"w","arguments":{"path":"ok","Path":"/etc"}}}"#
        )
        #expect(reply?.id == .number("7"))
        #expect(reply?.message.contains(#""path" and "Path""#) == true)
        let lone = rejection(#"{"jsonrpc":"2.0","id":"q","method":"tools/call","params":{"Name":"delete_all"}}"#)
        #expect(lone?.id == .string("q"))
        #expect(lone?.code == -32602)
        #expect(lone?.message.contains(#"key "Name""#) == true)
    }

    /// Objects past eight keys are checked when they close (a radix sort of the key hashes): the same
    /// refusals, naming the same keys, wherever in the object the two keys are.
    @Test(arguments: [(3, 90), (0, 199), (150, 151), (8, 9)])
    func largeObjectsAreCheckedLikeSmallOnes(first: Int, second: Int) {
        func frame(_ keyAt: (Int) -> String) -> String {
            let members = (0..<200).map { "\"\(keyAt($0))\":\($0)" }.joined(separator: ",")
            return #"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"w","arguments":{"#
                + members + "}}}"
        }
        let variant = rejection(frame { $0 == first ? "path" : $0 == second ? "Path" : "k\($0)" })
        #expect(variant?.message.contains(#"keys "path" and "Path""#) == true)
        #expect(variant?.id == .number("4"))
        let duplicate = rejection(frame { $0 == first || $0 == second ? "same" : "k\($0)" })
        #expect(duplicate?.message.contains(#"duplicate key "same""#) == true)
        let nested = rejection(frame { $0 == second ? "o\":{\"a\":1,\"A" : "k\($0)" })
        #expect(nested?.message.contains(#"keys "a" and "A""#) == true)
        _ = try? ClientMessage.decode(bytes(frame { "k\($0)" }))
        #expect(throws: Never.self) { try ClientMessage.decode(bytes(frame { "k\($0)" })) }
    }

    static let legitimateFrames: [String] = [
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"w","arguments":{"constructor":"Foo","prototype":1}}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"w","arguments":{"a":{"b":1},"c":{"b":2}}}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"w","arguments":{"Path":"/x","method":"GET"}}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"w","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}"#,
    ]

    @Test(arguments: legitimateFrames)
    func distinctKeysAndUserDataNamedLikeProtocolFieldsStillPass(_ text: String) throws {
        _ = try ClientMessage.decode(bytes(text))
    }

    @Test func skeletonsUnifyCaseUnderscoresAndUnicodeFolds() {
        #expect(KeySkeleton.of("inputSchema") == KeySkeleton.of("input_schema"))
        #expect(KeySkeleton.of("_meta") == KeySkeleton.of("META"))
        #expect(KeySkeleton.of("params") == KeySkeleton.of("param\u{17F}"))
        #expect(KeySkeleton.of("kind") == KeySkeleton.of("\u{212A}IND"))
        #expect(KeySkeleton.of("\u{3C3}") == KeySkeleton.of("\u{3C2}"))
        #expect(KeySkeleton.of("stra\u{DF}e") == KeySkeleton.of("STRA\u{1E9E}E"))
        #expect(KeySkeleton.of("path") != KeySkeleton.of("paths"))
        #expect(KeySkeleton.of("a-b") != KeySkeleton.of("ab"))
        #expect(KeySkeleton.of("filesystem") == KeySkeleton.of("Filesy\u{17F}tem"), "ASCII folds next to non-ASCII")
    }

    /// Every protocol name the proxy reads has a skeleton of its own, or a variant could name two of them.
    @Test func protocolNamesHaveDistinctSkeletons() {
        let skeletons = ProtocolKeys.names.map(KeySkeleton.of)
        #expect(Set(skeletons).count == skeletons.count)
        #expect(ProtocolKeys.variant("method") == nil)
        #expect(ProtocolKeys.variant("Method") == "method")
        #expect(ProtocolKeys.variant("meta") == "_meta")
        #expect(ProtocolKeys.variant("path") == nil)
    }

    // MARK: - The server side

    @Test(arguments: [
        #"{"jsonrpc":"2.0","id":1,"result":{"tools":[]},"Result":{"tools":[{"name":"delete_all"}]}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":{"tools":[],"Tools":[{"name":"delete_all"}]}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":{"Tools":[{"name":"delete_all"}]}}"#,
        #"{"jsonrpc":"2.0","id":1.0,"result":{"tools":[]}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":{"content":[],"IsError":true}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"a","__proto__":{}}]}}"#,
    ])
    func serverFramesSomeClientReadsAnotherWayAreUnparseable(_ text: String) {
        let message = ServerMessage.decode(bytes(text))
        guard case .unparseable = message.kind else {
            Issue.record("read as \(message.kind)")
            return
        }
        #expect(message.salvagedID == (text.contains("1.0") ? nil : .number("1")))
    }

    @Test func toolEntriesWithVariantKeysAreWithheldFromTheList() throws {
        let text =
            #"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"ok"},"#
            + #"{"Name":"delete_all"},{"name":"x","annotations":{"ReadOnlyHint":true}}]}}"#
        let message = ServerMessage.decode(bytes(text))
        let range = try #require(message.resultRange)
        let outcome = try #require(ToolListFilter.filter(message.frame, resultRange: range, remove: { _ in false }))
        #expect(outcome.listed.map(\.name) == ["ok"])
        #expect(outcome.removed.count == 2)
        let colliding = #"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"echo","Name":"delete_all"}]}}"#
        guard case .unparseable = ServerMessage.decode(bytes(colliding)).kind else {
            Issue.record("an entry with two readings must make the answer unreadable")
            return
        }
        #expect(String(decoding: outcome.frame, as: UTF8.self).contains("delete_all") == false)
    }

    @Test func serverFramesAreRewrittenLikeClientFrames() {
        let text =
            "{\"jsonrpc\":\"2.0\",\r\"id\":1,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"\u{2029}\"}]}}"
        let message = ServerMessage.decode(bytes(text))
        #expect(message.kind == .result(id: .number("1")))
        #expect(
            String(decoding: message.frame, as: UTF8.self)
                == #"{"jsonrpc":"2.0", "id":1,"result":{"content":[{"type":"text","text":"\u2029"}]}}"#)
    }

    /// The proxy's own messages quote what the peer sent (a method, a key): they must not split lines either.
    @Test func theProxysOwnJSONEscapesEveryLineSeparator() {
        var writer = JSONWriter()
        writer.string("a\u{2028}b\u{2029}c\u{0085}d\re")
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #""a\u2028b\u2029c\u0085d\re""#)
        let reply = ProxyReply.error(id: nil, code: -32601, message: "Method not found: \"to\u{0085}ols/call\"")
        #expect(
            !String(decoding: reply, as: UTF8.self).unicodeScalars.contains { $0.properties.isWhitespace && $0 != " " })
    }

    @Test func aRefusedServerAnswerIsMatchedByItsExactID() {
        let text = #"{"jsonrpc":"2.0","id":8,"Id":7,"result":{"tools":[{"name":"hidden"}]}}"#
        let message = ServerMessage.decode(bytes(text))
        guard case .unparseable = message.kind else {
            Issue.record("read as \(message.kind)")
            return
        }
        #expect(message.salvagedID == .number("8"))
    }

    // MARK: - Ids

    @Test func idTwinsAreTheSameTextOfTheOtherType() {
        #expect(RequestID.number("1").otherTypeTwin == .string("1"))
        #expect(RequestID.string("1").otherTypeTwin == .number("1"))
        #expect(RequestID.string("01").otherTypeTwin == nil)
        #expect(RequestID.string("a").otherTypeTwin == nil)
    }

    // MARK: - Exact numbers

    @Test func exactNumbersCompareTheDecimalValueAsWritten() throws {
        func number(_ text: String) throws -> ExactNumber { try #require(ExactNumber(text)) }
        #expect(try number("1.0") == number("1"))
        #expect(try number("1e2") == number("100.000"))
        #expect(try number("-0") == number("0.0e9"))
        #expect(try number("9007199254740993") > number("9007199254740992"))
        #expect(try number("0.30000000000000001") > number("0.3"))
        #expect(try number("-2") < number("-1.99999999999999999999"))
        #expect(try number("1e-400") > number("0"))
        #expect(try number("-1e-400") < number("0"))
        #expect(try number("12e-1") == number("1.2"))
        #expect(ExactNumber("01") == nil && ExactNumber("1.") == nil && ExactNumber("+1") == nil)
        #expect(ExactNumber("1e") == nil && ExactNumber("") == nil && ExactNumber("-") == nil)
    }
}

/// The skeleton joins every class of characters that Go's key folding or .NET's ignore-case comparison
/// treats as one (`.ci/tools/keyfold/main.go` wrote the classes from Go's Unicode tables).
struct KeyEquivalenceFixtureTests {
    static func classes() throws -> [(decoder: String, scalars: [Unicode.Scalar])] {
        let text = String(decoding: try ReplayFixtures.fixture("key-equivalences.txt"), as: UTF8.self)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let fields = line.split(separator: " ")
            return (
                String(fields[0]), fields.dropFirst().compactMap { UInt32($0, radix: 16).flatMap(Unicode.Scalar.init) }
            )
        }
    }

    @Test func everyDecoderClassHasOneSkeleton() throws {
        let classes = try Self.classes()
        #expect(classes.count > 2000, "the fixture was read")
        var gaps: [String] = []
        for (decoder, scalars) in classes {
            // Alone, and inside a key with ASCII capitals and a non-ASCII letter, so both paths are checked.
            for wrap in [{ (s: String) in s }, { (s: String) in "X_é" + s + "Key" }] {
                let skeletons = Set(scalars.map { KeySkeleton.of(wrap(String(Character($0)))) })
                if skeletons.count > 1 {
                    gaps.append("\(decoder) " + scalars.map { String($0.value, radix: 16) }.joined(separator: " "))
                }
            }
        }
        #expect(gaps.isEmpty, "\(gaps.prefix(20))")
    }
}
