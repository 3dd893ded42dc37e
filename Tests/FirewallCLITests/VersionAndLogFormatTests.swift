import FirewallCore
import Foundation
import Testing

/// `--version` says which build this is; `--log-format json` makes all of the proxy's stderr JSON lines.
@Suite(.timeLimit(.minutes(1)))
struct VersionAndLogFormatTests {
    @Test func versionNamesTheBuild() throws {
        let (status, output) = try Shell.output([E2E.binary, "--version"])
        #expect(status == 0)
        #expect(output == "0.1.0 (development build)\n")
    }

    @Test func jsonLogFormatWritesOnlyJSONLinesOnStderr() throws {
        let folder = try E2E.temporaryFolder()
        // The client closes at once (stdin is /dev/null); the server exits; a note and the outcome follow.
        let argv = try E2E.proxyArgv(
            folder: folder, policy: "version: 1\napproval: {channels: [web]}\n",
            server: ["/bin/sh", "-c", "exit 3"], extra: ["--log-level", "info", "--log-format", "json"])
        let (_, stderr) = try Shell.run(argv)
        let lines = stderr.split(separator: "\n")
        #expect(lines.count >= 3, "\(stderr)")
        for line in lines {
            let record = try JSONParser.parse(Array(line.utf8))
            #expect(record["level"]?.stringValue != nil && record["message"]?.stringValue != nil, "\(line)")
            #expect(record["ts"]?.stringValue?.hasSuffix("Z") == true)
        }
        #expect(stderr.contains(#""message":"approval channels: web: no, --approve-web not given"#), "\(stderr)")
        #expect(stderr.contains("approval.channels lists `web`, but --approve-web was not given"), "a note, as JSON")
    }
}
