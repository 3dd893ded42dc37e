import FirewallCore
import FirewallReport
import Testing

/// The approval facts of `Fixtures/approval-flows.jsonl` through the whole report: a web/terminal race with a
/// comment and a remembered approval, a call allowed under it, a 2026-07-28 two-round confirmation with a
/// replayed (invalid) retry and a question never answered, and a 2025-11-25 client asked by `elicitation/create`.
struct ApprovalFlowReportTests {
    static let fixture = ReportFixtures.path("approval-flows.jsonl")

    static func model() throws -> ReportModel {
        try #require(ReportBuilderTests.model(fixture))
    }

    @Test func approvalsCarryGrantsCommentsRacingAndTheTwoRounds() throws {
        let model = try Self.model()
        #expect(model.warnings.isEmpty, "\(model.warnings)")
        #expect(model.sessions.count == 2)
        let approvals = model.sessions[0].approvals
        #expect(approvals.map(\.call) == [1, 2, 3, 4, 5, 6])
        #expect(
            approvals.map(\.label.kind) == [
                .approvedByHuman, .approvedByHuman, .inputRequired, .approvedByClient, .denied, .inputRequired,
            ])
        #expect(
            approvals.map(\.label.text) == [
                "approved by human `alice` via web, 4 s wait; remembered for later calls with the same employee_id"
                    + " for the rest of the session; comment: “ok for Q3, see ticket HR-7”",
                "approved under remembered approval approval-1 (first approved by human `alice` via web);"
                    + " comment: “ok for Q3, see ticket HR-7”",
                "asked the client to confirm (input required); answered by the retry, call 4",
                "approved via client elicitation `modern-client 2` (human not verified), 5 s wait",
                "refused: the requestState was already used: an approval covers one call",
                "asked the client to confirm (input required); never answered (no retry in the log answers"
                    + " approval-6)",
            ])
        #expect(approvals[0].racing == ["web", "terminal"])
        #expect(approvals[0].comment == "ok for Q3, see ticket HR-7")
        #expect(approvals[0].createdGrant == .init(id: "approval-1", expiry: .session, boundArguments: ["employee_id"]))
        #expect(approvals[1].grantID == "approval-1" && approvals[1].racing.isEmpty)
        #expect(approvals[2].answeredByCall == 4 && approvals[2].toolClass == .write, "filled in from the retry")
        #expect(approvals[2].arguments == #"{"note_id":"N-9"}"#)
        #expect(approvals[3].askedOnCall == 3 && approvals[3].approvalID == "approval-3")
        #expect(approvals[4].askedOnCall == 3, "the replay cites the question too")
        #expect(approvals[5].answeredByCall == nil && approvals[5].tool == "delete_note")
        #expect(approvals[3].notes == ["retry of call 3, which asked the client (approval-3)"])
        #expect(approvals[0].notes == ["asked at once: web, terminal (the first answer counted)"])
    }

    @Test func firstRoundsAreNotCountedAsDecisions() throws {
        let session = try Self.model().sessions[0]
        #expect(session.decisions["allow"] == 3 && session.decisions["deny"] == 1, "four decided calls of six")
        #expect(session.approvers["human"] == 2 && session.approvers["client"] == 1 && session.approvers["policy"] == 1)
        #expect(session.labelKinds["input_required"] == 2)
        #expect(session.tools.first { $0.name == "delete_note" }?.calls == 2)
    }

    @Test func legacyElicitationIsAClientDecline() throws {
        let session = try Self.model().sessions[1]
        #expect(
            session.approvals.map(\.label.text) == [
                "declined via client elicitation `legacy-client 1.0` (human not verified) after 2 s"
            ])
        #expect(session.approvals.first?.askedOnCall == nil, "approval ids are per session")
    }

    @Test func htmlShowsTheNewFactsEscapedAndTheTimelineLinksTheRounds() throws {
        let html = try ReportFixtures.render([Self.fixture])
        for text in [
            "approved under remembered approval approval-1 (first approved by human `alice` via web)",
            "comment: “ok for Q3, see ticket HR-7”", "asked at once: web, terminal (the first answer counted)",
            "asked the client to confirm (input required); answered by the retry, call 4",
            "retry of call 3, which asked the client (approval-3)",
            "refused: the requestState was already used: an approval covers one call",
            "never answered (no retry in the log answers approval-6)",
        ] {
            #expect(html.contains(SafeText.html(text)), "missing: \(text)")
        }
        #expect(html.contains("<span class=\"icon\" aria-hidden=\"true\">↻</span> asked client</span>"))
        let events = try ReportFixtures.dataBlock(html, id: "report-events")
        for text in [
            "approval requested via web+terminal (asked at once: web, terminal), timeout 120 s",
            "proxy → client response (id 3): input required, the proxy asks the client to confirm the call",
            "proxy → client response (id 6): input required, the proxy asks the client to confirm the call",
            "client → proxy response (id mcp-firewall-q7Xk2LmN9pRt4VwZ-1): the client's answer to the proxy's question (not forwarded)",
            "proxy → client request elicitation/create (id mcp-firewall-q7Xk2LmN9pRt4VwZ-1): the proxy asks the client",
            "answers the question asked on call 3 (approval-3)",
            "cites the question asked on call 3 (approval-3), already answered by call 4",
            "allowed under remembered approval: approval-1",
        ] {
            #expect(events.contains(text), "timeline is missing: \(text)")
        }
    }

    @Test func jsonCarriesGrantIdCommentRacingAndTheLinks() throws {
        let value = try JSONParser.parse(Array(try ReportFixtures.render([Self.fixture], format: .json).utf8))
        guard case .array(let sessions)? = value["sessions"], case .array(let approvals)? = sessions.first?["approvals"]
        else {
            Issue.record("unexpected shape")
            return
        }
        #expect(approvals.count == 6)
        #expect(approvals[0]["racing"] == .array([.string("web"), .string("terminal")]))
        #expect(approvals[0]["comment"]?.stringValue == "ok for Q3, see ticket HR-7")
        #expect(approvals[0]["grant_created"]?["expires_at"] == .null, "null: until the session ends")
        #expect(approvals[0]["grant_created"]?["arguments"] == .array([.string("employee_id")]))
        #expect(approvals[1]["grant_id"]?.stringValue == "approval-1")
        #expect(approvals[1]["racing"] == nil, "absent when one channel was asked")
        #expect(approvals[2]["label_kind"]?.stringValue == "input_required")
        #expect(approvals[2]["answered_by_call"] == .number("4"))
        #expect(approvals[3]["asked_on_call"] == .number("3"))
        #expect(approvals[4]["label_kind"]?.stringValue == "denied")
        #expect(approvals[5]["answered_by_call"] == nil)
        #expect(sessions.first?["counts"]?["approval_label"]?["input_required"] == .number("2"))
    }

    @Test func markdownKeepsTheNotes() throws {
        let markdown = try ReportFixtures.render([Self.fixture], format: .markdown)
        #expect(markdown.contains("· asked at once: web, terminal (the first answer counted)"))
        #expect(markdown.contains("· retry of call 3, which asked the client (approval-3)"))
        #expect(markdown.contains("↻ **asked client** asked the client to confirm (input required); answered by"))
    }

    /// The reader and the encoder must agree: records written by `AuditRecordEncoder` read back as the same facts.
    @Test func readsWhatTheEncoderWrites() throws {
        let policy = try PolicyLoader.load(
            text: "version: 1\ntools:\n  - name: pay\n    decision: confirm\n", path: "p.yaml"
        ).policy
        let arguments = try JSONParser.parse(Array(#"{"account":"A-1","amount":5}"#.utf8))
        let decision = policy.evaluate(tool: "pay", arguments: arguments, annotations: nil)
        let alice = Approver(kind: .human, channel: "webhook", identity: "alice", comment: "<b>fine</b>")
        let grant = ApprovalGrant(
            id: "approval-1", tool: "pay", boundArguments: [("account", .string("A-1"))], expiresAt: 1_800_000_000,
            approver: alice)
        var encoder = AuditRecordEncoder(sessionID: "s")
        let events: [AuditEvent] = [
            .approvalRequested(
                .init(
                    call: 1, id: .number("1"), approvalID: "approval-1", tool: "pay", channel: "webhook+terminal",
                    timeoutMilliseconds: 60_000, racing: ["webhook", "terminal"], binding: "abc")),
            .decision(
                .init(
                    call: 1, id: .number("1"), era: .legacy, arguments: JSONSlice(arguments), policy: decision,
                    final: .allow,
                    decidedBy: alice,
                    approval: .init(
                        approvalID: "approval-1", outcome: .approved, detail: "approved by alice via the webhook",
                        requestedAt: 1_700_000_000, decidedAt: 1_700_000_002, grantCreated: grant))),
            .decision(
                .init(
                    call: 2, id: .number("2"), era: .legacy, arguments: JSONSlice(arguments), policy: decision,
                    final: .allow,
                    decidedBy: alice,
                    approval: .init(
                        approvalID: "approval-2", outcome: .approved, detail: "covered", requestedAt: 1_700_000_003,
                        decidedAt: 1_700_000_003, grantID: "approval-1"))),
            .decision(
                .init(
                    call: 3, id: .number("3"), era: .modern, arguments: JSONSlice(arguments), policy: decision,
                    final: .deny,
                    decidedBy: Approver(kind: .policy, channel: "elicitation"),
                    approval: .init(
                        approvalID: "approval-3", outcome: .invalid, detail: "forged", requestedAt: 1_700_000_004,
                        decidedAt: 1_700_000_004))),
        ]
        let jsonl = events.map { String(decoding: encoder.encode($0, time: 1_700_000_000), as: UTF8.self) }.joined()
        let approvals = ReportFixtures.build(jsonl).sessions[0].approvals
        #expect(
            approvals.map(\.label.text) == [
                "approved by human `alice` via webhook, 2 s wait; remembered for later calls with the same account"
                    + " until 2027-01-15T08:00:00.000000Z; comment: “<b>fine</b>”",
                "approved under remembered approval approval-1 (first approved by human `alice` via webhook);"
                    + " comment: “<b>fine</b>”",
                "refused: forged",
            ])
        #expect(approvals.map(\.label.kind) == [.approvedByHuman, .approvedByHuman, .denied])
        #expect(approvals[0].racing == ["webhook", "terminal"])
        #expect(approvals[1].grantID == "approval-1")
    }
}
