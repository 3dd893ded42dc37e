import FirewallCore
import Foundation
import Testing

/// `mcp-firewall policy explain`, run as a user runs it, against golden files in `Golden/`.
///
/// Set `MCP_FIREWALL_RECORD_GOLDEN=1` to re-record the files instead of comparing them; review the
/// diff before committing it.
@Suite(.timeLimit(.minutes(1)))
struct PolicyExplainGoldenTests {
    /// One `policy explain` invocation against `Golden/explain-policy.yaml`.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var arguments: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "deny-beats-confirm", arguments: ["--tool", "update_salary", "--args", #"{"new_salary":900000}"#]),
        Case(
            name: "confirm-beats-allow",
            arguments: ["--tool", "update_salary", "--args", #"{"new_salary":500,"currency":"EUR"}"#]),
        Case(name: "write-default", arguments: ["--tool", "add_review_note", "--args", #"{"note":"Shipped early"}"#]),
        Case(
            name: "unlisted-annotations",
            arguments: ["--tool", "search_employees", "--annotations", #"{"readOnlyHint":true}"#]),
        Case(name: "unlisted-unannotated", arguments: ["--tool", "send_email"]),
        Case(
            name: "evaluation-error",
            arguments: ["--tool", "update_salary", "--args", #"{"new_salary":"900000","currency":"EUR"}"#]),
        Case(name: "hidden", arguments: ["--tool", "export_payroll"]),
        Case(name: "environment-prod", arguments: ["--tool", "get_employee", "--env", "prod"]),
        Case(
            name: "audit-redaction",
            arguments: [
                "--tool", "get_employee", "--args",
                #"{"employee_id":"E-1001","credentials":{"user":"svc","password":"hunter2"},"note":"Bearer 5f0c1e9a77d2"}"#,
            ]),
    ]

    @Test(arguments: cases, ["text", "json"])
    func outputMatchesTheGoldenFile(_ testCase: Case, format: String) throws {
        let result = try Self.explain(testCase.arguments + ["--format", format])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        let golden = Self.folder + "/explain-\(testCase.name).\(format == "json" ? "json" : "txt")"
        if ProcessInfo.processInfo.environment["MCP_FIREWALL_RECORD_GOLDEN"] == "1" {
            try result.stdout.write(toFile: golden, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOfFile: golden, encoding: .utf8)
        #expect(
            result.stdout == expected,
            "output differs from \(golden); re-record with MCP_FIREWALL_RECORD_GOLDEN=1 if the change is intended")
    }

    @Test func jsonOutputParsesAndAgreesWithTheText() throws {
        let json = try Self.explain([
            "--tool", "update_salary", "--args", #"{"new_salary":900000}"#, "--format", "json",
        ])
        let value = try JSONParser.parse(Array(json.stdout.utf8))
        #expect(value["decision"]?.stringValue == "deny")
        #expect(value["rule"]?.stringValue == "explain-policy.yaml:16:5")
        guard case .array(let rules)? = value["rules"] else {
            Issue.record("no rules array")
            return
        }
        #expect(rules.count == 3, "every rule whose name matches is listed, applicable or not")
        #expect(rules.map { $0["outcome"]?.stringValue } == ["applies", "applies", "fails"])
    }

    @Test func invalidArgumentsJSONExitsOne() throws {
        let result = try Self.explain(["--tool", "update_salary", "--args", "{new_salary: 1}"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("--args is not valid JSON"))
        let array = try Self.explain(["--tool", "update_salary", "--args", "[1]"])
        #expect(array.status == 1)
        #expect(array.stderr.contains("--args must be a JSON object"))
    }

    @Test func invalidPolicyExitsOneWithItsDiagnostics() throws {
        let folder = try E2E.temporaryFolder()
        try "version: 1\ntools: [{name: x, decison: deny}]\n".write(
            toFile: folder + "/bad.yaml", atomically: true, encoding: .utf8)
        let result = try Self.run([E2E.binary, "policy", "explain", "--policy", "bad.yaml", "--tool", "x"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr.contains("bad.yaml:2:19: error: unknown key `decison`"))
        #expect(result.stdout.isEmpty)
    }

    @Test func missingToolIsAUsageError() throws {
        let result = try Self.explain([])
        #expect(result.status == 64)
    }

    // MARK: - Running the binary

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Golden"

    /// Runs `policy explain --policy explain-policy.yaml ARGS` in `Golden/`, so paths in the output are stable.
    static func explain(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try run([E2E.binary, "policy", "explain", "--policy", "explain-policy.yaml"] + arguments, in: folder)
    }

    /// Runs `argv` in `directory` without the variables that pick an environment, capturing both streams.
    static func run(_ argv: [String], in directory: String) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        for name in ["CI", "MCP_FIREWALL_ENV"] { environment[name] = nil }
        process.environment = environment
        let errorFile = try E2E.temporaryFolder() + "/stderr"
        _ = FileManager.default.createFile(atPath: errorFile, contents: nil)
        let errorHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errorFile))
        defer { try? errorHandle.close() }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = errorHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = String(decoding: FileManager.default.contents(atPath: errorFile) ?? Data(), as: UTF8.self)
        return (process.terminationStatus, String(decoding: data, as: UTF8.self), stderr)
    }
}
