import FirewallClient
import FirewallCore
import FirewallRelay
import FirewallTestSupport
import Foundation
import Testing

/// Paths and helpers shared by the end-to-end tests, which run the built `mcp-firewall` binary.
enum E2E {
    /// The folder holding the built products (next to the test runner).
    static let productsFolder: String = {
        let runner =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: runner).deletingLastPathComponent()
        // On Linux the runner is `<products>/mcp-firewallPackageTests.xctest`; on macOS it sits inside a bundle.
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("mcp-firewall").path), url.path != "/"
        {
            url.deleteLastPathComponent()
        }
        return url.path
    }()

    static var binary: String { productsFolder + "/mcp-firewall" }
    static var exampleServer: String { productsFolder + "/example-hr-server" }

    /// The repository root, for shipped files.
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// A fresh temporary folder.
    static func temporaryFolder() throws -> String { try TemporaryFolder.make() }

    /// Writes `policy` to a file in `folder` and returns the proxy command line around `server`.
    static func proxyArgv(
        folder: String, policy: String, server: [String]? = nil, extra: [String] = []
    ) throws -> [String] {
        let policyPath = folder + "/policy.yaml"
        try policy.write(toFile: policyPath, atomically: true, encoding: .utf8)
        return [
            binary, "proxy", "--policy", policyPath, "--audit", folder + "/audit.jsonl", "--no-terminal", "--log-level",
            "error",
            "--grace-period", "1",
        ] + extra + ["--"] + (server ?? [exampleServer])
    }

    /// Every record of the audit log at `folder/audit.jsonl`, parsed.
    static func auditRecords(_ folder: String) throws -> [JSONValue] {
        let data = try #require(FileManager.default.contents(atPath: folder + "/audit.jsonl"))
        #expect(data.last == UInt8(ascii: "\n"), "the audit log must end with a complete line")
        return try data.split(separator: UInt8(ascii: "\n")).map { try JSONParser.parse(Array($0)) }
    }

    static func records(_ records: [JSONValue], event: String) -> [JSONValue] {
        records.filter { $0["event"]?.stringValue == event }
    }

    static let initializeParams: JSONValue = .object([
        .init("protocolVersion", .string("2025-11-25")),
        .init("capabilities", .object([])),
        .init("clientInfo", .object([.init("name", .string("e2e-tests")), .init("version", .string("1"))])),
    ])

    /// Initializes a legacy session.
    static func initialize(_ client: StdioClient) async throws {
        let reply = try #require(await client.call(id: 0, method: "initialize", params: initializeParams))
        #expect(reply["result"]?["protocolVersion"]?.stringValue == "2025-11-25")
        client.send(Array(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.utf8))
    }

    static func callTool(
        _ client: StdioClient, id: Int, _ name: String, _ arguments: [JSONValue.Member] = []
    ) async -> JSONValue? {
        await client.call(
            id: id, method: "tools/call",
            params: .object([.init("name", .string(name)), .init("arguments", .object(arguments))]))
    }

    /// Runs `argv` (a proxy command line), initializes, makes one `add_review_note` call and closes:
    /// the reply, how the proxy exited, and the audit records in `folder`.
    static func reviewNoteCall(
        argv: [String], folder: String
    ) async throws -> (reply: JSONValue?, status: ChildProcess.Termination, records: [JSONValue]) {
        let (reply, status) = try await StdioClient.with(argv: argv) { client in
            try await initialize(client)
            let reply = await callTool(
                client, id: 1, "add_review_note", [.string("employee_id", "E-1001"), .string("note", "Great quarter.")])
            return (reply, await client.close())
        }
        return (reply, status, try auditRecords(folder))
    }

    /// The first text content of a tools/call reply.
    static func text(_ reply: JSONValue?) -> String {
        guard case .array(let content)? = reply?["result"]?["content"] else { return "" }
        return content.first?["text"]?.stringValue ?? ""
    }

    static let hrPolicy = """
        version: 1
        defaults: {read: allow, write: confirm, sensitive: deny}
        tools:
          - name: [list_employees, get_employee, search_employees, get_personnel_file]
            class: read
          - name: update_*
            class: write
            reason: Salary changes need a person
          - name: update_salary
            decision: deny
            when:
              new_salary: {gt: 500000}
            reason: Too large
          - name: export_payroll
            class: sensitive
            reason: Payroll is sensitive
          - name: delete_employee
            decision: deny
            reason: Never delete
        """
}

extension JSONValue.Member {
    static func string(_ key: String, _ value: String) -> JSONValue.Member { .init(key, .string(value)) }
    static func number(_ key: String, _ value: Int) -> JSONValue.Member { .init(key, .number(String(value))) }
}
