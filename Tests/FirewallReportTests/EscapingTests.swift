import Crypto
import FirewallCore
import FirewallReport
import Foundation
import Testing

/// Hostile strings from the log stay text: in HTML, in the embedded JSON, in Markdown and in the JSON summary.
struct EscapingTests {
    static let hostile = [
        "<script>window.__pwned=1</script>", "\"><img src=x onerror=alert(1)>", "</script><script>alert(2)</script>",
        "javascript:alert(3)", "line\u{2028}separator\u{2029}end", "<!--", "'quoted' & \"double\"",
    ]

    /// A session whose every free-text field carries a hostile string.
    static func hostileLog() -> String {
        func j(_ text: String) -> String {
            var writer = JSONWriter()
            writer.string(text)
            return String(decoding: writer.bytes, as: UTF8.self)
        }
        let session = hostile[0]
        var lines = [
            Line.record(
                1, "session_start",
                #""server":{"argv":[\#(j(hostile[1])),\#(j(hostile[3]))]},"policy":{"path":\#(j(hostile[2])),"sha256":\#(j(hostile[6]))},"environment":\#(j(hostile[0]))"#,
                session: session),
            Line.record(
                2, "session_negotiated",
                #""era":"legacy","protocol_version":\#(j(hostile[4])),"client_info":{"name":\#(j(hostile[1])),"version":\#(j(hostile[3]))}"#,
                session: session),
            #"{"v":1,"seq":3,"session":"x","event":"decision","<b>":1,"<b>":2}"#,
        ]
        for (index, text) in hostile.enumerated() {
            let arguments = #"{"employee_id":\#(j(text)),"url":\#(j(hostile[3])),\#(j(text)):\#(j(text))}"#
            lines.append(
                Line.decision(
                    index + 4, call: index + 1, tool: text, arguments: arguments,
                    extra:
                        #""decided_by":{"kind":"human","channel":\#(j(text)),"identity":\#(j(text)),"comment":\#(j(text))},"approval":{"outcome":"approved","wait_ms":5}"#,
                    session: session))
            lines.append(
                Line.record(
                    index + 20, "message",
                    #""direction":"server_to_client","kind":"response","id":\#(index),"call":\#(index + 1),"size":1,"payload":{"result":{"content":[{"type":"text","text":\#(j(text))}]}}"#,
                    session: session))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func htmlTextIsEscaped() {
        #expect(SafeText.html(#"<a href="x">'&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        #expect(SafeText.html("plain") == "plain")
    }

    @Test func scriptJSONCannotCloseTheScriptElement() {
        let sink = ByteSink()
        SafeText.appendScriptJSON("</script><!--&\u{2028}\u{2029}\"\\\n\u{01}é", to: sink)
        let text = String(decoding: sink.bytes, as: UTF8.self)
        #expect(text == #""\u003c/script\u003e\u003c!--\u0026\u2028\u2029\"\\\n\u0001é""#)
        #expect((try? JSONParser.parse(sink.bytes))?.stringValue == "</script><!--&\u{2028}\u{2029}\"\\\n\u{01}é")
    }

    @Test func theHostilePageHasOnlyItsOwnScriptsAndNoMarkupFromTheLog() throws {
        let html = try ReportFixtures.render([try ReportFixtures.file(Self.hostileLog())], title: Self.hostile[0])
        #expect(html.components(separatedBy: "<script").count - 1 == 3, "two data blocks and the page script")
        #expect(html.components(separatedBy: "</script>").count - 1 == 3)
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b>"))
        #expect(!html.contains("<!--"))
        #expect(!html.contains("\u{2028}") && !html.contains("\u{2029}"))
        let hrefs = html.components(separatedBy: "href=\"").dropFirst().map { $0.prefix(1) }
        #expect(hrefs.allSatisfy { $0 == "#" }, "the only links are the page's own anchors")
        #expect(html.contains("&lt;script&gt;window.__pwned=1&lt;/script&gt;"), "hostile text is shown, escaped")
        #expect(html.contains("duplicate key &quot;&lt;b&gt;&quot;"))
    }

    @Test func theEmbeddedDataRoundTripsTheHostileStringsExactly() throws {
        let html = try ReportFixtures.render([try ReportFixtures.file(Self.hostileLog())])
        let events = try JSONParser.parse(Array(try ReportFixtures.dataBlock(html, id: "report-events").utf8))
        let meta = try JSONParser.parse(Array(try ReportFixtures.dataBlock(html, id: "report-meta").utf8))
        guard case .array(let strings)? = meta["strings"], case .array(let rows) = events else {
            Issue.record("the data blocks have the wrong shape")
            return
        }
        let texts = Set(strings.compactMap(\.stringValue))
        for text in Self.hostile { #expect(texts.contains(text), "tool name \(text) in the string table") }
        let details = rows.compactMap { row -> String? in
            guard case .array(let cells) = row else { return nil }
            return cells.last?.stringValue
        }
        #expect(details.contains { $0.contains("line\u{2028}separator") })
    }

    @Test func theCSPHashesExactlyThePageScript() throws {
        let html = try ReportFixtures.render([ReportFixtures.path("small-audit.jsonl")])
        let open = try #require(html.range(of: "<script>"))
        let close = try #require(html.range(of: "</script>", range: open.upperBound..<html.endIndex))
        let script = html[open.upperBound..<close.lowerBound]
        let hash = Data(SHA256.hash(data: Array(script.utf8))).base64EncodedString()
        let policy =
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-\(hash)'; base-uri 'none'; "
            + "form-action 'none'"
        #expect(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"\(policy)\">"))
        #expect(HTMLReportWriter.contentSecurityPolicy == policy)
        for forbidden in [
            "innerHTML", "outerHTML", "insertAdjacentHTML", "eval(", "document.write", "href", "Function(",
        ] {
            #expect(!script.contains(forbidden), "the page script must not use \(forbidden)")
        }
    }

    @Test func markdownAndJSONKeepHostileTextInert() throws {
        let path = try ReportFixtures.file(Self.hostileLog())
        let markdown = try ReportFixtures.render([path], format: .markdown)
        #expect(!markdown.contains("<script") && !markdown.contains("<img"))
        #expect(markdown.contains("javascript\\:alert") == false && markdown.contains("javascript:alert(3)"))
        var pipes: Int?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("|") else {
                pipes = nil
                continue
            }
            let count = line.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count
            #expect(pipes == nil || pipes == count, "a log string broke a table row: \(line)")
            pipes = pipes ?? count
        }
        let json = try ReportFixtures.render([path], format: .json)
        let value = try JSONParser.parse(Array(json.utf8))
        #expect(value["sessions"].map { _ in true } == true)
        guard case .array(let sessions)? = value["sessions"] else { return }
        #expect(sessions.first?["environment"]?.stringValue == Self.hostile[0])
    }
}
