import FirewallHTTP
import Testing

/// Where the approval page may listen.
struct WebApprovalAddressTests {
    @Test func acceptsLoopbackAddresses() throws {
        #expect(try WebApprovalAddress(parsing: "127.0.0.1:0") == WebApprovalAddress(host: .ipv4, port: 0))
        #expect(try WebApprovalAddress(parsing: "127.0.0.1:8765") == WebApprovalAddress(host: .ipv4, port: 8765))
        #expect(try WebApprovalAddress(parsing: "[::1]:8765") == WebApprovalAddress(host: .ipv6, port: 8765))
        #expect(try WebApprovalAddress(parsing: "::1:0") == WebApprovalAddress(host: .ipv6, port: 0))
        #expect(WebApprovalAddress(host: .ipv6, port: 80).authority(port: 8080) == "[::1]:8080")
    }

    @Test(arguments: ["0.0.0.0:8080", "192.168.1.5:80", "localhost:8080", "[::]:80", "127.0.0.2:80", "example.com:80"])
    func refusesAnythingButLoopback(text: String) {
        #expect {
            try WebApprovalAddress(parsing: text)
        } throws: { error in
            guard case .notLoopback = error as? WebApprovalError else { return false }
            return "\(error)".contains("only listens on loopback")
        }
    }

    @Test(arguments: ["127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", ":80", "127.0.0.1:8o"])
    func refusesMalformedAddresses(text: String) {
        #expect(throws: WebApprovalError.malformedAddress(text)) { try WebApprovalAddress(parsing: text) }
    }
}
