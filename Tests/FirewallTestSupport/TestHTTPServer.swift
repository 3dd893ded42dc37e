import FirewallCore
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 server on 127.0.0.1 for tests: one connection at a time on a dedicated thread,
/// `Connection: close` on every answer. It records each request and answers with what `respond` says.
///
/// It can also stop listening (`hangAndStopListening`: connections are then refused) and listen again
/// on the same port (`listenAgain`), for clients that must survive a collector going away.
package final class TestHTTPServer: Sendable {
    package struct Request: Sendable {
        package var method: String
        package var path: String
        /// Header names lower-cased.
        package var headers: [String: String]
        package var body: [UInt8]
    }

    package enum Reply: Sendable {
        case status(Int, body: [UInt8] = [], headers: [String: String] = [:])
        /// Answer nothing and hold the connection until the client closes it.
        case hang
        /// Stop listening (later connections are refused until `listenAgain`), then `hang`.
        case hangAndStopListening
    }

    package let port: Int
    /// Fulfilled when a client closes a connection the server was holding (`hang`).
    package let clientClosed = OneShot<Void>()
    private let wake: (read: Int32, write: Int32)
    private let stopped = OneShot<Void>()
    private let requests = Mutex<[Request]>([])
    private let respond: @Sendable (Request) -> Reply

    package var recorded: [Request] { requests.withLock { $0 } }
    package var url: String { "http://127.0.0.1:\(port)/approvals" }

    /// With `listening: false` the port is bound but refuses connections (and stays taken, so no other
    /// test's server can answer on it) until `listenAgain`.
    package init(listening: Bool = true, respond: @escaping @Sendable (Request) -> Reply) throws {
        self.respond = respond
        // A client that hangs up early must cost an EPIPE, not the test process.
        signal(SIGPIPE, SIG_IGN)
        let (fd, port) = try Self.bind(port: 0, listening: listening)
        self.port = port
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        wake = (fds[0], fds[1])
        let thread = Thread { [self] in
            serve(socket: fd, listening: listening)
            stopped.fulfil(())
        }
        thread.name = "test-http-server"
        thread.start()
    }

    /// Listens again on the same port after `hangAndStopListening` (or `listening: false`).
    package func listenAgain() {
        command(UInt8(ascii: "l"))
    }

    /// Ends the server thread and waits for it.
    package func stop() async {
        command(UInt8(ascii: "s"))
        await stopped.valueIgnoringCancellation()
        close(wake.read)
        close(wake.write)
    }

    private func command(_ byte: UInt8) {
        var byte = byte
        _ = write(wake.write, &byte, 1)
    }

    /// A socket bound to 127.0.0.1:`port` (0: any), listening when asked, and the port it got.
    private static func bind(port: Int, listening: Bool) throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                Glibc.bind(fd, address, length) == 0 && (!listening || listen(fd, 16) == 0)
                    && getsockname(fd, address, &length) == 0
            }
        }
        guard bound else {
            let code = errno
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    private enum Wait {
        case readable
        /// A command arrived on the wake pipe (not read yet).
        case command
    }

    /// Waits until `fd` (if any) or the wake pipe is readable.
    private func wait(_ fd: Int32?) -> Wait {
        var fds = [pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
        if let fd { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
        while poll(&fds, nfds_t(fds.count), -1) < 0 {
            guard errno == EINTR else { return .command }
        }
        return fds[0].revents != 0 ? .command : .readable
    }

    private func serve(socket: Int32, listening: Bool) {
        var socket: Int32? = socket
        var listening = listening
        while true {
            switch wait(listening ? socket : nil) {
            case .readable:
                guard let listener = socket else { continue }
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { continue }
                handle(connection) {
                    // Before hanging: the client's next attempt must find nobody listening.
                    close(listener)
                    socket = nil
                    listening = false
                }
                close(connection)
            case .command:
                var byte: UInt8 = 0
                _ = read(wake.read, &byte, 1)
                if byte == UInt8(ascii: "l") {
                    if let socket, listen(socket, 16) == 0 {
                        listening = true
                    } else if let (fd, _) = try? Self.bind(port: port, listening: true) {
                        socket = fd
                        listening = true
                    }
                    continue
                }
                if let socket { close(socket) }
                return
            }
        }
    }

    /// Serves one request; `stopListening` closes the listener (`hangAndStopListening`).
    private func handle(_ connection: Int32, stopListening: () -> Void) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        func readMore() -> Bool {
            guard case .readable = wait(connection) else { return false }
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
        let reply = respond(request)
        switch reply {
        case .status(let status, let body, let extra):
            var head = "HTTP/1.1 \(status) Test\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
            for (name, value) in extra { head += "\(name): \(value)\r\n" }
            send(connection, Array((head + "\r\n").utf8) + body)
        case .hang, .hangAndStopListening:
            if case .hangAndStopListening = reply { stopListening() }
            while case .readable = wait(connection) {
                if read(connection, &chunk, chunk.count) <= 0 {
                    clientClosed.fulfil(())
                    break
                }
            }
        }
    }

    private func send(_ connection: Int32, _ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { write(connection, $0.baseAddress! + sent, $0.count - sent) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return }
            sent += count
        }
    }
}
