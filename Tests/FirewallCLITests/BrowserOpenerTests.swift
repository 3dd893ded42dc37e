import Foundation
import Logging
import Testing

@testable import FirewallCLI

/// `approver --open` keeps the page's token out of `ps`: the browser gets a 0600 file that redirects.
struct BrowserOpenerTests {
    @Test func theTokenGoesIntoAPrivateFileNotAnArgument() throws {
        let folder = try E2E.temporaryFolder()
        let url = "http://127.0.0.1:8123/approve/abcDEF-123_xyz/"
        // No PATH: nothing is launched, the file is still written.
        let path = try #require(
            BrowserOpener.openPrivately(
                url, folder: folder, name: "approver-open.html", environment: ["PATH": folder],
                logger: Logger(label: "test")))
        let page = try String(contentsOfFile: path, encoding: .utf8)
        #expect(page.contains(#"content="0; url=\#(url)""#))
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode & 0o077 == 0)
    }

    @Test func onlyPlainHTTPURLsAreWrittenIntoThePage() {
        #expect(BrowserOpener.redirectPage(to: "http://127.0.0.1:1/a/") != nil)
        #expect(BrowserOpener.redirectPage(to: #"http://127.0.0.1:1/"><script>"#) == nil)
        #expect(BrowserOpener.redirectPage(to: "javascript:alert(1)") == nil)
    }
}
