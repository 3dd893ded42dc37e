import FirewallCore
import FirewallReport
import FirewallTestSupport
import Foundation
import Testing

/// Fixtures and small helpers shared by the report tests.
enum ReportFixtures {
    /// `Tests/FirewallReportTests/Fixtures`, found from this file so tests run from any directory.
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        .path
    /// `Tests/FirewallReportTests/Golden`.
    static let goldenFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Golden"
    ).path

    static func path(_ name: String) -> String { folder + "/" + name }

    /// A fresh temporary folder.
    static func temporaryFolder() throws -> String { try TemporaryFolder.make("mcp-firewall-report-tests") }

    /// Writes `contents` to a new temporary file and returns its path.
    static func file(_ contents: String, name: String = "audit.jsonl") throws -> String {
        let path = try temporaryFolder() + "/" + name
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Feeds `jsonl` to a builder line by line, as the file reader does.
    static func build(
        _ jsonl: String, file: String = "test.jsonl", timeline: Bool = true, entityKeys: EntityKeys = .standard
    ) -> ReportBuilder {
        let builder = ReportBuilder(timeline: timeline, entityKeys: entityKeys)
        builder.begin(file: file)
        let lines = jsonl.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            var text = String(line)
            let terminated = index < lines.count - 1
            text.withUTF8 { builder.readAuditLine($0, file: file, number: index + 1, terminated: terminated) }
        }
        return builder
    }

    /// The report of the files at `paths`, as text.
    static func render(_ paths: [String], format: ReportFormat = .html, title: String = "Test report") throws -> String
    {
        let sink = ByteSink()
        try ReportGenerator.generate(paths: paths, title: title, format: format, to: sink)
        return String(decoding: sink.bytes, as: UTF8.self)
    }

    /// The text of the `<script type="application/json" id="…">` element of a page.
    static func dataBlock(_ html: String, id: String) throws -> String {
        let open = "<script type=\"application/json\" id=\"\(id)\">"
        let start = try #require(html.range(of: open))
        let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
        return String(html[start.upperBound..<end.lowerBound])
    }
}

/// Audit records written as JSONL lines for tests.
enum Line {
    static let session = "aaaaaaaa-0000-0000-0000-000000000001"

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var writer = JSONWriter()
        writer.string(text)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    static func record(_ seq: Int, _ event: String, _ fields: String, session: String = session) -> String {
        #"{"v":1,"seq":\#(seq),"ts":"2026-11-25T10:00:\#(String(format: "%02d", seq % 60)).000000Z","session":"\#(session)","event":"\#(event)"\#(fields.isEmpty ? "" : ",")\#(fields)}"#
    }

    static func start(environment: String = "ci", session: String = session) -> String {
        record(
            1, "session_start",
            #""proxy":{"name":"mcp-firewall","version":"0.1.0","pid":1},"server":{"argv":["srv","--x"]},"policy":{"path":"p.yaml","sha256":"00"},"environment":"\#(environment)""#,
            session: session)
    }

    /// A decision record; `extra` adds `decided_by`, `approval` and so on.
    static func decision(
        _ seq: Int, call: Int, tool: String, toolClass: String = "write", policy: String = "allow",
        final: String = "allow", source: String = "rule", arguments: String = #"{"employee_id":"E-1"}"#,
        extra: String = #""decided_by":{"kind":"policy","channel":"policy"}"#, session: String = session
    ) -> String {
        record(
            seq, "decision",
            #""call":\#(call),"id":\#(call),"tool":\#(quoted(tool)),"arguments":\#(arguments),"class":"\#(toolClass)","class_source":"policy","policy_decision":"\#(policy)","decision":"\#(final)","decision_source":"\#(source)","rule":{"name":\#(quoted(tool)),"file":"p.yaml","line":\#(seq),"column":5},"reason":"because","#
                + extra, session: session)
    }
}
