import FirewallCore
import Foundation
import Testing
import Yams

/// `examples/ci/github-actions.yml`: the workflow has the steps its README promises, and its
/// `mcp-firewall` commands pass when run as written against this checkout.
@Suite(.timeLimit(.minutes(1)))
struct CIExampleTests {
    static let workflowPath = E2E.repositoryRoot + "/examples/ci/github-actions.yml"

    /// The workflow's steps, as `[key: value]` mappings of strings (nested values flattened to text).
    static func steps() throws -> [[String: String]] {
        let text = try String(contentsOfFile: workflowPath, encoding: .utf8)
        let workflow = try #require(try Yams.load(yaml: text) as? [String: Any])
        let jobs = try #require(workflow["jobs"] as? [String: Any])
        #expect(jobs.count == 1)
        let job = try #require(jobs.values.first as? [String: Any])
        let container = job["container"] as? String ?? ""
        #expect(container.hasPrefix("swift:6."), "builds in a Swift 6 container, found \(container)")
        let steps = try #require(job["steps"] as? [[String: Any]])
        return steps.map { step in step.mapValues { "\($0)" } }
    }

    @Test func workflowBuildsChecksReplaysAndUploads() throws {
        let steps = try Self.steps()
        let runs = steps.compactMap { $0["run"] }
        #expect(steps.contains { $0["uses"]?.hasPrefix("actions/checkout@") == true })
        #expect(runs.contains { $0.contains("swift build -c release --product mcp-firewall") })
        #expect(runs.contains { $0 == "mcp-firewall policy check policies/*.yaml" })
        #expect(
            runs.contains {
                $0 == #"mcp-firewall test examples/ci/hr-example.scenarios.yaml --junit results.xml "#
                    + #"--summary "$GITHUB_STEP_SUMMARY""#
            })
        let upload = try #require(steps.first { $0["uses"]?.hasPrefix("actions/upload-artifact@") == true })
        #expect(upload["with"]?.contains("results.xml") == true)
        #expect(upload["if"]?.contains("!cancelled()") == true, "the report is uploaded when the replay fails")
        let order = ["checkout", "swift build", "policy check", "mcp-firewall test", "upload-artifact"].map { word in
            steps.firstIndex { ($0["run"] ?? $0["uses"] ?? "").contains(word) } ?? -1
        }
        #expect(order == order.sorted() && !order.contains(-1), "steps out of order: \(order)")
    }

    /// Runs each `mcp-firewall …` step of the workflow with `sh`, as the runner would, in a folder that
    /// links to this checkout's `policies/` and `examples/` (so `results.xml` lands outside the repo).
    @Test func workflowCommandsPassAgainstThisCheckout() throws {
        let folder = try E2E.temporaryFolder()
        for name in ["policies", "examples"] {
            try FileManager.default.createSymbolicLink(
                atPath: folder + "/" + name, withDestinationPath: E2E.repositoryRoot + "/" + name)
        }
        let summary = folder + "/summary.md"
        let commands = try Self.steps().compactMap { $0["run"] }.filter { $0.hasPrefix("mcp-firewall ") }
        #expect(commands.count == 2)
        for command in commands {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command]
            process.currentDirectoryURL = URL(fileURLWithPath: folder)
            var environment = ProcessInfo.processInfo.environment
            environment["PATH"] = E2E.productsFolder + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
            environment["GITHUB_STEP_SUMMARY"] = summary
            for name in ["CI", "MCP_FIREWALL_ENV"] { environment[name] = nil }
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "`\(command)` failed:\n\(text)")
        }
        let report = try #require(FileManager.default.contents(atPath: folder + "/results.xml"))
        #expect(String(decoding: report, as: UTF8.self).contains("<testsuite"))
        #expect(FileManager.default.contents(atPath: summary)?.isEmpty == false, "the summary was written")
    }
}
