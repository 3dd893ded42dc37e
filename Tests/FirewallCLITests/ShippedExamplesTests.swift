import FirewallCore
import Foundation
import Testing

/// Everything shipped under `examples/` and the README's samples are loaded, so a snippet never rots.
struct ShippedExamplesTests {
    @Test func sampleAuditLogIsOneCompleteSessionOfTheCurrentSchema() throws {
        let data = try #require(
            FileManager.default.contents(atPath: E2E.repositoryRoot + "/examples/sample-audit.jsonl"))
        let records = try data.split(separator: UInt8(ascii: "\n")).map { try JSONParser.parse(Array($0)) }
        #expect(records.first?["event"]?.stringValue == "session_start")
        #expect(records.last?["event"]?.stringValue == "session_end")
        #expect(Set(records.compactMap { $0["session"]?.stringValue }).count == 1)
        #expect(records.allSatisfy { $0["v"]?.doubleValue == Double(AuditRecordEncoder.schemaVersion) })
        let sequence = records.compactMap { $0["seq"]?.doubleValue }
        #expect(sequence == (1...records.count).map(Double.init))
    }

    @Test func everyPolicyInTheDocsLoadsAndTheBadOneFailsAsShown() throws {
        let text = try String(contentsOfFile: E2E.repositoryRoot + "/docs/policy.md", encoding: .utf8)
        let blocks = text.components(separatedBy: "```yaml\n").dropFirst().compactMap {
            $0.components(separatedBy: "```").first
        }
        // Complete documents only; layering examples name files that exist only in the reader's project.
        let complete = blocks.filter {
            ($0.hasPrefix("version: 1") || $0.contains("\nversion: 1")) && !$0.contains("extends:")
        }
        #expect(complete.count >= 2)
        // The one example that demonstrates errors must fail exactly as the doc's console output says.
        let shown =
            text.components(separatedBy: "$ mcp-firewall policy check bad.yaml\n").dropFirst().first?
            .components(separatedBy: "```").first?.split(separator: "\n").map(String.init)
            .filter { $0.hasPrefix("bad.yaml:") } ?? []
        var failing = 0
        for block in complete {
            do {
                _ = try PolicyLoader.load(text: block, path: "bad.yaml")
            } catch {
                failing += 1
                #expect(
                    error.diagnostics.map(\.description) == shown, "the doc shows other diagnostics than the loader")
            }
        }
        #expect(failing == 1, "only the documented bad example may fail to load")
    }

    @Test func readmeStartsWithTheTwoSetUpCommands() throws {
        let text = try String(contentsOfFile: E2E.repositoryRoot + "/README.md", encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).prefix(5).map(String.init)
        #expect(lines[0] == "# mcp-firewall" && lines[2] == "```sh", "\(lines)")
        #expect(lines[3].hasPrefix("swift run mcp-firewall demo "), "\(lines)")
        #expect(lines[4].hasPrefix("swift test "), "\(lines)")
    }

    /// A sample run from a checkout must not leave its audit log in the checkout: every `--audit` of the
    /// README and examples/README.md names an absolute, home or state path.
    @Test(arguments: ["README.md", "examples/README.md"])
    func samplesWriteAuditLogsOutsideTheCheckout(_ file: String) throws {
        let text = try String(contentsOfFile: E2E.repositoryRoot + "/" + file, encoding: .utf8)
        // `--audit PATH` on a command line, or `"--audit", "PATH"` in a JSON argument list.
        let pattern = try NSRegularExpression(pattern: #"--audit(?: +|", *")([^\s"`,]+)"#)
        let paths = pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        }
        #expect(!paths.isEmpty || file != "README.md", "the README shows `--audit`")
        for path in paths {
            #expect(
                ["/", "~", "$"].contains { path.hasPrefix($0) }, "\(file): `--audit \(path)` lands in the checkout")
        }
    }
}
