import Testing

@testable import FirewallCore

struct LokrynMappingTests {
    /// Maps the sample session in order (so session facts are learnt) and returns record `seq`'s JSON.
    private func mapped(_ seq: Int) throws -> JSONValue {
        var mapping = LokrynMapping()
        var out: [JSONValue] = []
        for line in AuditSinkSamples.all {
            let mappedLine = mapping.map(Array(line.utf8)[...])
            let bytes = try #require(mappedLine)
            out.append(try JSONParser.parse(bytes, rules: .document))
        }
        return out[seq - 1]
    }

    @Test(arguments: [
        (1, "EVENT_LOGIN", "OUTCOME_SUCCESS", "session/initialize"),
        (2, "EVENT_MCP_INITIALIZE", "OUTCOME_SUCCESS", "session/initialize"),
        (3, "EVENT_TOOL_INVOCATION", "OUTCOME_SUCCESS", "tools/update_salary"),
        (4, "EVENT_TOOL_INVOCATION", "OUTCOME_FAILURE_DENIED", "tools/delete_employee"),
        (5, "EVENT_TOOL_INVOCATION", "OUTCOME_FAILURE_ERROR", "tools/update_salary"),
        (6, "EVENT_TOOL_LIST", "OUTCOME_SUCCESS", "tools/list"),
        (7, "EVENT_LOGOUT", "OUTCOME_SUCCESS", "session/close"),
    ])
    func eachEventKindMapsToItsLokrynType(seq: Int, type: String, outcome: String, resource: String) throws {
        let request = try mapped(seq)
        #expect(request["event_type"]?.stringValue == type)
        #expect(request["outcome"]?.stringValue == outcome)
        #expect(request["resource"]?.stringValue == resource)
        #expect(request["session_id"]?.stringValue == AuditSinkSamples.session)
        #expect(request["time"]?.stringValue == "2026-11-25T21:27:40.516703Z")
        #expect(request["environment"]?.stringValue == "prod", "learnt from session_start")
        #expect(request["metadata"]?["product_name"]?.stringValue == "mcp-firewall")
        #expect(request["metadata"]?["product_version"]?.stringValue == "0.1.0")
    }

    @Test func aDecisionCarriesTagsArgumentsAndTheClient() throws {
        let request = try mapped(3)
        #expect(request["policy_tags"] == .array([.string("SOC2"), .string("payroll")]))
        #expect(request["mcp"]?["tool_name"]?.stringValue == "update_salary")
        #expect(request["mcp"]?["request_id"]?.stringValue == "4")
        #expect(request["mcp"]?["protocol_version"]?.stringValue == "2025-11-25")
        #expect(request["mcp"]?["tool_arguments"]?["employee_id"]?.stringValue == "E-1")
        #expect(request["client_id"]?.stringValue == "claude-code")
        #expect(request["server_version"]?.stringValue == "0.3")
        #expect(request["severity"]?.stringValue == "SEVERITY_INFO")
        #expect(request["ocsf_class_uid"] == .number("6003"))
        #expect(
            request["message"]?.stringValue == "allow update_salary (decided by alice): Salary changes are approved")
    }

    @Test func durationsAreWholeMilliseconds() throws {
        #expect(try mapped(5)["duration_ms"] == .number("13"))
        #expect(try mapped(5)["severity"]?.stringValue == "SEVERITY_ERROR")
        #expect(try mapped(4)["severity"]?.stringValue == "SEVERITY_WARNING")
    }

    @Test func version2FieldsAreMappedWhenRecordsCarryThem() throws {
        var mapping = LokrynMapping()
        let line = AuditSinkSamples.line(
            9, "result",
            #""tool":"t","outcome":"timeout","actor":{"id":"alice","type":"user"},"component":"hr","correlation_id":"4bf92f3577b34da6a3ce929d0e0e4736","sensitivity":"confidential","environment":"ci""#
        )
        let mappedLine = mapping.map(Array(line.utf8)[...])
        let request = try JSONParser.parse(try #require(mappedLine), rules: .document)
        #expect(request["actor_id"]?.stringValue == "alice")
        #expect(request["actor_type"]?.stringValue == "user")
        #expect(request["component"]?.stringValue == "hr")
        #expect(request["trace_id"]?.stringValue == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(request["sensitivity"]?.stringValue == "SENSITIVITY_CONFIDENTIAL")
        #expect(request["environment"]?.stringValue == "ci")
        #expect(request["outcome"]?.stringValue == "OUTCOME_FAILURE_ERROR")
        #expect(request["seq"] == nil && request["h"] == nil)
    }

    @Test func aLineThatIsNotARecordHasNoLokrynForm() {
        var mapping = LokrynMapping()
        #expect(mapping.map(Array(#"{"v":1,"seq":3,"ts"#.utf8)[...]) == nil)
    }
}
