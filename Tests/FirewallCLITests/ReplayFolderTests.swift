import Foundation
import Testing

/// `mcp-firewall test` and `policy diff --against` take folders, as `report` does.
@Suite(.timeLimit(.minutes(1)))
struct ReplayFolderTests {
    static let policy = E2E.repositoryRoot + "/policies/hr-example.yaml"
    static let sample = E2E.repositoryRoot + "/examples/sample-audit.jsonl"

    @Test func testReadsTheScenarioFilesOfAFolderAndSkipsItsOtherFiles() throws {
        let folder = E2E.repositoryRoot + "/examples/ci"
        let (status, output) = try Shell.output([E2E.binary, "test", folder])
        #expect(status == 0, "\(output)")
        #expect(output.contains("mcp-firewall test: ok: 13 call(s): 13 passed"))
        #expect(output.contains("skipped \(folder)/github-actions.yml: not a scenario file or log"))
    }

    @Test func diffAgainstAFolderComparesEveryLogInItsSubfolders() throws {
        let folder = try E2E.temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder + "/logs/monday", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.sample, toPath: folder + "/logs/monday/audit.jsonl")
        try FileManager.default.copyItem(atPath: Self.sample, toPath: folder + "/logs/tuesday.jsonl")
        try #"{"mcpServers": {}}"#.write(toFile: folder + "/logs/client.json", atomically: true, encoding: .utf8)
        try ReplayCommandTests.stricterPolicy.write(toFile: folder + "/strict.yaml", atomically: true, encoding: .utf8)
        let diff = { (against: String) throws -> (status: Int32, output: String) in
            try Shell.output([E2E.binary, "policy", "diff", Self.policy, folder + "/strict.yaml", "--against", against])
        }
        let one = try diff(Self.sample)
        let line = try #require(one.output.split(separator: "\n").first { $0.hasPrefix("policy diff: ") })
        let changed = try #require(Int(line.split(separator: " ")[2]))
        let total = try #require(Int(line.split(separator: " ")[4]))
        #expect(changed > 0)
        let both = try diff(folder + "/logs")
        #expect(both.status == 1)
        #expect(both.output.contains("policy diff: \(2 * changed) of \(2 * total) call(s) change decision"), "\(both)")
        #expect(both.output.contains("skipped \(folder)/logs/client.json"))
    }

    @Test func aFolderWithoutScenariosOrLogsIsAnError() throws {
        let folder = try E2E.temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder + "/empty", withIntermediateDirectories: true)
        let empty = try Shell.output([E2E.binary, "test", folder + "/empty", "--policy", Self.policy])
        #expect(empty.status == 1)
        #expect(
            empty.output.contains("\(folder)/empty:1:1: error: the folder holds no .yaml, .yml, .jsonl or .json file"))
        try FileManager.default.createDirectory(atPath: folder + "/policies", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.policy, toPath: folder + "/policies/hr.yaml")
        let policies = try Shell.output([E2E.binary, "test", folder + "/policies", "--policy", Self.policy])
        #expect(policies.status == 1)
        #expect(policies.output.contains("\(folder)/policies:1:1: error: the folder holds no scenario file or log"))
    }
}
