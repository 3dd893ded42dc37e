import FirewallHTTP
import FirewallTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A request that does not arrive whole in time loses its connection: trickled bodies cannot hold
/// the page's connection slots.
struct RequestDeadlineTests {
    /// Connects, sends `prefix`, keeps trickling a byte every 100 ms, and reports whether the server
    /// closed the connection within `within` seconds.
    static func closedWhileTrickling(port: Int, prefix: String, within: Double) async -> Bool {
        let outcome = Task.detached { () -> Bool in
            guard let fd = try? Loopback.connect(port: port) else { return false }
            defer { close(fd) }
            _ = Array(prefix.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            let deadline = Date().addingTimeInterval(within)
            while Date() < deadline {
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&pfd, 1, 100) > 0 {
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    if recv(fd, &buffer, buffer.count, 0) <= 0 { return true }
                    continue
                }
                var byte: UInt8 = 0x20
                if send(fd, &byte, 1, Int32(MSG_NOSIGNAL)) < 0 { return true }
            }
            return false
        }
        return await outcome.value
    }

    @Test func aTrickledBodyLosesItsConnectionAtTheDeadline() async throws {
        try await LiveServer.run(requestDeadline: .milliseconds(300)) { (live: LiveServer) async throws in
            let trickle = "POST /nothing HTTP/1.1\r\nHost: \(live.authority)\r\nContent-Length: 1000000\r\n\r\n{"
            #expect(await Self.closedWhileTrickling(port: live.port, prefix: trickle, within: 3))
            // The page itself still answers at once.
            #expect(try await live.send(live.base).status == .ok)
        }
    }

    @Test func trickledHeadersLoseTheirConnectionToo() async throws {
        try await LiveServer.run(requestDeadline: .milliseconds(300)) { (live: LiveServer) async throws in
            #expect(await Self.closedWhileTrickling(port: live.port, prefix: "GET / HTTP/1.1\r\nX-Slow: a", within: 3))
        }
    }
}
