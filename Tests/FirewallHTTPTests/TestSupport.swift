import FirewallCore
import FirewallHTTP
import FirewallTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Approval requests as the relay would raise them, from a small policy.
enum Fixtures {
    static let policy = try! PolicyLoader.load(
        text: """
            version: 1
            defaults: {read: allow, write: confirm, sensitive: deny}
            tools:
              - name: update_salary
                class: write
                reason: Salary changes are approved by a person
            """, path: "test.yaml"
    ).policy

    static func request(
        id: String = "a1", tool: String = "update_salary",
        arguments: JSONValue = .object([.init("employee_id", .string("E-1001")), .init("new_salary", .number("91000"))]
        ),
        remember: ApprovalSettings.Remember = .never, secondsLeft: Double = 60
    ) -> ApprovalRequest {
        let now = Date().timeIntervalSince1970
        return ApprovalRequest(
            id: id, tool: tool, arguments: arguments,
            decision: policy.evaluate(tool: tool, arguments: arguments, annotations: nil), server: "example-hr-server",
            policySHA256: "feed", requestedAt: now, deadline: now + secondsLeft, remember: remember)
    }

    static let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// The `{"approval_id", "binding", "decision", …}` body the page posts.
    static func answer(
        _ request: ApprovalRequest, approve: Bool = true, approver: String? = nil, comment: String? = nil,
        remember: Bool? = nil, binding: String? = nil
    ) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("approval_id", request.id)
        writer.field("binding", binding ?? request.binding)
        writer.field("decision", approve ? "approve" : "deny")
        if let approver { writer.field("approver", approver) }
        if let comment { writer.field("comment", comment) }
        if let remember { writer.field("remember", remember) }
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

/// A `WebApprovalServer` running in a service group on a free loopback port for the duration of a test.
struct LiveServer: Sendable {
    let server: WebApprovalServer
    let port: Int

    var authority: String { "127.0.0.1:\(port)" }
    var base: String { server.gate.pagePath }

    static func run<Value: Sendable>(
        limits: PendingApprovals.Limits = .init(), requestDeadline: Duration = .seconds(10),
        _ body: @Sendable (LiveServer) async throws -> Value
    ) async throws -> Value {
        let server = WebApprovalServer(logger: Fixtures.quietLogger, limits: limits, requestDeadline: requestDeadline)
        let group = ServiceGroup(
            configuration: .init(services: [server], logger: Fixtures.quietLogger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let url = await server.url()
            let port = try #require(server.port)
            #expect(url == "http://127.0.0.1:\(port)/approve/\(server.gate.pathToken.text)/")
            do {
                let value = try await body(LiveServer(server: server, port: port))
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return value
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
        }
    }

    /// One request on a fresh connection; `authority` is the `Host` header (nil: none).
    func send(
        _ path: String, method: HTTPRequest.Method = .get, authority: String? = "default", headers: HTTPFields = [:],
        body: String? = nil
    ) async throws -> TestClient.Response {
        let host = authority == "default" ? self.authority : authority
        return try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            try await client.execute(
                TestClient.Request(
                    path, method: method, authority: host, headers: headers, body: body.map { ByteBuffer(string: $0) }))
        }
    }

    /// Posts an answer the way the page does (same origin, JSON, CSRF header), with one thing changed.
    func decide(_ body: String, headers: HTTPFields? = nil) async throws -> TestClient.Response {
        try await send(
            base + "decide", method: .post,
            headers: headers ?? [
                .contentType: "application/json", .origin: "http://\(authority)",
                HTTPFields.Element.Name(RequestGate.csrfHeader)!: server.gate.csrfToken.text,
            ], body: body)
    }
}

/// One Server-Sent Event.
struct StreamEvent: Sendable, Equatable {
    var name: String
    var data: String
}

/// A raw-socket `text/event-stream` reader: reads block on a thread of their own, with a 10 s limit each.
final class EventStreamReader: @unchecked Sendable {
    // Only one read runs at a time (each test awaits it), so `buffer` is never touched concurrently.
    private let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int, path: String, host: String) throws {
        fd = try Loopback.connect(port: port)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nAccept: text/event-stream\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit { close(fd) }

    /// The status line and headers.
    func head() async throws -> String {
        try await onThread { try String(decoding: self.readUntil(Array("\r\n\r\n".utf8)), as: UTF8.self) }
    }

    /// The next event, skipping comments and `retry:` lines. Chunked framing is undone on the fly.
    func next() async throws -> StreamEvent {
        try await onThread {
            var name = "message"
            var data = ""
            while true {
                let line = String(decoding: try self.readLine(), as: UTF8.self)
                if line.isEmpty {
                    if !data.isEmpty { return StreamEvent(name: name, data: data) }
                    continue
                }
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
            }
        }
    }

    /// Whether the server ends the stream (the socket closes) within the read limit.
    func ends() async -> Bool {
        (try? await onThread { () -> Bool in
            while true {
                var chunk = [UInt8](repeating: 0, count: 4096)
                let count = recv(self.fd, &chunk, chunk.count, 0)
                if count == 0 { return true }
                if count < 0 { return false }
            }
        }) ?? false
    }

    private func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    private var inChunked = false
    private var chunkLeft = 0

    /// A line of the event stream (the body of a chunked response), without its `\n`.
    private func readLine() throws -> [UInt8] {
        var line: [UInt8] = []
        while true {
            let byte = try bodyByte()
            if byte == UInt8(ascii: "\n") { return line }
            line.append(byte)
        }
    }

    private func bodyByte() throws -> UInt8 {
        if chunkLeft == 0 {
            if inChunked { _ = try readUntil(Array("\r\n".utf8)) }
            let size = String(decoding: try readUntil(Array("\r\n".utf8)).dropLast(2), as: UTF8.self)
            chunkLeft = Int(size, radix: 16) ?? 0
            inChunked = true
            guard chunkLeft > 0 else { throw POSIXError(.ENODATA) }
        }
        chunkLeft -= 1
        return try rawByte()
    }

    private func readUntil(_ terminator: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        while !out.ends(with: terminator) { out.append(try rawByte()) }
        return out
    }

    private func rawByte() throws -> UInt8 {
        if buffer.isEmpty {
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &chunk, chunk.count, 0)
            guard count > 0 else { throw POSIXError(count == 0 ? .ECONNRESET : .ETIMEDOUT) }
            buffer = Array(chunk[0..<count])
        }
        return buffer.removeFirst()
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
