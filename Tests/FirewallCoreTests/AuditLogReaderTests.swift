import Foundation
import Testing

@testable import FirewallCore

struct AuditLogReaderTests {
    static func record(_ fields: String, session: String = "s-1", event: String) -> String {
        #"{"v":1,"seq":1,"ts":"2026-11-25T21:27:40.491319Z","session":"\#(session)","event":"\#(event)"\#(fields)}"#
    }

    static func start(environment: String, session: String = "s-1") -> String {
        record(
            #","policy":{"path":"p.yaml","sha256":"00"},"environment":"\#(environment)""#, session: session,
            event: "session_start")
    }

    static func decision(
        _ tool: String, call: Int, policy: String, final: String? = nil, toolClass: String = "read",
        classSource: String = "policy", arguments: String = "{}", session: String = "s-1"
    ) -> String {
        record(
            #","call":\#(call),"id":\#(call),"tool":"\#(tool)","arguments":\#(arguments),"class":"\#(toolClass)","#
                + #""class_source":"\#(classSource)","policy_decision":"\#(policy)","decision":"\#(final ?? policy)","#
                + #""decision_source":"rule","rule":{"name":"\#(tool)","file":"p.yaml","line":7,"column":5}"#,
            session: session, event: "decision")
    }

    static func read(_ lines: [String]) -> ReplayInput {
        AuditLogReader.read(Array((lines.joined(separator: "\n") + "\n").utf8), path: "audit.jsonl")
    }

    @Test func readsEveryDecisionWithItsSessionEnvironmentAndRecordedVerdict() throws {
        let input = Self.read([
            Self.start(environment: "ci"),
            Self.decision("get_employee", call: 1, policy: "allow", arguments: #"{"employee_id":"E-1"}"#),
            Self.start(environment: "dev", session: "s-2"),
            Self.decision(
                "update_salary", call: 1, policy: "confirm", final: "deny", toolClass: "write", session: "s-2"),
        ])
        #expect(input.diagnostics.isEmpty)
        #expect(input.kind == .auditLog)
        try #require(input.calls.count == 2)
        let first = input.calls[0]
        #expect(first.tool == "get_employee")
        #expect(first.arguments == .object([.init("employee_id", .string("E-1"))]))
        #expect(first.environment == "ci")
        #expect(
            first.recorded
                == RecordedCall.Recorded(
                    policyDecision: .allow, finalDecision: .allow, toolClass: .read, rule: "p.yaml:7"))
        #expect(first.location == SourceLocation(file: "audit.jsonl", line: 2, column: 1))
        #expect(first.locationDescription == "audit.jsonl:2")
        #expect(first.origin == .auditLog(session: "s-1", call: 1))
        let second = input.calls[1]
        #expect(second.environment == "dev")
        #expect(second.recorded?.policyDecision == .confirm)
        #expect(second.recorded?.finalDecision == .deny)
        #expect(second.annotations == nil)
    }

    @Test func aLabelThatWasNoOverlayIsNotReappliedOnReplay() {
        let labelled = Self.record(
            #","policy":{"path":"p.yaml","sha256":"00"},"environment":"dev","environment_overlay":false"#,
            event: "session_start")
        let applied = Self.record(
            #","policy":{"path":"p.yaml","sha256":"00"},"environment":"ci","environment_overlay":true"#,
            session: "s-2", event: "session_start")
        let input = Self.read([
            labelled, Self.decision("get_employee", call: 1, policy: "allow"),
            applied, Self.decision("get_employee", call: 1, policy: "allow", session: "s-2"),
        ])
        #expect(input.calls.map(\.environment) == [nil, "ci"])
    }

