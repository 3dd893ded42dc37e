import FirewallCore
import FirewallReport
import Testing

/// Reading audit lines into session summaries: counts, approvals, data access, bad lines and old schemas.
struct ReportBuilderTests {
    @Test func summarisesTheSmallFixture() throws {
        let model = try #require(Self.model(ReportFixtures.path("small-audit.jsonl")))
        let session = try #require(model.sessions.first)
        #expect(model.sessions.count == 1)
        #expect(session.serverArgv == ["hr-server", "--stdio"])
        #expect(session.policyPath == "policies/hr.yaml")
        #expect(session.environment == "ci")
        #expect(session.clientName == "golden-client")
        #expect(session.protocolVersion == "2025-11-25")
        #expect(session.classes["read"] == 1 && session.classes["write"] == 2 && session.classes["sensitive"] == 1)
        #expect(session.decisions["allow"] == 2 && session.decisions["deny"] == 2)
        #expect(session.approvers["human"] == 1 && session.approvers["policy"] == 3)
        #expect(session.results["ok"] == 1)
        #expect(
            session.approvals.map(\.label.text) == [
                "approved by human `alice` via terminal, 12 s wait",
                "denied by rule `export_payroll` (policies/hr.yaml:20)",
                "unattended: denied in ci",
            ])
        #expect(session.endReason == "client closed its input (endOfFile)")
        #expect(model.warnings.map(\.line) == [11], "the torn line is reported with its number")
    }

    @Test func corruptAndTruncatedLinesAreReportedAndTheRestIsRead() {
        let jsonl = [
            Line.start(), "this is not json", #"{"v":1,"seq":3,"#, Line.decision(4, call: 1, tool: "w"),
            #"[1,2]"#, #"{"v":1,"seq":6}"#, #"{"v":1,"seq":7,"session":"x","event":"decision","tool":"cut"#,
        ].joined(separator: "\n")
        let builder = ReportFixtures.build(jsonl)
        #expect(builder.records == 2)
        #expect(builder.warnings.map(\.line) == [2, 3, 5, 6, 7])
        #expect(builder.warnings[0].message.hasPrefix("not valid JSON"))
        #expect(builder.warnings[1].message.hasPrefix("line is cut short"))
        #expect(builder.warnings[4].message.hasPrefix("line is cut short"), "an unterminated last line is torn")
        #expect(builder.sessions.first?.approvals.count == 1)
    }

    @Test func olderAndNewerSchemaVersionsAreReadLenientlyWithOneNoteEach() {
        let jsonl = [
            #"{"seq":1,"ts":"2026-01-01T00:00:00Z","session":"old","event":"session_start","environment":"prod"}"#,
            #"{"seq":2,"ts":"2026-01-01T00:00:01Z","session":"old","event":"decision","call":1,"tool":"wipe","class":"write","decision":"deny","decided_by":"policy","surprise":[1,{"x":2}]}"#,
            #"{"v":3,"seq":3,"ts":"2026-01-01T00:00:02Z","session":"old","event":"decision","call":2,"tool":"wipe","class":"write","decision":"allow","new_field":true}"#,
            #"{"v":3,"seq":4,"ts":"2026-01-01T00:00:03Z","session":"old","event":"hologram","beam":"up"}"#,
        ].joined(separator: "\n")
        let builder = ReportFixtures.build(jsonl + "\n")
        #expect(builder.records == 4)
        #expect(builder.warnings.count == 2, "one note per file and version: \(builder.warnings)")
        let session = builder.sessions[0]
        #expect(session.environment == "prod")
        #expect(session.approvers["policy"] == 1, "a plain-string decided_by is read as the kind")
        #expect(session.approvals.map(\.label.kind) == [.denied, .autoAllowed])
    }

    @Test func dataAccessMapsIdsToToolsAndSeparatesDeniedCalls() {
        let jsonl = [
            Line.start(),
            Line.decision(2, call: 1, tool: "get_employee", toolClass: "read", arguments: #"{"employee_id":"E-1"}"#),
            Line.decision(
                3, call: 2, tool: "update_salary", final: "deny", arguments: #"{"employee_id":"E-1","amount":5}"#),
            Line.decision(
                4, call: 3, tool: "audit", arguments: #"{"recordId":42,"employee_ids":["E-2","E-3"],"note":"x"}"#),
        ].joined(separator: "\n")
        let session = ReportFixtures.build(jsonl + "\n").sessions[0]
        #expect(session.entities.map(\.value) == ["E-1", "42", "E-2", "E-3"])
        let first = session.entities[0]
        #expect(first.accesses.map(\.tool) == ["get_employee", "update_salary"])
        #expect(first.accesses[0].allowed == 1 && first.accesses[1].denied == 1 && first.accesses[1].allowed == 0)
    }

    /// The default knows identifiers in every usual spelling, and no domain: a key that only ends in the
    /// letters "id", or names a thing without saying it is an id, is not an entity.
    @Test func defaultEntityKeysAreIdentifiersOfAnyDomain() {
        let arguments =
            #"{"id":"a","order_id":"b","order-id":"c","orderId":"d","accountID":"e","uuid":"f","#
            + #""user_ids":["g"],"paid":"no","valid":"no","employee":"no","Idea":"no","identity":"no"}"#
        let jsonl = [Line.start(), Line.decision(2, call: 1, tool: "t", arguments: arguments)].joined(separator: "\n")
        let session = ReportFixtures.build(jsonl + "\n").sessions[0]
        #expect(session.entities.map(\.value) == ["a", "b", "c", "d", "e", "f", "g"])
    }

    @Test func entityKeysCanBeChosen() throws {
        let arguments = #"{"employee":"E-1","ticket_ref":"T-9","order_id":"O-1"}"#
        let jsonl = [Line.start(), Line.decision(2, call: 1, tool: "t", arguments: arguments)].joined(separator: "\n")
        let keys = try EntityKeys(["employee", "*_ref"])
        let builder = ReportFixtures.build(jsonl + "\n", entityKeys: keys)
        #expect(builder.sessions[0].entities.map(\.key) == ["employee", "ticket_ref"])
        #expect(builder.model(title: "t").entityKeys == ["employee", "*_ref"])
        #expect(throws: GlobPatternError.self) { try EntityKeys(["[unclosed"]) }
    }

    @Test func approvalsListWritesSensitiveAndConfirmedCallsButNotPlainReads() {
        let jsonl = [
            Line.start(), Line.decision(2, call: 1, tool: "r", toolClass: "read"),
            Line.decision(3, call: 2, tool: "w", toolClass: "write"),
            Line.decision(4, call: 3, tool: "s", toolClass: "sensitive", final: "deny"),
            Line.decision(
                5, call: 4, tool: "r2", toolClass: "read", policy: "confirm", final: "deny",
                extra:
                    #""decided_by":{"kind":"policy","channel":"none"},"approval":{"outcome":"unattended","unattended":"deny"}"#
            ),
        ].joined(separator: "\n")
        let session = ReportFixtures.build(jsonl).sessions[0]
        #expect(session.approvals.map(\.tool) == ["w", "s", "r2"])
    }

    @Test func listsStopAtTheirLimitsAndCountTheRest() {
        let builder = ReportBuilder(timeline: false, limits: .init(approvals: 2, tools: 3, entities: 2))
        builder.begin(file: "f")
        var lines = [Line.start()]
        for call in 1...10 {
            lines.append(Line.decision(call + 1, call: call, tool: "tool\(call)", arguments: #"{"id":"E-\#(call)"}"#))
        }
        for (index, line) in lines.enumerated() {
            var text = line
            text.withUTF8 { builder.readAuditLine($0, file: "f", number: index + 1) }
        }
        let session = builder.sessions[0]
        #expect(session.approvals.count == 2 && session.approvalsOmitted == 8)
        #expect(session.tools.count == 3 && session.toolsOmitted == 7)
        #expect(session.entities.count == 2 && session.entitiesOmitted == 8)
        #expect(session.labelKinds.total == 10, "the label tally counts every call")
    }

    @Test func interleavedSessionsGetTheirOwnSections() {
        let other = "bbbbbbbb-0000-0000-0000-000000000002"
        let jsonl = [
            Line.start(environment: "ci"), Line.start(environment: "prod", session: other),
            Line.decision(2, call: 1, tool: "a"), Line.decision(2, call: 1, tool: "b", session: other),
        ].joined(separator: "\n")
        let sessions = ReportFixtures.build(jsonl).sessions
        #expect(sessions.map(\.environment) == ["ci", "prod"])
        #expect(sessions.map { $0.tools.map(\.name) } == [["a"], ["b"]])
        #expect(sessions.map(\.index) == [1, 2])
    }

    @Test func resultRowsCarryTheirCallsToolAndDecisionForTheFilters() throws {
        let jsonl = [
            Line.start(),
            Line.record(
                2, "message",
                #""direction":"client_to_server","kind":"request","method":"tools/call","id":7,"call":1,"size":9,"payload":{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"w","arguments":{}}}"#
            ),
            Line.decision(3, call: 1, tool: "w"),
            Line.record(4, "result", #""call":1,"id":7,"outcome":"tool_error","is_error":true,"duration_ms":1.5"#),
        ].joined(separator: "\n")
        let builder = ReportFixtures.build(jsonl)
        let session = builder.sessions[0]
        #expect(session.results["tool_error"] == 1)
        #expect(session.tools.first?.errors == 1, "the result's tool comes from the call when the record omits it")
        let spool = try #require(builder.spool)
        #expect(spool.rowCount == 4)
        #expect(spool.strings.first == "w", "the message row already names the tool from its payload")
    }

    /// Runs the reader over a file the way the CLI does.
    static func model(_ path: String) -> ReportModel? {
        let builder = ReportBuilder(timeline: false)
        ReportInputs.load([path], into: builder)
        return builder.model(title: "t")
    }
}
