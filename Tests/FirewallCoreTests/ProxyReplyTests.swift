import Testing

@testable import FirewallCore

struct ProxyReplyTests {
    @Test func writesAJSONRPCErrorResponse() throws {
        let reply = try json(ProxyReply.error(id: .string("a\"1"), code: -32600, message: "Invalid request: \"x\"\n"))
        #expect(
            reply
                == .object([
                    .init("jsonrpc", .string("2.0")), .init("id", .string("a\"1")),
                    .init(
                        "error",
                        .object([
                            .init("code", .number("-32600")), .init("message", .string("Invalid request: \"x\"\n")),
                        ])),
                ])
        )
    }

    @Test func writesNullForAnUnknownIDAndKeepsNumericIDsLiteral() throws {
        let unknown = try json(ProxyReply.error(id: nil, code: -32700, message: "Parse error"))
        #expect(unknown["id"] == .null)
        let numeric = ProxyReply.error(
            id: .number("1.0"), code: -32001, message: "too large", data: .object([.init("limit", .number("10"))]))
        #expect(String(decoding: numeric, as: UTF8.self).contains(#""id":1.0,"#))
        #expect(try json(numeric)["error"]?["data"] == .object([.init("limit", .number("10"))]))
        #expect(!numeric.contains(0x0A))
    }

    @Test func legacyToolErrorsCarryNoResultType() throws {
        let reply = try json(ProxyReply.toolError(id: .number("4"), era: .legacy, text: "denied"))
        #expect(reply["id"] == .number("4"))
        let result = try #require(reply["result"])
        #expect(result["isError"] == .bool(true))
        #expect(
            result["content"] == .array([.object([.init("type", .string("text")), .init("text", .string("denied"))])]))
        #expect(result["resultType"] == nil)
    }

    @Test func modernToolErrorsAreComplete() throws {
        let reply = try json(ProxyReply.toolError(id: .string("x"), era: .modern, text: "denied"))
        #expect(reply["result"]?["resultType"] == .string("complete"))
        #expect(reply["result"]?["isError"] == .bool(true))
    }

    private func decide(_ policyText: String, tool: String, arguments: String = "{}") throws -> PolicyDecision {
        try loadPolicy(policyText, path: "policies/team.yaml").evaluate(
            tool: tool, arguments: try json(arguments), annotations: nil)
    }

    @Test func denialTextNamesTheRuleFileLineAndReason() throws {
        let decision = try decide(
            "version: 1\ntools:\n  - name: [send_*, mail]\n    decision: deny\n    reason: Email leaves the company\n",
            tool: "send_email"
        )
        let text = ProxyReply.denialText(decision)
        #expect(text.contains("`send_email`"))
        #expect(text.contains("rule `send_*` at policies/team.yaml:3 decides deny"))
        #expect(text.contains("Reason: Email leaves the company."))
        #expect(!text.contains(".."))
        #expect(text.hasSuffix("The call was not executed; do not retry it unchanged."))
    }

    @Test func denialTextExplainsConfirmationsAndAddsTheDetail() throws {
        let decision = try decide(
            "version: 1\ntools:\n  - name: pay\n    decision: confirm\n    reason: Money moves.\n", tool: "pay")
        let text = ProxyReply.denialText(decision, detail: "declined at the terminal")
        #expect(text.contains("rule `pay` at policies/team.yaml:3 requires confirmation"))
        #expect(text.contains("Reason: Money moves. declined at the terminal."))
    }

    @Test func denialTextExplainsUnlistedAndClassDefaultDenials() throws {
        let unlisted = try decide("version: 1\nunlisted: {decision: deny}\n", tool: "other")
        #expect(ProxyReply.denialText(unlisted).contains("the policy denies tools it does not list"))
        let byDefault = try decide("version: 1\ndefaults: {write: deny}\n", tool: "other")
        let text = ProxyReply.denialText(byDefault)
        #expect(text.contains("(write tool): it is a write tool, and write tools default to deny"))
        #expect(text.contains("Reason: write tools default to deny."))
    }
}
