import FirewallCore
import FirewallTestSupport
import Foundation
import Logging
import Synchronization
import Testing

@testable import FirewallRelay

/// A sink's runner against a real audit file: each record once, in order, across restarts, torn lines
/// and rotations. No sleeps: a run ends when the writer says it has finished and everything is shipped.
@Suite(.timeLimit(.minutes(1)))
struct AuditSinkRunnerTests {
    static let fast = AuditSinkBackoff(base: .milliseconds(1), cap: .milliseconds(5))

    static func line(_ seq: Int, session: String = "s-1") -> String {
        #"{"v":1,"seq":\#(seq),"ts":"2026-11-25T21:27:40.516703Z","session":"\#(session)","event":"message"}"# + "\n"
    }

    static func settings(_ onFailure: AuditSinkSettings.OnFailure = .continue, records: Int = 3) -> AuditSinkSettings {
        AuditSinkSettings(
            name: "test", target: .http(.init(url: "https://collector.invalid/")), onFailure: onFailure,
            batchRecords: records)
    }

    /// Runs `sink` over the log at `path` while `write` appends to it through a writer, then finishes.
    static func ship(
        _ sink: RecordingAuditSink, path: String, settings: AuditSinkSettings = settings(),
        health: AuditSinkHealth? = nil, write: (AuditWriter) async -> Void
    ) async throws {
        let writer = try AuditWriter(path: path)
        let durable = AuditDurableOffset(file: writer.fileIdentity, offset: try AuditLogFile(path: path).size())
        writer.observeDurable { file, offset in durable.advance(file: file, to: offset) }
        let runner = AuditSinkRunner(
            sink: sink, settings: settings, logPath: path, durable: durable, health: health, backoff: fast,
            logger: Logger(label: "test"))
        try await runner.prepare(writer: writer.fileIdentity)
        async let shipped: Void = runner.run()
        await write(writer)
        _ = await writer.durable(writer.issuedTicket)
        durable.finish()
        await shipped
        await writer.close()
    }

    static func append(_ lines: [String], to writer: AuditWriter) async {
        _ = await writer.durable(writer.enqueue(lines.map { Array($0.utf8) }))
    }

    @Test func everyRecordOnceInOrderAndARestartResendsNothing() async throws {
        let path = try TemporaryFolder.make() + "/audit.jsonl"
        let first = RecordingAuditSink()
        try await Self.ship(first, path: path) { writer in
            await Self.append((1...4).map { Self.line($0) }, to: writer)
            await Self.append([Self.line(5)], to: writer)
            await Self.append((6...7).map { Self.line($0) }, to: writer)
        }
        #expect(first.deliveredLines == (1...7).map { Self.line($0) })
        #expect(first.tried.allSatisfy { $0.batch.lineEnds.count <= 3 })
        let cursor = try #require(try AuditSinkCursorFile(logPath: path, sinkName: "test").load())
        #expect(cursor.last?.key == AuditRecordKey(session: "s-1", seq: 7))
        #expect(cursor.pendingEnd == nil)

        let second = RecordingAuditSink()
        try await Self.ship(second, path: path) { writer in
            await Self.append([Self.line(1, session: "s-2")], to: writer)
        }
        #expect(second.deliveredLines == [Self.line(1, session: "s-2")])
    }

    @Test func aSinkWithoutCursorShowsOnlyThisRun() async throws {
        let path = try TemporaryFolder.make() + "/audit.jsonl"
        try await Self.ship(RecordingAuditSink(), path: path) { await Self.append([Self.line(1)], to: $0) }
        let live = RecordingAuditSink()
        try await Self.ship(live, path: path, settings: AuditSinkSettings(target: .stderr(.text))) { writer in
            await Self.append([Self.line(1, session: "s-2")], to: writer)
        }
        #expect(live.deliveredLines == [Self.line(1, session: "s-2")])
    }

