import FirewallCore
import FirewallRelay
import FirewallTestSupport
import Foundation
import Logging
import Synchronization
import Testing

@testable import FirewallAuditSinks

/// The HTTP sink against a local collector that fails in every way a collector fails, then recovers.
@Suite(.timeLimit(.minutes(2)))
struct HTTPAuditSinkTests {
    static let secret = "sink-secret-\(UUID().uuidString)"
    static let environment = [AuditSinkSettings.HTTP.defaultSecretVariable: secret, "TEST_TOKEN": "t0ken"]
    static let fast = AuditSinkBackoff(base: .milliseconds(10), cap: .milliseconds(50))

    static func line(_ seq: Int, session: String = "s-1") -> String {
        #"{"v":1,"seq":\#(seq),"ts":"2026-11-25T21:27:40.516703Z","session":"\#(session)","event":"message"}"# + "\n"
    }

    static func sink(port: Int, format: AuditSinkSettings.BodyFormat = .ndjson) throws -> HTTPAuditSink {
        try HTTPAuditSink(
            name: "collector",
            http: .init(
                url: "http://127.0.0.1:\(port)/ingest", format: format,
                headers: [
                    .init(name: "X-Tenant", value: .literal("acme")),
                    .init(name: "Authorization", value: .environment("TEST_TOKEN")),
                ],
                timeout: .seconds(2)),
            environment: environment, logger: Logger(label: "test"))
    }

    /// Ships what `write` appends to the log at `path` through `sink`, until everything is delivered.
    static func ship(
        _ sink: any AuditSink, path: String, onFailure: AuditSinkSettings.OnFailure = .continue,
        health: AuditSinkHealth? = nil, write: (AuditWriter) async -> Void
    ) async throws {
        let writer = try AuditWriter(path: path)
        let settings = AuditSinkSettings(
            name: "collector", target: .http(.init(url: "http://127.0.0.1/")), onFailure: onFailure, batchRecords: 2)
        let service = try await AuditSinksService.open(
            [ConfiguredAuditSink(sink: sink, settings: settings)], writer: writer, logPath: path, drain: .seconds(60),
            health: health, backoff: fast, logger: Logger(label: "test"))
        let runner = try #require(service.runners.first)
        async let shipped: Void = runner.run()
        await write(writer)
        await service.writerFinished()
        await shipped
        await writer.close()
    }

    static func append(_ lines: [String], to writer: AuditWriter) async {
        _ = await writer.durable(writer.enqueue(lines.map { Array($0.utf8) }))
    }

    /// What the collector keeps: one body per idempotency key, in the order first seen.
    static func deduplicated(_ requests: [TestHTTPServer.Request]) -> [String] {
        var seen: Set<String> = []
        var lines: [String] = []
        for request in requests where request.headers["idempotency-key"].map({ seen.insert($0).inserted }) == true {
            lines += String(decoding: request.body, as: UTF8.self).split(separator: "\n").map { $0 + "\n" }
        }
        return lines
    }

