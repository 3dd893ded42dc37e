import FirewallCore
import FirewallHTTP
import Testing

/// The event stream's wire format.
struct ApprovalEventTests {
    @Test func framesEachEventAsOneDataLine() {
        let request = Fixtures.request(
            id: "a1", arguments: .object([.init("note", .string("line one\nline two\r\u{2028}end"))]))
        let card = ApprovalEvent.card(request)
        let added = String(decoding: ApprovalEvent.added(card).bytes, as: UTF8.self)
        #expect(added.hasPrefix("event: add\ndata: {"))
        #expect(added.hasSuffix("}\n\n"))
        #expect(added.dropFirst("event: add\n".count).dropLast(2).allSatisfy { $0 != "\n" && $0 != "\r" })
        let snapshot = String(decoding: ApprovalEvent.snapshot([card, card]).bytes, as: UTF8.self)
        #expect(snapshot.hasPrefix("retry: 2000\nevent: snapshot\ndata: {\"pending\":[{"))
        #expect(String(decoding: ApprovalEvent.snapshot([]).bytes, as: UTF8.self).contains(#"data: {"pending":[]}"#))
        #expect(
            String(decoding: ApprovalEvent.removed(approvalID: "a\"1", reason: "approved").bytes, as: UTF8.self)
                == "event: remove\ndata: {\"approval_id\":\"a\\\"1\",\"reason\":\"approved\"}\n\n")
        #expect(String(decoding: ApprovalEvent.heartbeat.bytes, as: UTF8.self) == ": heartbeat\n\n")
    }

    @Test func aCardCarriesTheRequestJSONTheRuleTextAndTheDeadline() throws {
        let request = Fixtures.request(id: "a7", remember: .duration(.seconds(600)))
        let card = try JSONParser.parse(ApprovalEvent.card(request))
        #expect(card["request"] == (try JSONParser.parse(request.json())))
        #expect(card["rule_text"]?.stringValue == ApprovalSummary.ruleText(request.decision))
        #expect(card["rule_text"]?.stringValue == "`update_salary` at test.yaml:4")
        #expect(card["deadline_ms"]?.doubleValue == (request.deadline * 1000).rounded(.down))
        #expect(card["request"]?["remember"]?.stringValue == "10m")
        #expect(card["request"]?["binding"]?.stringValue == request.binding)
    }
}
