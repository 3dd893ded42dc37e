import FirewallCore
import Foundation
import Synchronization

@testable import FirewallRelay

#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 server on 127.0.0.1 for tests: one connection at a time on a dedicated thread,
/// `Connection: close` on every answer. It records each request and answers with what `respond` says.
final class TestHTTPServer: Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        /// Header names lower-cased.
        var headers: [String: String]
        var body: [UInt8]
    }

    enum Reply: Sendable {
        case status(Int, body: [UInt8] = [], headers: [String: String] = [:])
        /// Answer nothing and hold the connection until the client closes it.
        case hang
    }

    let port: Int
    /// Fulfilled when a client closes a connection the server was holding (`hang`).
    let clientClosed = OneShot<Void>()
    private let listener: Int32
    private let wake: (read: Int32, write: Int32)
    private let stopped = OneShot<Void>()
    private let requests = Mutex<[Request]>([])
    private let respond: @Sendable (Request) -> Reply

    var recorded: [Request] { requests.withLock { $0 } }
    var url: String { "http://127.0.0.1:\(port)/approvals" }

    /// With `listening: false` the port is bound but refuses connections (and stays taken, so no other
    /// test's server can answer on it).
    init(listening: Bool = true, respond: @escaping @Sendable (Request) -> Reply) throws {
        self.respond = respond
        // A client that hangs up early must cost an EPIPE, not the test process.
        signal(SIGPIPE, SIG_IGN)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(fd, address, length) == 0 && (!listening || listen(fd, 16) == 0)
                    && getsockname(fd, address, &length) == 0
            }
        }
        guard bound else {
            let code = errno
            close(fd)
            throw POSIXError(code)
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        wake = try Posix.pipe()
        let thread = Thread { [self] in
            // A socket that is not listening polls as hung up: then wait for `stop` alone.
            if listening { serve() } else { _ = waitReadable(wake.read) }
            stopped.fulfil(())
        }
        thread.name = "test-http-server"
        thread.start()
    }

    /// Ends the server thread and waits for it.
    func stop() async {
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
        await stopped.valueIgnoringCancellation()
        close(listener)
        close(wake.read)
        close(wake.write)
    }

    /// Waits until `fd` is readable; false when the server is being stopped.
    private func waitReadable(_ fd: Int32) -> Bool {
        var fds = [
            pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0),
        ]
        while poll(&fds, 2, -1) < 0 {
            guard errno == EINTR else { return false }
        }
        return fds[1].revents == 0
    }

    private func serve() {
        while waitReadable(listener) {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            handle(connection)
            close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        func readMore() -> Bool {
            guard waitReadable(connection) else { return false }
            let count = read(connection, &chunk, chunk.count)
            guard count > 0 else { return false }
            buffer += chunk[0..<count]
            return true
        }
        let separator = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            guard readMore() else { return }
            headEnd = buffer.indices.dropLast(3).first { Array(buffer[$0..<$0 + 4]) == separator }
        }
        guard let headEnd else { return }
        let lines = String(decoding: buffer[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ")
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        if headers["expect"]?.lowercased() == "100-continue" {
            send(connection, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while buffer.count < headEnd + 4 + length {
            guard readMore() else { return }
        }
        let request = Request(
            method: String(requestLine.first ?? ""), path: String(requestLine.dropFirst().first ?? ""),
            headers: headers, body: Array(buffer[(headEnd + 4)..<(headEnd + 4 + length)]))
        requests.withLock { $0.append(request) }
        switch respond(request) {
        case .status(let status, let body, let extra):
            var head = "HTTP/1.1 \(status) Test\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
            for (name, value) in extra { head += "\(name): \(value)\r\n" }
            send(connection, Array((head + "\r\n").utf8) + body)
        case .hang:
            while waitReadable(connection) {
                if read(connection, &chunk, chunk.count) <= 0 {
                    clientClosed.fulfil(())
                    return
                }
            }
        }
    }

    private func send(_ connection: Int32, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Posix.writeAll(connection, $0) }
    }
}
