import FirewallCore
import FirewallHTTP
import FirewallTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A running `mcp-firewall approver` child: its URL, its page's HTTP API, and stopping it.
final class ApproverProcess: @unchecked Sendable {
    // Set once in `start` before the value is shared; `process` is only signalled and awaited after.
    let process = Process()
    let url: String
    let port: Int
    let pagePath: String

    /// Starts the approver with `environment` added to ours and waits for the URL it prints.
    init(environment: [String: String]) async throws {
        process.executableURL = URL(fileURLWithPath: E2E.binary)
        process.arguments = ["approver", "--log-level", "error"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let reader = output.fileHandleForReading
        let line = try await Self.onThread { () -> String in
            var text = ""
            while !text.contains("\n") {
                let data = reader.availableData
                if data.isEmpty { break }
                text += String(decoding: data, as: UTF8.self)
            }
            return text
        }
        let prefix = "mcp-firewall approver: approve calls at "
        let found = try #require(line.split(separator: "\n").first { $0.hasPrefix(prefix) })
        url = String(found.dropFirst(prefix.count))
        let components = try #require(URLComponents(string: url))
        port = try #require(components.port)
        pagePath = components.path
    }

    /// SIGTERM, then the exit status.
    func stop() async throws -> Int32 {
        process.terminate()
        let process = self.process
        return try await Self.onThread {
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    /// The CSRF token the page carries.
    func csrfToken() async throws -> String {
        let page = try await HTTP.exchange(port: port, "GET \(pagePath) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n")
        let marker = "name=\"\(ApprovalPage.csrfMetaName)\" content=\""
        let start = try #require(page.body.range(of: marker)).upperBound
        return String(page.body[start...].prefix { $0 != "\"" })
    }

    /// Reads the page's event stream until `count` calls are listed, and returns their cards.
    func waitForCards(_ count: Int) async throws -> [JSONValue] {
        let port = self.port
        let request = "GET \(pagePath)events HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n\r\n"
        return try await Self.onThread {
            let fd = try HTTP.connect(port: port)
            defer { close(fd) }
            _ = Array(request.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            var text = ""
            var cards: [JSONValue] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            // Keep-alive comments would keep this loop going forever: give up after 30 s instead.
            let deadline = Date().addingTimeInterval(30)
            while cards.count < count {
                guard Date() < deadline else { throw POSIXError(.ETIMEDOUT) }
                let read = recv(fd, &chunk, chunk.count, 0)
                guard read > 0 else { throw POSIXError(.ECONNRESET) }
                text += String(decoding: chunk[0..<read], as: UTF8.self)
                cards = []
                for line in text.split(separator: "\n") where line.hasPrefix("data: ") {
                    guard let value = try? JSONParser.parse(Array(line.dropFirst(6).utf8)) else { continue }
                    if case .array(let pending)? = value["pending"] { cards += pending }
                    if value["request"] != nil { cards.append(value) }
                }
            }
            return cards
        }
    }

    /// Answers `card` on the page the way the browser does; the HTTP status and body.
    func answer(_ card: JSONValue, approve: Bool, approver: String, csrf: String) async throws -> (Int, String) {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("approval_id", card["request"]?["approval_id"]?.stringValue ?? "")
        writer.field("binding", card["request"]?["binding"]?.stringValue ?? "")
        writer.field("decision", approve ? "approve" : "deny")
        writer.field("approver", approver)
        writer.endObject()
        let body = String(decoding: writer.bytes, as: UTF8.self)
        let response = try await HTTP.exchange(
            port: port,
            "POST \(pagePath)decide HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nOrigin: http://127.0.0.1:\(port)\r\n"
                + "Content-Type: application/json\r\n\(RequestGate.csrfHeader): \(csrf)\r\n"
                + "Content-Length: \(body.utf8.count)\r\n",
            body: body)
        return (response.status, response.body)
    }

    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }
}

/// One HTTP/1.1 exchange over a fresh loopback connection (`Connection: close`), on a thread.
enum HTTP {
    static func connect(port: Int) throws -> Int32 { try Loopback.connect(port: port, receiveTimeout: 20) }

    /// Sends `head` (request line and headers, each ending in CRLF) and `body`; reads to end of file.
    static func exchange(port: Int, _ head: String, body: String = "") async throws -> (status: Int, body: String) {
        try await ApproverProcess.onThread {
            let fd = try connect(port: port)
            defer { close(fd) }
            let request = Array((head + "Connection: close\r\n\r\n" + body).utf8)
            _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            var response: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let read = recv(fd, &chunk, chunk.count, 0)
                if read <= 0 { break }
                response += chunk[0..<read]
            }
            let text = String(decoding: response, as: UTF8.self)
            let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
            let bodyStart = text.range(of: "\r\n\r\n")?.upperBound ?? text.endIndex
            return (status, String(text[bodyStart...]))
        }
    }
}