    @Test func aTornLastLineIsNotShippedUntilItsNewlineArrives() async throws {
        let path = try TemporaryFolder.make() + "/audit.jsonl"
        _ = FileManager.default.createFile(atPath: path, contents: Data(Self.line(1).utf8))
        let file = try AuditLogFile(path: path)
        let durable = AuditDurableOffset(file: file.identity, offset: file.size())
        let sink = RecordingAuditSink()
        let runner = AuditSinkRunner(
            sink: sink, settings: Self.settings(), logPath: path, durable: durable, health: nil, backoff: Self.fast,
            logger: Logger(label: "test"))
        try await runner.prepare(writer: file.identity)
        async let shipped: Void = runner.run()
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        let second = Array(Self.line(2).utf8)
        handle.write(Data(second.prefix(20)))
        durable.advance(file: file.identity, to: file.size())
        handle.write(Data(second.dropFirst(20)))
        try handle.close()
        durable.advance(file: file.identity, to: file.size())
        durable.finish()
        await shipped
        #expect(sink.deliveredLines == [Self.line(1), Self.line(2)])
        #expect(sink.tried.allSatisfy { $0.batch.bytes.last == 0x0A })
    }

    @Test func aTornLineLeftAtTheEndIsNeverShipped() async throws {
        let path = try TemporaryFolder.make() + "/audit.jsonl"
        _ = FileManager.default.createFile(atPath: path, contents: Data((Self.line(1) + #"{"v":1,"seq":2"#).utf8))
        let file = try AuditLogFile(path: path)
        let durable = AuditDurableOffset(file: file.identity, offset: file.size())
        let sink = RecordingAuditSink()
        let runner = AuditSinkRunner(
            sink: sink, settings: Self.settings(), logPath: path, durable: durable, health: nil, backoff: Self.fast,
            logger: Logger(label: "test"))
        try await runner.prepare(writer: file.identity)
        durable.finish()
        await runner.run()
        #expect(sink.deliveredLines == [Self.line(1)])
    }

    @Test func aRotatedLogIsFinishedThenTheNewOneStartsAtZero() async throws {
        let folder = try TemporaryFolder.make()
        let path = folder + "/audit.jsonl"
        try await Self.ship(RecordingAuditSink(), path: path) { await Self.append([Self.line(1)], to: $0) }
        // The rotator renames the log; a record still lands in the old file, a new file takes the path.
        try FileManager.default.moveItem(atPath: path, toPath: folder + "/audit.jsonl.1")
        let old = try #require(FileHandle(forWritingAtPath: folder + "/audit.jsonl.1"))
        old.seekToEndOfFile()
        old.write(Data(Self.line(2).utf8))
        try old.close()
        let sink = RecordingAuditSink()
        try await Self.ship(sink, path: path) { await Self.append([Self.line(1, session: "s-2")], to: $0) }
        #expect(sink.deliveredLines == [Self.line(2), Self.line(1, session: "s-2")])
    }

    @Test func aLogRewrittenInPlaceIsShippedAgainFromItsStart() async throws {
        let path = try TemporaryFolder.make() + "/audit.jsonl"
        try await Self.ship(RecordingAuditSink(), path: path) { await Self.append([Self.line(1)], to: $0) }
        // Truncated and refilled in place (copytruncate): the cursor's last line is no longer there.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 0)
        handle.write(Data(Self.line(9, session: "s-9").utf8))
        try handle.close()
        let sink = RecordingAuditSink()
        try await Self.ship(sink, path: path) { _ in }
        #expect(sink.deliveredLines == [Self.line(9, session: "s-9")])
    }

    @Test func aBatchCutOffByTheDrainIsSentAgainWithTheSameKey() async throws {
        let path = try TemporaryFolder.make() + "/audit.jsonl"
        _ = FileManager.default.createFile(atPath: path, contents: Data(((1...5).map { Self.line($0) }.joined()).utf8))
        let file = try AuditLogFile(path: path)
        let thirdTry = OneShot<Void>()
        let refusing = RecordingAuditSink { attempt, _ in
            if attempt == 3 { thirdTry.fulfil(()) }
            return .retry(reason: "down", after: nil)
        }
        let runner = AuditSinkRunner(
            sink: refusing, settings: Self.settings(), logPath: path,
            durable: AuditDurableOffset(file: file.identity, offset: file.size()),
            health: nil, backoff: Self.fast, logger: Logger(label: "test"))
        try await runner.prepare(writer: file.identity)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await runner.run() }
            // Cancelled once it has failed a few times, as the drain deadline would.
            await thirdTry.valueIgnoringCancellation()
            group.cancelAll()
        }
        let key = try #require(refusing.tried.first?.batch.idempotencyKey)
        #expect(refusing.tried.allSatisfy { $0.batch.idempotencyKey == key })
        let cursor = try #require(try AuditSinkCursorFile(logPath: path, sinkName: "test").load())
        #expect(cursor.offset == 0 && cursor.pendingEnd != nil)

        // Meanwhile more was written: the restart still sends the pending batch as it was first sent.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(Self.line(6).utf8))
        try handle.close()
        let sink = RecordingAuditSink()
        try await Self.ship(sink, path: path, settings: Self.settings(records: 100)) { _ in }
        #expect(sink.tried.first?.batch.idempotencyKey == key)
        #expect(sink.deliveredLines == (1...6).map { Self.line($0) })
    }

    @Test func aFailingDenySinkIsReportedUntilItDelivers() async throws {
        let path = try TemporaryFolder.make() + "/audit.jsonl"
        let messages = Mutex<[String?]>([])
        let health = AuditSinkHealth { message in messages.withLock { $0.append(message) } }
        let sink = RecordingAuditSink { attempt, _ in
            attempt == 1 ? .rejected(reason: "the collector answered 400: bad") : .delivered
        }
        try await Self.ship(sink, path: path, settings: Self.settings(.deny), health: health) { writer in
            await Self.append([Self.line(1)], to: writer)
        }
        #expect(
            messages.withLock { $0 } == [
                "audit sink `test` cannot deliver (the collector answered 400: bad); the policy says on_sink_failure: deny",
                nil,
            ])
        #expect(sink.deliveredLines == [Self.line(1)])
    }