    @Test func readsTheShippedSampleLog() throws {
        let bytes = try ReplayFixtures.contents(ReplayFixtures.repositoryRoot + "/examples/sample-audit.jsonl")
        let input = AuditLogReader.read(bytes, path: "sample-audit.jsonl")
        #expect(input.diagnostics.isEmpty)
        #expect(input.calls.count == 9)
        // The demo's `demo` environment is a label (`environment_overlay: false`), not an overlay to re-apply.
        #expect(input.calls.allSatisfy { $0.environment == nil && $0.recorded != nil })
        #expect(input.calls.map(\.tool).contains("delete_employee"))
    }

    @Test func rebuildsAnnotationsFromTheToolsListTheServerSent() throws {
        let listing = Self.record(
            #","direction":"server_to_client","kind":"response","id":2,"size":10,"payload":{"jsonrpc":"2.0","id":2,"#
                + #""result":{"tools":[{"name":"get_weather","annotations":{"readOnlyHint":true}},{"name":"rm"}]}}"#,
            event: "message")
        let input = Self.read([
            Self.start(environment: "dev"), listing,
            Self.decision("get_weather", call: 1, policy: "allow", classSource: "annotations"),
            Self.decision("rm", call: 2, policy: "confirm", toolClass: "write", classSource: "default"),
        ])
        try #require(input.calls.count == 2)
        #expect(input.calls[0].annotations == ToolAnnotations(readOnlyHint: true))
        #expect(input.calls[1].annotations == nil, "a listed tool without annotations has none")
    }

    @Test func derivesTheReadOnlyHintFromAClassThatCameFromAnnotations() throws {
        let input = Self.read([
            Self.decision("get_weather", call: 1, policy: "allow", classSource: "annotations"),
            Self.decision("send_mail", call: 2, policy: "confirm", toolClass: "write", classSource: "annotations"),
        ])
        try #require(input.calls.count == 2)
        #expect(input.calls[0].annotations == ToolAnnotations(readOnlyHint: true))
        #expect(input.calls[1].annotations == ToolAnnotations(readOnlyHint: false))
        #expect(input.calls[0].environment == nil, "no session_start: the environment is unknown")
    }

    @Test func reportsEveryCorruptLineWithItsNumberAndKeepsReading() throws {
        let input = Self.read([
            Self.start(environment: "dev"),
            "this is not json",
            #"{"v":1,"event":"decision","tool":"x"}"#,
            #"["an","array"]"#,
            Self.decision("get_employee", call: 1, policy: "allow"),
        ])
        let errors = input.diagnostics.filter { $0.severity == .error }
        #expect(errors.map(\.location.line) == [2, 3, 4])
        #expect(errors[0].message.contains("not valid JSON"))
        #expect(errors[1].message.contains("policy_decision"))
        #expect(errors[2].message.contains("not an audit record"))
        #expect(input.calls.map(\.tool) == ["get_employee"])
    }

    @Test func aLineCutShortByACrashIsOnlyAWarning() throws {
        let torn = String(Self.decision("get_employee", call: 1, policy: "allow").prefix(60))
        let input = Self.read([
            Self.start(environment: "dev"), torn, Self.decision("list_employees", call: 2, policy: "allow"),
        ])
        #expect(input.diagnostics.count == 1)
        #expect(input.diagnostics.first?.severity == .warning)
        #expect(input.diagnostics.first?.location.line == 2)
        #expect(input.calls.map(\.tool) == ["list_employees"])
    }

    @Test func refusesRecordsOfAnotherSchemaVersion() throws {
        let input = Self.read([
            Self.decision("get_employee", call: 1, policy: "allow").replacingFirst(#""v":1"#, #""v":3"#)
        ])
        #expect(input.hasErrors)
        #expect(input.diagnostics.first?.message.contains("schema version 3") == true)
        #expect(input.calls.isEmpty)
    }

    @Test func warnsWhenTheLogHoldsNoDecision() throws {
        let input = Self.read([Self.start(environment: "dev")])
        #expect(!input.hasErrors)
        #expect(input.diagnostics.first?.message.contains("no tools/call decision") == true)
    }
}

extension String {
    /// This string with the first occurrence of `target` replaced.
    func replacingFirst(_ target: String, _ replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
