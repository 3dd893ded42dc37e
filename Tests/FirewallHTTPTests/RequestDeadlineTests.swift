import FirewallHTTP
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
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0 else { return false }
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
