import Testing

@testable import FirewallCore

struct AuditRecordEncoderTests {
    static let source = Policy.Source(
        path: "/etc/mcp \"firewall\"/policy.yaml", sha256: String(repeating: "ab", count: 32))

    /// One event of every kind, with awkward strings and payloads.
    private func everyEvent() throws -> [AuditEvent] {
        let policy = try loadPolicy(
            "version: 1\ntools:\n  - name: pay\n    decision: confirm\n    reason: \"Money \\\"moves\\\"\"\n    tags: [SOC2]\n"
        )
        let arguments = try json(#"{"memo":"line1\nline2\t\"q\"\u0001","n":1.50}"#)
        let decision = policy.evaluate(tool: "pay", arguments: arguments, annotations: nil)
        let small = AuditPayload(bytes(#"{"jsonrpc":"2.0", "id":1 ,"method":"ping"}"#), isValidJSON: true, limit: 1000)
        return [
            .sessionStart(
                .init(
                    proxyVersion: "0.1.0", pid: 42, serverArgv: ["python3", "-c", "print(\"hi\")\nexit()"],
                    policy: Self.source, environment: "ci\u{1}", payloadLimit: 65536)),
            .sessionNegotiated(
                .init(
                    era: .modern, protocolVersion: "2026-07-28", clientInfo: try json(#"{"name":"c\"li"}"#),
                    clientCapabilities: nil, serverInfo: nil)),
            .message(
                .init(direction: .clientToServer, kind: "request", method: "ping", id: .number("1"), payload: small)),
            .approvalRequested(
                .init(
                    call: 1, id: .string("r\"1"), approvalID: "ap-1", tool: "pay", channel: "terminal",
                    timeoutMilliseconds: 120_000)),
            .decision(
                .init(
                    call: 1, id: .string("r\"1"), era: .legacy, arguments: JSONSlice(arguments), policy: decision,
                    final: .allow,
                    decidedBy: Approver(kind: .human, channel: "terminal", identity: "ana", comment: "ok\r\nfine"),
                    approval: .init(
                        approvalID: "ap-1", outcome: .approved, detail: "approved at the terminal", requestedAt: 10,
                        decidedAt: 12.5))),
            .rejection(
                .init(
                    id: nil, code: -32700, message: "Parse error",
                    payload: AuditPayload([0xFF, 0x0D, 0x7B], isValidJSON: false, limit: 1000))),
            .result(
                .init(
                    outcome: "ok", call: 1, id: .number("7"), tool: "pay", isError: false, errorCode: nil,
                    durationMilliseconds: 12.3456789)),
            .sessionEnd(
                .init(
                    reason: "client closed", serverExit: "exit 0", counts: [("calls", 1), ("denied", 0)],
                    durationMilliseconds: 1500)),
        ]
    }

    @Test func writesEachRecordAsOneLineOfValidJSONWithTheCommonFields() throws {
        var encoder = AuditRecordEncoder(sessionID: "s-\"1\"")
        let events = try everyEvent()
        for (index, event) in events.enumerated() {
            let record = encoder.encode(event, time: 1_764_104_668.5 + Double(index))
            #expect(record.last == 0x0A)
            #expect(record.filter { $0 == 0x0A }.count == 1)
            let value = try json(Array(record.dropLast()))
            #expect(value["v"] == .number("\(AuditRecordEncoder.schemaVersion)"))
            #expect(value["seq"] == .number("\(index + 1)"))
            #expect(value["session"] == .string("s-\"1\""))
            #expect(value["event"] == .string(event.name))
            let ts = try #require(value["ts"]?.stringValue)
            #expect(ts.wholeMatch(of: #/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z/#) != nil, "\(ts)")
        }
        #expect(encoder.sequence == events.count)
        #expect(
            events.map(\.name) == [
                "session_start", "session_negotiated", "message", "approval_requested", "decision", "rejection",
                "result", "session_end",
            ])
    }

    @Test func numbersRecordsWithoutGapsPerEncoder() {
        var first = AuditRecordEncoder(sessionID: "a")
        var second = AuditRecordEncoder(sessionID: "b")
        let event = AuditEvent.sessionEnd(.init(reason: "x", serverExit: nil, counts: [], durationMilliseconds: 0))
        let sequence = (0..<5).map { _ in (try? json(Array(first.encode(event, time: 0).dropLast())))?["seq"] }
        #expect(sequence == (1...5).map { .number("\($0)") })
        #expect((try? json(Array(second.encode(event, time: 0).dropLast())))?["seq"] == .number("1"))
    }

    @Test func escapesStringsThatCarryQuotesNewlinesAndControlCharacters() throws {
        var encoder = AuditRecordEncoder(sessionID: "s")
        let events = try everyEvent()
        let start = try json(Array(encoder.encode(events[0], time: 0).dropLast()))
        #expect(
            start["server"]?["argv"] == .array([.string("python3"), .string("-c"), .string("print(\"hi\")\nexit()")]))
        #expect(start["policy"]?["path"] == .string("/etc/mcp \"firewall\"/policy.yaml"))
        #expect(start["environment"] == .string("ci\u{1}"))
        let decision = try json(Array(encoder.encode(events[4], time: 0).dropLast()))
        #expect(decision["arguments"]?["memo"] == .string("line1\nline2\t\"q\"\u{1}"))
        #expect(decision["arguments"]?["n"] == .number("1.50"))
        #expect(decision["reason"] == .string("Money \"moves\""))
        #expect(decision["decided_by"]?["comment"] == .string("ok\r\nfine"))
        #expect(decision["rule"]?["line"] == .number("3"))
        #expect(decision["tags"] == .array([.string("SOC2")]))
        #expect(decision["approval"]?["wait_ms"] == .number("2500"))
        #expect(decision["approval"]?["requested_at"] == .string("1970-01-01T00:00:10.000000Z"))
        #expect(decision["id"] == .string("r\"1"))
    }

    @Test func embedsSmallValidPayloadsVerbatim() throws {
        let payload = #"{"jsonrpc":"2.0", "id":1 ,"method":"ping"}"#
        var encoder = AuditRecordEncoder(sessionID: "s")
        let record = encoder.encode(try everyEvent()[2], time: 0)
        #expect(String(decoding: record, as: UTF8.self).contains(#""payload":"# + payload))
        let value = try json(Array(record.dropLast()))
        #expect(value["size"] == .number("\(payload.utf8.count)"))
        let expected = try json(payload)
        #expect(value["payload"] == expected)
        #expect(value["payload_truncated"] == nil)
    }

    /// A payload the log must not embed (too large, or not JSON at all) and what the record must say instead.
    struct TruncatedCase: Sendable, CustomTestStringConvertible {
        var payload: [UInt8]
        var isValidJSON: Bool
        var limit: Int
        var prefix: String
        var sha256: String
        var testDescription: String { prefix }
    }

    static let truncatedCases: [TruncatedCase] = [
        TruncatedCase(
            payload: bytes(#"{"data":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}"#), isValidJSON: true, limit: 16,
            prefix: #"{"data":"xxxxxxx"#,
            sha256: "093938ec54b9790361175e17f53070955e13f40a767dff9d4bc3c4bcdabe1498"),
        TruncatedCase(
            payload: bytes(#"{"broken":"#), isValidJSON: false, limit: 1000, prefix: #"{"broken":"#,
            sha256: "cbdf3b1f91ae32fe1ea292ac6cccf19222f97929f531523f0d15d885052c00c4"),
        TruncatedCase(
            payload: [0xFF, 0xFE] + bytes(#"{"a":1}"#), isValidJSON: false, limit: 1000,
            prefix: "\u{FFFD}\u{FFFD}{\"a\":1}",
            sha256: "b40c722f02334563f8ceef18aa95c2d3721dc07e3344a5cf84c114ff37b7eee8"),
    ]

    @Test(arguments: truncatedCases)
    func truncatesLargeOrInvalidPayloadsWithDigestPrefixAndSize(_ testCase: TruncatedCase) throws {
        let (payload, isValidJSON, limit, prefix, sha256) = (
            testCase.payload, testCase.isValidJSON, testCase.limit, testCase.prefix, testCase.sha256
        )
        var encoder = AuditRecordEncoder(sessionID: "s")
        let event = AuditEvent.rejection(
            .init(
                id: .number("3"), code: -32700, message: "Parse error",
                payload: AuditPayload(payload, isValidJSON: isValidJSON, limit: limit)))
        let record = encoder.encode(event, time: 0)
        let value = try json(Array(record.dropLast()))
        #expect(value["payload"] == nil)
        #expect(value["payload_truncated"] == .bool(true))
        #expect(value["payload_prefix"] == .string(prefix))
        #expect(value["payload_sha256"] == .string(sha256))
        #expect(value["size"] == .number("\(payload.count)"))
    }

    @Test func capsTheTruncatedPrefixAt4096Bytes() throws {
        let large = bytes("[" + String(repeating: "1,", count: 10_000) + "1]")
        let payload = AuditPayload(large, isValidJSON: true, limit: 1 << 20)
        guard case .json = payload.content else {
            Issue.record("a payload under the limit must be embedded")
            return
        }
        guard case .truncated(let prefix, _) = AuditPayload(large, isValidJSON: true, limit: 10_000).content else {
            Issue.record("a payload over the limit must be truncated")
            return
        }
        #expect(prefix.utf8.count == 4096)
    }

    @Test func writesResultAndSessionEndDurationsAsNumbers() throws {
        var encoder = AuditRecordEncoder(sessionID: "s")
        let events = try everyEvent()
        let result = try json(Array(encoder.encode(events[6], time: 0).dropLast()))
        #expect(result["duration_ms"]?.doubleValue == 12.346)
        #expect(result["is_error"] == .bool(false))
        #expect(result["error_code"] == nil)
        let end = try json(Array(encoder.encode(events[7], time: 0).dropLast()))
        #expect(end["counts"] == .object([.init("calls", .number("1")), .init("denied", .number("0"))]))
        #expect(end["duration_ms"]?.doubleValue == 1500)
    }
}

struct AuditTimestampTests {
    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00.000000Z"),
        (1_764_104_668.5, "2025-11-25T21:04:28.500000Z"),
        (1_709_210_096.25, "2024-02-29T12:34:56.250000Z"),
        (951_782_400, "2000-02-29T00:00:00.000000Z"),
        (4_107_542_400, "2100-03-01T00:00:00.000000Z"),
        (4_107_542_399.75, "2100-02-28T23:59:59.750000Z"),
        (-1, "1969-12-31T23:59:59.000000Z"),
        (-0.5, "1969-12-31T23:59:59.500000Z"),
        (86_399.75, "1970-01-01T23:59:59.750000Z"),
    ])
    func formatsRFC3339WithMicroseconds(_ seconds: Double, expected: String) {
        #expect(AuditTimestamp.format(seconds) == expected)
        #expect(String(decoding: AuditTimestamp.quoted(seconds), as: UTF8.self) == "\"\(expected)\"")
    }
}
