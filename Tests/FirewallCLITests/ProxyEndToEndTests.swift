import FirewallClient
import FirewallCore
import FirewallRelay
import Foundation
import Testing

/// The built `mcp-firewall proxy` in front of the built example HR server, driven like an MCP host.
@Suite(.timeLimit(.minutes(1)))
struct ProxyEndToEndTests {
    @Test func allowedReadIsForwardedAndAuditedBeforeItsResult() async throws {
        let folder = try E2E.temporaryFolder()
        let argv = try E2E.proxyArgv(folder: folder, policy: E2E.hrPolicy)
        let status = try await StdioClient.with(argv: argv) { client in
            try await E2E.initialize(client)
            let reply = await E2E.callTool(client, id: 1, "get_employee", [.string("employee_id", "E-1001")])
            #expect(reply?["result"]?["isError"]?.boolValue == false)
            #expect(E2E.text(reply).contains("Ada Lovelace"))
            return await client.close()
        }
        #expect(status == .exited(0))
        let records = try E2E.auditRecords(folder)
        let kinds = records.compactMap { $0["event"]?.stringValue }
        #expect(kinds.first == "session_start")
        #expect(kinds.last == "session_end")
        let sequence = records.compactMap { $0["seq"]?.doubleValue }.map { Int($0) }
        #expect(sequence == Array(1...records.count), "seq must be gap-free")
        let decision = try #require(E2E.records(records, event: "decision").first)
        #expect(decision["decision"]?.stringValue == "allow")
        #expect(decision["class"]?.stringValue == "read")
        #expect(decision["decided_by"]?["kind"]?.stringValue == "policy")
        #expect(decision["rule"]?["line"]?.doubleValue == 4)
        let decisionIndex = try #require(kinds.firstIndex(of: "decision"))
        let resultIndex = try #require(kinds.firstIndex(of: "result"))
        #expect(decisionIndex < resultIndex)
        let negotiated = try #require(E2E.records(records, event: "session_negotiated").first)
        #expect(negotiated["protocol_version"]?.stringValue == "2025-11-25")
        #expect(negotiated["client_info"]?["name"]?.stringValue == "e2e-tests")
    }

    @Test func deniedCallNeverReachesTheServerAndNamesTheRule() async throws {
        let folder = try E2E.temporaryFolder()
        let argv = try E2E.proxyArgv(folder: folder, policy: E2E.hrPolicy)
        try await StdioClient.with(argv: argv) { client in
            try await E2E.initialize(client)
            let denied = await E2E.callTool(
                client, id: 1, "update_salary", [.string("employee_id", "E-1001"), .number("new_salary", 900_000)])
            #expect(denied?["result"]?["isError"]?.boolValue == true)
            #expect(denied?["result"]?["resultType"] == nil, "legacy results must not grow new fields")
            let text = E2E.text(denied)
            #expect(text.contains("policy.yaml:9"))
            #expect(text.contains("Too large"))
            let after = await E2E.callTool(client, id: 2, "get_employee", [.string("employee_id", "E-1001")])
            #expect(E2E.text(after).contains("210000"), "the salary must be unchanged")
        }
        let records = try E2E.auditRecords(folder)
        let forwardedCalls = E2E.records(records, event: "message").filter {
            $0["direction"]?.stringValue == "server_to_client" && $0["call"]?.doubleValue == 1
        }
        #expect(forwardedCalls.isEmpty)
        #expect(E2E.records(records, event: "result").count == 1)
    }

    @Test func confirmWithoutAnApproverIsDeniedWithTheReason() async throws {
        let folder = try E2E.temporaryFolder()
        let argv = try E2E.proxyArgv(folder: folder, policy: E2E.hrPolicy)
        try await StdioClient.with(argv: argv) { client in
            try await E2E.initialize(client)
            let reply = await E2E.callTool(
                client, id: 1, "update_salary", [.string("employee_id", "E-1001"), .number("new_salary", 1000)])
            #expect(reply?["result"]?["isError"]?.boolValue == true)
            #expect(E2E.text(reply).contains("No approver available"))
        }
        let decision = try #require(E2E.records(try E2E.auditRecords(folder), event: "decision").first)
        #expect(decision["policy_decision"]?.stringValue == "confirm")
        #expect(decision["decision"]?.stringValue == "deny")
        #expect(decision["approval"]?["outcome"]?.stringValue == "unattended")
    }