    @Test func everyRecordArrivesOnceThrough500HangRefusalAndRecovery() async throws {
        let served = Mutex(0)
        let server = try TestHTTPServer { _ in
            let number = served.withLock { count -> Int in
                count += 1
                return count
            }
            switch number {
            case 1: return .status(500, body: Array("overloaded".utf8))
            case 2: return .hangAndStopListening
            default: return .status(200)
            }
        }
        let http = try Self.sink(port: server.port)
        // After the attempt that met nobody listening, the collector comes back.
        let sink = RecordingAuditSink(name: "collector") { attempt, batch in
            let outcome = await http.deliver(batch)
            if attempt == 3 { server.listenAgain() }
            return outcome
        }
        let path = try TemporaryFolder.make() + "/audit.jsonl"
        let written = (1...5).map { Self.line($0) }
        try await Self.ship(sink, path: path) { writer in
            await Self.append(Array(written.prefix(3)), to: writer)
            await Self.append(Array(written.suffix(2)), to: writer)
        }
        await http.finish()
        let reasons = sink.tried.prefix(3).map { attempt -> String in
            if case .retry(let reason, _) = attempt.outcome { return reason }
            return "\(attempt.outcome)"
        }
        #expect(reasons.count == 3)
        #expect(reasons.first == "the collector answered 500: overloaded")
        #expect(reasons.dropFirst().first == "request failed: no answer in time")
        // Nobody listens any more: refused, or reset when the client had already connected to the closing listener.
        let third = reasons.last ?? ""
        #expect(third.hasPrefix("request failed:") && third != reasons.dropFirst().first, "\(reasons)")
        #expect(sink.tried.prefix(4).allSatisfy { $0.batch.idempotencyKey == sink.tried[0].batch.idempotencyKey })

        let requests = server.recorded
        #expect(Self.deduplicated(requests) == written, "each record once, in order")
        for request in requests {
            #expect(request.method == "POST" && request.path == "/ingest")
            #expect(request.headers["content-type"] == "application/x-ndjson")
            #expect(request.headers["x-tenant"] == "acme")
            #expect(request.headers["authorization"] == "t0ken")
            let timestamp = try #require(request.headers["x-mcp-firewall-timestamp"])
            let signature = try #require(request.headers["x-mcp-firewall-signature"])
            #expect(
                WebhookSignature.verify(
                    signature, body: request.body, timestamp: timestamp, secret: Array(Self.secret.utf8)))
            #expect(WebhookSignature.isFresh(timestamp, now: Date().timeIntervalSince1970))
        }
        let bodies = Dictionary(grouping: requests, by: { $0.headers["idempotency-key"] ?? "" })
        #expect(bodies.values.allSatisfy { Set($0.map(\.body)).count == 1 }, "a retry sends the same bytes")

        // A restart finds nothing new to send.
        let before = server.recorded.count
        let again = try Self.sink(port: server.port)
        try await Self.ship(again, path: path) { _ in }
        await again.finish()
        #expect(server.recorded.count == before)
        await server.stop()
    }

    @Test func a400IsReportedAndTheBatchKeptUntilTheCollectorTakesIt() async throws {
        let served = Mutex(0)
        let server = try TestHTTPServer { _ in
            let number = served.withLock { count -> Int in
                count += 1
                return count
            }
            return number == 1 ? .status(400, body: Array("bad schema".utf8)) : .status(202)
        }
        let http = try Self.sink(port: server.port)
        let messages = Mutex<[String?]>([])
        let health = AuditSinkHealth { message in messages.withLock { $0.append(message) } }
        let path = try TemporaryFolder.make() + "/audit.jsonl"
        try await Self.ship(http, path: path, onFailure: .deny, health: health) { writer in
            await Self.append([Self.line(1)], to: writer)
        }
        await http.finish()
        #expect(
            messages.withLock { $0 } == [
                "audit sink `collector` cannot deliver (the collector answered 400: bad schema); the policy says on_sink_failure: deny",
                nil,
            ])
        #expect(Self.deduplicated(server.recorded) == [Self.line(1)])
        await server.stop()
    }

    @Test func theLokrynFormatSendsLogRequests() async throws {
        let server = try TestHTTPServer { _ in .status(200) }
        let http = try Self.sink(port: server.port, format: .lokryn)
        let path = try TemporaryFolder.make() + "/audit.jsonl"
        let start =
            #"{"v":1,"seq":1,"ts":"2026-11-25T21:27:40.516703Z","session":"s-1","event":"session_start","environment":"prod"}"#
            + "\n"
        try await Self.ship(http, path: path) { writer in
            await Self.append([start, Self.line(2)], to: writer)
        }
        await http.finish()
        let lines = Self.deduplicated(server.recorded)
        #expect(lines.count == 2)
        let login = try JSONParser.parse(Array(lines[0].dropLast().utf8), rules: .document)
        #expect(login["event_type"]?.stringValue == "EVENT_LOGIN")
        #expect(login["session_id"]?.stringValue == "s-1")
        let message = try JSONParser.parse(Array(lines[1].dropLast().utf8), rules: .document)
        #expect(message["environment"]?.stringValue == "prod")
        await server.stop()
    }

    @Test func noSecretNoSink() {
        #expect(throws: AuditSinkError.self) {
            try HTTPAuditSink(
                name: "c", http: .init(url: "https://collector.example.com/"), environment: [:],
                logger: Logger(label: "test"))
        }
        #expect(throws: AuditSinkError.self) {
            try HTTPAuditSink(
                name: "c", http: .init(url: "http://collector.example.com/"), environment: Self.environment,
                logger: Logger(label: "test"))
        }
    }
}
