import Foundation
import Testing

@testable import FirewallCore

/// What the encoder redacts in each record, and how the record says so.
struct AuditRecordEncoderRedactionTests {
    static let call =
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"login","arguments":{"user":"ada","password":"hunter2"}}}"#

    private func encode(_ event: AuditEvent, redactor: Redactor = .standard) throws -> (text: String, value: JSONValue)
    {
        var encoder = AuditRecordEncoder(sessionID: "s", redactor: redactor)
        let record = encoder.encode(event, time: 0)
        #expect(record.last == 0x0A && record.filter { $0 == 0x0A }.count == 1)
        #expect((try? JSONSerialization.jsonObject(with: Data(record))) != nil)
        return (String(decoding: record, as: UTF8.self), try json(Array(record.dropLast())))
    }

    private func message(_ payload: String, limit: Int = 1 << 20) -> AuditEvent {
        .message(
            .init(
                direction: .clientToServer, kind: "request", method: "tools/call", id: .number("1"), call: 1,
                payload: AuditPayload(Array(payload.utf8), isValidJSON: true, limit: limit)))
    }

    private func redactions(_ value: JSONValue) -> [RedactionFinding] {
        guard case .array(let items)? = value["redactions"] else { return [] }
        return items.map {
            RedactionFinding(
                path: $0["path"]?.stringValue ?? "?", rule: $0["rule"]?.stringValue ?? "?",
                embedded: $0["embedded"]?.stringValue)
        }
    }

    @Test func redactsAMessagePayloadAndSaysWhere() throws {
        let (text, value) = try encode(message(Self.call))
        #expect(!text.contains("hunter2"))
        #expect(value["payload"]?["params"]?["arguments"]?["user"]?.stringValue == "ada")
        #expect(
            redactions(value) == [RedactionFinding(path: "/payload/params/arguments/password", rule: "key:password")])
        // The size is still the message's as it was received.
        #expect(value["size"] == .number("\(Self.call.utf8.count)"))
        // `redactions` is the record's last field, before anything a later stage appends.
        #expect(
            text.hasSuffix(
                #""redactions":[{"path":"/payload/params/arguments/password","rule":"key:password"}]}"# + "\n"))
    }

    @Test func writesNoRedactionsFieldWhenNothingWasRedacted() throws {
        let (text, value) = try encode(message(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#))
        #expect(value["redactions"] == nil)
        #expect(text.contains(#""payload":{"jsonrpc":"2.0","id":1,"method":"ping"}"#))
    }

    @Test func writesEverythingAsSentWhenRedactionIsOff() throws {
        let (text, value) = try encode(message(Self.call), redactor: .disabled)
        #expect(text.contains("hunter2"))
        #expect(value["redactions"] == nil)
    }

    @Test func redactsADecisionsArgumentsAndTheValuesAGrantIsBoundTo() throws {
        let policy = try loadPolicy("version: 1\ntools:\n  - name: login\n    decision: confirm\n")
        let arguments = try json(
            #"{"user":"ada","password":"hunter2","repo":{"token":"t-1","name":"x"},"note":"\#(FakeSecret.aws)"}"#)
        let grant = ApprovalGrant(
            id: "approval-1", tool: "login", rule: nil, arguments: arguments,
            binding: ["user", "repo.token", "note", "missing"], remember: .session, now: 0,
            approver: Approver(kind: .human, channel: "terminal"))
        let event = AuditEvent.decision(
            .init(
                call: 1, id: .number("1"), era: .legacy, arguments: JSONSlice(arguments),
                policy: policy.evaluate(tool: "login", arguments: arguments, annotations: nil), final: .allow,
                decidedBy: Approver(kind: .human, channel: "terminal"),
                approval: .init(
                    approvalID: "approval-1", outcome: .approved, detail: "approved at the terminal", requestedAt: 0,
                    decidedAt: 1, grantCreated: grant)))
        let (text, value) = try encode(event)
        for secret in ["hunter2", "t-1", FakeSecret.aws] { #expect(!text.contains(secret), "\(secret)") }
        #expect(value["arguments"]?["user"]?.stringValue == "ada")
        let bound = value["approval"]?["grant"]?["arguments"]
        #expect(bound?["user"]?.stringValue == "ada")
        #expect(bound?["repo.token"]?.stringValue == "[REDACTED:key:token]")
        #expect(bound?["note"]?.stringValue == "[REDACTED:aws_access_key_id]")
        #expect(value["approval"]?["grant"]?["absent_arguments"] == .array([.string("missing")]))
        #expect(
            redactions(value) == [
                RedactionFinding(path: "/arguments/password", rule: "key:password"),
                RedactionFinding(path: "/arguments/repo/token", rule: "key:token"),
                RedactionFinding(path: "/arguments/note", rule: "aws_access_key_id"),
                RedactionFinding(path: "/approval/grant/arguments/repo.token", rule: "key:token"),
                RedactionFinding(path: "/approval/grant/arguments/note", rule: "aws_access_key_id"),
            ])
        // The grant itself keeps the real values: only the record is redacted.
        #expect(grant.boundArguments[1].1 == .string("t-1"))
    }

    /// A replay of the log judges the marker, not the value: the call says which arguments it lost.
    @Test func replayFlagsTheArgumentsTheLogRedacted() throws {
        let arguments = try json(#"{"user":"ada","password":"hunter2"}"#)
        let policy = try loadPolicy("version: 1\n")
        var encoder = AuditRecordEncoder(sessionID: "s")
        let record = encoder.encode(
            .decision(
                .init(
                    call: 1, id: .number("1"), era: .legacy, arguments: JSONSlice(arguments),
                    policy: policy.evaluate(tool: "login", arguments: arguments, annotations: nil), final: .allow,
                    decidedBy: Approver(kind: .policy, channel: "policy"))), time: 0)
        let input = AuditLogReader.read(record, path: "audit.jsonl")
        #expect(input.calls.first?.flags == ["redacted:/password"])
        #expect(input.calls.first?.arguments["password"]?.stringValue == "[REDACTED:key:password]")
    }

    @Test func redactsArgumentsWrittenOverSeveralLines() throws {
        let frame = Array("{\"password\":\r\n \"hunter2\",\n\"a\":1}".utf8)
        let event = AuditEvent.decision(
            .init(
                call: 1, id: .number("1"), era: .legacy, arguments: JSONSlice(frame, range: 0..<frame.count),
                policy: try loadPolicy("version: 1\n").evaluate(tool: "t", arguments: .object([]), annotations: nil),
                final: .allow, decidedBy: Approver(kind: .policy, channel: "policy")))
        let (text, value) = try encode(event)
        #expect(!text.contains("hunter2"))
        #expect(value["arguments"]?["a"] == .number("1"))
    }

    @Test func redactsARejectedMessageAndATruncatedPrefix() throws {
        let broken = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{"token":"abc123","note":"#
        let rejection = AuditEvent.rejection(
            .init(
                id: nil, code: -32700, message: "Parse error",
                payload: AuditPayload(Array(broken.utf8), isValidJSON: false, limit: 1000)))
        let (text, value) = try encode(rejection)
        #expect(!text.contains("abc123"))
        #expect(value["payload_prefix"]?.stringValue?.contains(#""token":"[REDACTED:key:token]""#) == true)
        #expect(
            redactions(value) == [
                RedactionFinding(path: "/payload_prefix", rule: "key:token", embedded: "/params/arguments/token")
            ])
        // The whole message is in the prefix: its digest would confirm a guess of the token, so it is left out.
        #expect(value["payload_sha256"] == nil)
        #expect(value["payload_truncated"] == .bool(true))
        // Too large to embed: the prefix kept is redacted too; the digest is of the bytes as received.
        let large = Self.call.replacingOccurrences(of: "ada", with: String(repeating: "a", count: 100))
        let (truncated, record) = try encode(message(large, limit: 64))
        #expect(!truncated.contains("hunter2"))
        #expect(record["payload_truncated"] == .bool(true))
    }

    @Test func redactsTheServerCommandLine() throws {
        let start = AuditEvent.sessionStart(
            .init(
                proxyVersion: "0.1.0", pid: 1,
                serverArgv: [
                    "npx", "server", "--api-key", "k-123", "--token=t-456", "GITHUB_TOKEN=g-789", "--verbose",
                    "--url", "https://user:pw-000@example.com/x", FakeSecret.github, "--password", "--next",
                ],
                policy: Policy.Source(path: "p", sha256: "00"), environment: nil, payloadLimit: 1))
        let (text, value) = try encode(start)
        for secret in ["k-123", "t-456", "g-789", "pw-000", FakeSecret.github] { #expect(!text.contains(secret)) }
        #expect(
            value["server"]?["argv"]
                == .array(
                    [
                        "npx", "server", "--api-key", "[REDACTED:key:api_key]", "--token=[REDACTED:key:token]",
                        "GITHUB_TOKEN=[REDACTED:key:token]", "--verbose", "--url",
                        "https://user:[REDACTED:url_password]@example.com/x", "[REDACTED:github_token]", "--password",
                        "--next",
                    ].map(JSONValue.string)))
        #expect(
            redactions(value).map(\.path) == [
                "/server/argv/3", "/server/argv/4", "/server/argv/5", "/server/argv/8", "/server/argv/9",
            ])
    }
}