    @Test func toolsListHidesUnconditionallyDeniedToolsOnEveryPage() async throws {
        let folder = try E2E.temporaryFolder()
        let argv = try E2E.proxyArgv(folder: folder, policy: E2E.hrPolicy)
        let names = try await StdioClient.with(argv: argv) { client in
            try await E2E.initialize(client)
            var names: [String] = []
            var cursor: String?
            var id = 10
            repeat {
                id += 1
                let page = try #require(
                    await client.call(
                        id: id, method: "tools/list", params: cursor.map { .object([.string("cursor", $0)]) }))
                if case .array(let tools)? = page["result"]?["tools"] {
                    names += tools.compactMap { $0["name"]?.stringValue }
                }
                cursor = page["result"]?["nextCursor"]?.stringValue
            } while cursor != nil
            return names
        }
        #expect(!names.contains("delete_employee"))
        #expect(!names.contains("export_payroll"), "sensitive tools whose default is deny are hidden too")
        #expect(names.contains("update_salary"), "a tool that can be confirmed stays visible")
        #expect(names.contains("add_review_note"))
        #expect(names.count == 6)
    }

    @Test func tenMegabyteResultArrivesIntact() async throws {
        let folder = try E2E.temporaryFolder()
        let argv = try E2E.proxyArgv(folder: folder, policy: E2E.hrPolicy)
        let size = 10 * 1024 * 1024 + 17
        let text = try await StdioClient.with(argv: argv) { client in
            try await E2E.initialize(client)
            let reply = await E2E.callTool(
                client, id: 1, "get_personnel_file", [.string("employee_id", "E-1001"), .number("size_bytes", size)])
            return E2E.text(reply)
        }
        #expect(text.utf8.count == size)
        let records = try E2E.auditRecords(folder)
        let big = try #require(
            E2E.records(records, event: "message").first { ($0["size"]?.doubleValue ?? 0) > Double(size) })
        #expect(big["payload_truncated"]?.boolValue == true)
        #expect(big["payload_sha256"]?.stringValue?.count == 64)
    }

    @Test func malformedInputIsRejectedAndNeverForwarded() async throws {
        let folder = try E2E.temporaryFolder()
        let argv = try E2E.proxyArgv(folder: folder, policy: E2E.hrPolicy)
        try await StdioClient.with(argv: argv) { client in
            try await E2E.initialize(client)
            client.send(Array("{not json".utf8))
            let parse = try JSONParser.parse(try #require(await client.nextUnsolicited()))
            #expect(parse["error"]?["code"]?.doubleValue == -32700)
            #expect(parse["id"] == .null)
            client.send(Array(#"[{"jsonrpc":"2.0","id":7,"method":"tools/list"}]"#.utf8))
            let batch = try JSONParser.parse(try #require(await client.nextUnsolicited()))
            #expect(batch["error"]?["code"]?.doubleValue == -32600)
            let noName = try JSONParser.parse(
                try #require(
                    await client.request(
                        Array(#"{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"arguments":{}}}"#.utf8),
                        id: .number("8"))))
            #expect(noName["error"]?["code"]?.doubleValue == -32602)
            let smuggled = Array(
                #"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"get_employee","name":"delete_employee","arguments":{"employee_id":"E-1004"}}}"#
                    .utf8)
            let duplicate = try JSONParser.parse(try #require(await client.request(smuggled, id: .number("9"))))
            #expect(duplicate["error"]?["code"]?.doubleValue == -32600)
            let escaped = Array(
                #"{"jsonrpc":"2.0","id":10,"method":"tools\/call","params":{"name":"delete\u005femployee","arguments":{"employee_id":"E-1004"}}}"#
                    .utf8)
            let policed = try JSONParser.parse(try #require(await client.request(escaped, id: .number("10"))))
            #expect(
                policed["result"]?["isError"]?.boolValue == true,
                "escaped names are decoded before the policy sees them")
            let still = await E2E.callTool(client, id: 11, "get_employee", [.string("employee_id", "E-1004")])
            #expect(E2E.text(still).contains("E-1004"), "the employee must not have been deleted")
        }
        let records = try E2E.auditRecords(folder)
        #expect(E2E.records(records, event: "rejection").count == 4)
    }

    @Test func modernRequestsGetModernDenials() async throws {
        let folder = try E2E.temporaryFolder()
        let argv = try E2E.proxyArgv(folder: folder, policy: E2E.hrPolicy)
        try await StdioClient.with(argv: argv) { client in
            let meta: JSONValue = .object([
                .string(ProtocolEra.protocolVersionKey, "2026-07-28"),
                .init(ProtocolEra.clientInfoKey, .object([.string("name", "modern-client"), .string("version", "2")])),
                .init(ProtocolEra.clientCapabilitiesKey, .object([])),
            ])
            let reply = await client.call(
                id: 1, method: "tools/call",
                params: .object([
                    .string("name", "export_payroll"), .init("arguments", .object([])), .init("_meta", meta),
                ])
            )
            #expect(reply?["result"]?["resultType"]?.stringValue == "complete")
            #expect(reply?["result"]?["isError"]?.boolValue == true)
            let allowed = await client.call(
                id: 2, method: "tools/call",
                params: .object([
                    .string("name", "get_employee"), .init("arguments", .object([.string("employee_id", "E-1001")])),
                    .init("_meta", meta),
                ])
            )
            #expect(allowed?["result"]?["resultType"]?.stringValue == "complete")
        }
        let negotiated = try #require(E2E.records(try E2E.auditRecords(folder), event: "session_negotiated").first)
        #expect(negotiated["era"]?.stringValue == "modern")
        #expect(negotiated["client_info"]?["name"]?.stringValue == "modern-client")
    }
}