    @Test func anotherProcessShippingTheLogIsLeftToIt() async throws {
        let path = try TemporaryFolder.make() + "/audit.jsonl"
        _ = FileManager.default.createFile(atPath: path, contents: Data(Self.line(1).utf8))
        let held = try #require(try AuditSinkCursorFile(logPath: path, sinkName: "test").lock())
        defer { close(held) }
        let file = try AuditLogFile(path: path)
        let durable = AuditDurableOffset(file: file.identity, offset: file.size())
        let sink = RecordingAuditSink()
        let runner = AuditSinkRunner(
            sink: sink, settings: Self.settings(), logPath: path, durable: durable, health: nil, backoff: Self.fast,
            logger: Logger(label: "test"))
        try await runner.prepare(writer: file.identity)
        durable.finish()
        await runner.run()
        #expect(sink.tried.isEmpty)
    }

    @Test func aWriterThatMovesToANewFileIsFollowedAfterTheOldOneIsFinished() async throws {
        let folder = try TemporaryFolder.make()
        let path = folder + "/audit.jsonl"
        _ = FileManager.default.createFile(atPath: path, contents: Data(Self.line(1).utf8))
        let first = try AuditLogFile(path: path)
        let durable = AuditDurableOffset(file: first.identity, offset: 0)
        let sink = RecordingAuditSink()
        let runner = AuditSinkRunner(
            sink: sink, settings: Self.settings(), logPath: path, durable: durable, health: nil, backoff: Self.fast,
            logger: Logger(label: "test"))
        try await runner.prepare(writer: first.identity)
        async let shipped: Void = runner.run()
        durable.advance(file: first.identity, to: first.size())
        // The writer's own rotation: the rest of the old file, a rename, a new file at the path.
        let old = try #require(FileHandle(forWritingAtPath: path))
        old.seekToEndOfFile()
        old.write(Data(Self.line(2).utf8))
        try old.close()
        durable.advance(file: first.identity, to: first.size())
        try FileManager.default.moveItem(atPath: path, toPath: folder + "/audit.jsonl.1")
        _ = FileManager.default.createFile(atPath: path, contents: Data(Self.line(3).utf8))
        let second = try AuditLogFile(path: path)
        durable.advance(file: second.identity, to: second.size())
        durable.finish()
        await shipped
        #expect(sink.deliveredLines == (1...3).map { Self.line($0) })
        let cursor = try #require(try AuditSinkCursorFile(logPath: path, sinkName: "test").load())
        #expect(cursor.file == second.identity)
    }
}
