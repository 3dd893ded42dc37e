import Crypto
import Foundation

/// The approval page: one self-contained HTML document with no data in it but the CSRF token; the calls
/// arrive as JSON on the event stream and the script renders them as text.
package enum ApprovalPage {
    /// The name of the `<meta>` tag carrying the CSRF token.
    package static let csrfMetaName = "mcp-firewall-csrf"

    /// The document, for a server whose answers need `csrfToken`.
    package static func html(csrfToken: AccessToken) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <meta name="\(csrfMetaName)" content="\(csrfToken.text)">
        <title>mcp-firewall: approvals</title>
        <style>\(ApprovalPageStyle.css)</style>
        </head>
        <body>
        <header>
        <h1>mcp-firewall: calls waiting for approval</h1>
        <p id="status" role="status">Connecting…</p>
        <label>Your name (recorded in the audit log)<input id="approver" maxlength="100" autocomplete="name"></label>
        </header>
        <main>
        <p id="empty">No call is waiting for approval.</p>
        <ul id="pending" aria-label="Calls waiting for approval"></ul>
        <h2>Recently settled</h2>
        <ol id="history"></ol>
        </main>
        <script>\(ApprovalPageScript.source)</script>
        </body>
        </html>

        """
    }

    /// The CSP source for `text`: `'sha256-<base64>'`.
    package static func hashSource(_ text: String) -> String {
        "'sha256-\(Data(SHA256.hash(data: Array(text.utf8))).base64EncodedString())'"
    }

    /// The page's Content-Security-Policy: nothing but its own script and style (by hash), requests to its own
    /// origin only, no forms, no framing.
    package static let contentSecurityPolicy =
        "default-src 'none'; script-src \(hashSource(ApprovalPageScript.source)); "
        + "style-src \(hashSource(ApprovalPageStyle.css)); connect-src 'self'; base-uri 'none'; "
        + "form-action 'none'; frame-ancestors 'none'"
}
