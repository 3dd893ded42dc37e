import FirewallHTTP
import Testing

/// The page document and its Content-Security-Policy.
struct ApprovalPageTests {
    let csrf = AccessToken(bytes: Array(repeating: 1, count: 32))

    /// The text between the first `<tag>` and its closing tag.
    func element(_ tag: String, in html: String) throws -> String {
        let start = try #require(html.range(of: "<\(tag)>"))
        let end = try #require(html.range(of: "</\(tag)>", range: start.upperBound..<html.endIndex))
        return String(html[start.upperBound..<end.lowerBound])
    }

    func hash(_ text: String) -> String { ApprovalPage.hashSource(text) }

    @Test func hashesAsCSPSourcesDo() {
        #expect(ApprovalPage.hashSource("") == "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='")
        #expect(ApprovalPage.hashSource("abc") == "'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='")
    }

    @Test func theCSPPinsExactlyThePagesScriptAndStyle() throws {
        let html = ApprovalPage.html(csrfToken: csrf)
        let policy = ApprovalPage.contentSecurityPolicy
        #expect(policy.contains("script-src \(hash(try element("script", in: html)));"))
        #expect(policy.contains("style-src \(hash(try element("style", in: html)));"))
        for directive in [
            "default-src 'none'", "connect-src 'self'", "form-action 'none'", "frame-ancestors 'none'",
            "base-uri 'none'",
        ] {
            #expect(policy.contains(directive))
        }
        #expect(!policy.contains("unsafe"))
        #expect(html.components(separatedBy: "<script").count == 2)
        #expect(html.components(separatedBy: "<style").count == 2)
    }

    @Test func thePageCarriesTheCSRFTokenAndNoRequestData() {
        let html = ApprovalPage.html(csrfToken: csrf)
        #expect(html.contains(#"<meta name="mcp-firewall-csrf" content="\#(csrf.text)">"#))
        #expect(!html.contains(" style="))
        #expect(!html.contains("<form"))
    }

    @Test func theScriptNeverInsertsMarkup() throws {
        let script = try element("script", in: ApprovalPage.html(csrfToken: csrf))
        for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function(", "srcdoc"] {
            #expect(!script.contains(sink), "the script uses \(sink)")
        }
        #expect(script.contains("textContent"))
    }
}
