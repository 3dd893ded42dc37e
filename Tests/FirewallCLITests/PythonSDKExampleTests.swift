import FirewallCore
import Foundation
import Testing

/// `examples/python-sdk-client.py`: launches the proxy as the JSON configurations do, compiles, and, where
/// the official MCP Python SDK is installed, runs against the built binaries.
@Suite(.timeLimit(.minutes(1)))
struct PythonSDKExampleTests {
    static let script = E2E.repositoryRoot + "/examples/python-sdk-client.py"

    /// `python3` on `PATH`, if there is one.
    static let python: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        .split(separator: ":").map { $0 + "/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Whether that `python3` can import the MCP SDK.
    static let hasSDK: Bool = {
        guard let python else { return false }
        return (try? Shell.output([python, "-c", "import mcp.client.stdio"]).status) == 0
    }()

    @Test func launchesTheProxyWithAPolicyAndAnEnvironmentItDefines() throws {
        let text = try String(contentsOfFile: Self.script, encoding: .utf8)
        #expect(text.contains("from mcp import ClientSession, StdioServerParameters"))
        let call = try #require(text.components(separatedBy: "StdioServerParameters(\n").dropFirst().first)
        #expect(call.contains(#"command="mcp-firewall""#))
        let list = try #require(
            call.components(separatedBy: "args=[").dropFirst().first?.components(separatedBy: "]").first)
        let literals = list.components(separatedBy: "\"").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        #expect(literals.first == "proxy")
        #expect(literals.contains("--policy") && literals.contains("--env"))
        let separator = try #require(literals.firstIndex(of: "--"))
        #expect(literals[separator...].dropFirst().first == "mcp-firewall")
        // `--env` is the value of ENVIRONMENT, which is one of these two; the policy must define both.
        #expect(text.contains(#"ENVIRONMENT = "ci" if os.environ.get("CI") else "dev""#))
        #expect(literals.contains("agent-policy.yaml"))
        let defined = try ClientConfigurationTests.environmentsOfShippedPolicy("examples/agent-policy.yaml", name: "")
        #expect(defined == ["ci", "dev"])
    }

    @Test(.enabled(if: python != nil, "needs python3")) func compiles() throws {
        let folder = try E2E.temporaryFolder()
        let (status, output) = try Shell.output([
            try #require(Self.python), "-c",
            "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)",
            Self.script, folder + "/client.pyc",
        ])
        #expect(status == 0, "\(output)")
    }

    /// The SDK passes the proxy no `$CI`; the script names the environment from its own, and the audit says so.
    @Test(.enabled(if: hasSDK, "needs the MCP Python SDK (pip install mcp)"), arguments: [nil, "true"])
    func runsBehindTheProxyInTheEnvironmentItNames(ci: String?) throws {
        let folder = try E2E.temporaryFolder()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.python))
        process.arguments = [Self.script]
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = E2E.productsFolder + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["XDG_STATE_HOME"] = folder
        environment["CI"] = ci
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.contains("get_employee:") && output.contains("E-1001"), "\(output)")
        let log = try #require(FileManager.default.contents(atPath: folder + "/mcp-firewall/python-sdk-client.jsonl"))
        let records = try log.split(separator: UInt8(ascii: "\n")).map { try JSONParser.parse(Array($0)) }
        let start = try #require(E2E.records(records, event: "session_start").first)
        #expect(start["environment"]?.stringValue == (ci == nil ? "dev" : "ci"))
    }
}
