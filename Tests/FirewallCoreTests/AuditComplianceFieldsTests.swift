import Testing

@testable import FirewallCore

/// The compliance fields of schema 2: every record stands on its own (actor, host, component,
/// environment, peers), a call's records share one correlation id, and status, sensitivity and sizes
/// say what a SIEM needs without joining records.
struct AuditComplianceFieldsTests {
    static let context = AuditEvent.SessionContext(
        actorID: "ana \"the\" auditor", actorType: "user", host: "build-7", component: "server-git", environment: "ci")

    static func session(traceparent: String? = nil) throws -> [JSONValue] {
        var recorder = AuditRecorder(sessionID: "s", context: context)
        let time = RelayTime(wall: 1_765_000_000, monotonic: 1)
        let policy = try PolicyLoader.load(
            text: "version: 1\ntools:\n  - name: push\n    class: write\n    decision: allow\n    tags: [SOC2]\n",
            path: "p.yaml"
        ).policy
        let decision = policy.evaluate(tool: "push", arguments: .object([]), annotations: nil)
        var request = AuditEvent.MessageRecord(
            direction: .clientToServer, kind: "request", method: "tools/call", id: .number("1"), call: 1,
            payload: AuditPayload(droppedSize: 10))
        request.traceID = TraceParent.traceID(traceparent.map { .string($0) })
        let events: [AuditEvent] = [
            AuditChainTests.start(),
            .sessionNegotiated(
                .init(
                    era: .legacy, protocolVersion: "2025-11-25",
                    clientInfo: .object([.init("name", .string("claude")), .init("version", .string("1.2"))]),
                    clientCapabilities: nil, serverInfo: nil)),
            .message(request),
            .decision(
                .init(
                    call: 1, id: .number("1"), era: .legacy, arguments: JSONSlice(.object([])), policy: decision,
                    final: .allow, decidedBy: Approver(kind: .policy, channel: "policy"), requestBytes: 10)),
            .result(
                .init(
                    outcome: "tool_error", call: 1, id: .number("1"), tool: "push", isError: true, errorCode: nil,
                    durationMilliseconds: 3, responseBytes: 42, toolClass: .write)),
            AuditChainTests.end,
        ]
        return try recorder.record(events, at: time).lines.map {
            // `.document` refuses duplicate keys: the context never repeats a record's own member.
            try JSONParser.parse(Array($0.dropLast()), rules: .document)
        }
    }

    @Test func everyRecordNamesItsActorHostComponentAndEnvironment() throws {
        for record in try Self.session() {
            #expect(record["actor"]?["id"]?.stringValue == "ana \"the\" auditor")
            #expect(record["actor"]?["type"]?.stringValue == "user")
            #expect(record["host"]?.stringValue == "build-7")
            #expect(record["component"]?.stringValue == "server-git")
            #expect(record["environment"]?.stringValue == "ci")
            #expect(record["event_type"]?.stringValue != nil)
        }
    }

    @Test func peersAreNamedFromNegotiationOn() throws {
        let records = try Self.session()
        #expect(records[0]["client_name"] == nil)
        for record in records.dropFirst() {
            #expect(record["client_name"]?.stringValue == "claude")
            #expect(record["client_version"]?.stringValue == "1.2")
        }
    }

    @Test func eventTypesMapOntoLokrynsVocabulary() throws {
        let types = try Self.session().map { $0["event_type"]?.stringValue ?? "" }
        #expect(
            types == ["login", "mcp_initialize", "tool_invocation", "guardrail_check", "tool_invocation", "logout"])
    }

    @Test func aCallsRecordsShareOneCorrelationIDTheClientsTraceIDWhenItSentOne() throws {
        let derived = try Self.session().compactMap { $0["correlation_id"]?.stringValue }
        #expect(derived.count == 3)
        #expect(Set(derived).count == 1)
        #expect(derived[0].count == 32)
        let trace = "4bf92f3577b34da6a3ce929d0e0e4736"
        let traced = try Self.session(traceparent: "00-\(trace)-00f067aa0ba902b7-01")
        #expect(traced.compactMap { $0["correlation_id"]?.stringValue } == [trace, trace, trace])
        #expect(traced.compactMap { $0["trace_id"]?.stringValue }.count == 3)
        for malformed in [
            "01-\(trace)-00f067aa0ba902b7-01", "00-\(String(repeating: "0", count: 32))-00f067aa0ba902b7-01",
            "00-\(trace.uppercased())-00f067aa0ba902b7-01", "00-\(trace)-00f067aa0ba902b7-01-extra",
        ] {
            let records = try Self.session(traceparent: malformed)
            #expect(records.allSatisfy { $0["trace_id"] == nil }, "\(malformed)")
        }
    }

    @Test func statusSensitivityAndSizesAreStated() throws {
        let records = try Self.session()
        let decision = records[3]
        #expect(decision["status"]?.stringValue == "success")
        #expect(decision["sensitivity"]?.stringValue == "confidential")
        #expect(decision["request_bytes"] == .number("10"))
        #expect(decision["tags"] == .array([.string("SOC2")]))
        let result = records[4]
        #expect(result["status"]?.stringValue == "error")
        #expect(result["response_bytes"] == .number("42"))
        #expect(result["sensitivity"]?.stringValue == "confidential")
        #expect(records[5]["status"]?.stringValue == "success")
    }
}
