import FirewallCore
import Foundation
import Testing

@testable import FirewallRelay

#if canImport(Glibc)
import Glibc
#endif

/// The shared audit writer on real files: whole records from many sessions, tickets that tell the
/// truth, a latched failure, and waits that never hold the cooperative pool.
@Suite(.timeLimit(.minutes(1)))
struct AuditWriterTests {
    typealias Support = WriterTestSupport

    /// A record of roughly `size` bytes from `encoder`.
    static func record(_ encoder: inout AuditRecordEncoder, size: Int) -> [UInt8] {
        let end = AuditEvent.SessionEnd(
            reason: String(repeating: "r", count: size), serverExit: nil, counts: [], durationMilliseconds: 0)
        return encoder.encode(.sessionEnd(end), time: 1_700_000_000)
    }

    @Test func twoSessionsInterleaveWholeRecordsWithGapFreeSequences() async throws {
        let path = try Support.temporaryFolder() + "/audit.jsonl"
        let audit = try AuditWriter(path: path)
        let batches = 200
        await withTaskGroup(of: Void.self) { group in
            for session in ["alpha", "beta"] {
                group.addTask {
                    var encoder = AuditRecordEncoder(sessionID: session)
                    for batch in 0..<batches {
                        // One to three records a batch, now and then one large enough to need its own writes.
                        let records = (0...(batch % 3)).map { index in
                            Self.record(&encoder, size: (batch + index) % 17 == 0 ? 200_000 : 40)
                        }
                        _ = audit.enqueue(records)
                        if batch % 10 == 0 { await Task.yield() }
                    }
                }
            }
        }
        await audit.close()
        let data = try #require(FileManager.default.contents(atPath: path))
        #expect(data.last == 0x0A)
        var sequences: [String: [Int]] = [:]
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
            let record = try JSONParser.parse(Array(line))
            let session = try #require(record["session"]?.stringValue)
            sequences[session, default: []].append(Int(try #require(record["seq"]?.doubleValue)))
        }
        let expected = Array(1...(0..<batches).reduce(0) { $0 + $1 % 3 + 1 })
        #expect(sequences["alpha"] == expected)
        #expect(sequences["beta"] == expected)
        #expect(audit.failure == nil)
    }

    @Test func recordsOfEverySizeArriveWholeAndInOrder() async throws {
        let path = try Support.temporaryFolder() + "/audit.jsonl"
        let audit = try AuditWriter(path: path)
        let records = Support.sizes.enumerated().map { Support.frame(size: $0.element, seed: $0.offset) }
        let first = audit.enqueue(Array(records[..<4]))
        let second = audit.enqueue(Array(records[4...]))
        #expect(first < second)
        #expect(await audit.durable(second))
        await audit.close()
        #expect(FileManager.default.contents(atPath: path).map(Array.init) == records.flatMap { $0 })
    }

    /// More records than one `writev` takes: the batch goes out in several, still whole and in order.
    @Test func batchLargerThanOneWritevIsSplitInOrder() async throws {
        let path = try Support.temporaryFolder() + "/audit.jsonl"
        let audit = try AuditWriter(path: path)
        let records = (0..<5000).map { Support.frame(size: $0 % 5, seed: $0) + [0x0A] }
        #expect(await audit.durable(audit.enqueue(records)))
        await audit.close()
        #expect(FileManager.default.contents(atPath: path).map(Array.init) == records.flatMap { $0 })
    }

    @Test func durableTicketAdvancesAsBatchesAreWritten() async throws {
        let path = try Support.temporaryFolder() + "/audit.jsonl"
        let audit = try AuditWriter(path: path, sync: .always)
        #expect(audit.durableTicket == .none)
        #expect(audit.enqueue([]) == .none)
        let first = audit.enqueue([Array("one\n".utf8)])
        let second = audit.enqueue([Array("two\n".utf8), Array("three\n".utf8)])
        #expect(first == AuditTicket(1))
        #expect(second == AuditTicket(2))
        let waited = Support.offPool {
            (audit.wait(for: .none), audit.wait(for: second), audit.durableTicket)
        }
        let (none, durable, ticket) = await waited.valueIgnoringCancellation()
        #expect(none && durable)
        #expect(ticket >= second)
        #expect(await audit.durable(first))
        let third = audit.enqueue([Array("four\n".utf8)])
        await audit.sync()
        #expect(audit.durableTicket >= third)
        #expect(FileManager.default.contents(atPath: path) == Data("one\ntwo\nthree\nfour\n".utf8))
        await audit.close()
        let late = audit.enqueue([Array("five\n".utf8)])
        #expect(await audit.durable(late) == false)
        #expect(audit.failure?.contains("closed") == true)
    }

    @Test func fullDeviceLatchesAFailureNamingTheCause() async throws {
        let audit = try AuditWriter(path: "/dev/full")
        let first = audit.enqueue([Array("{\"seq\":1}\n".utf8)])
        #expect(await audit.durable(first) == false)
        let failure = try #require(audit.failure)
        #expect(failure.contains("/dev/full"))
        #expect(failure.contains(Posix.errorText(ENOSPC)))
        let later = audit.enqueue([Array("{\"seq\":2}\n".utf8)])
        #expect(later > first)
        #expect(await audit.durable(later) == false)
        #expect(await Support.offPool { audit.wait(for: later) }.valueIgnoringCancellation() == false)
        #expect(audit.durableTicket == .none)
        #expect(audit.failure == failure)
        await audit.close()
    }

    /// More tasks await a blocked batch than the pool has threads; if `durable` held a thread, the
    /// probe task could not run and the test would hit its time limit.
    @Test func durableAwaitsWithoutHoldingAPoolThread() async throws {
        let fifo = try Support.fifo()
        defer { close(fifo.readEnd) }
        let audit = try AuditWriter(path: fifo.path)
        let large = Array(repeating: UInt8(ascii: "a"), count: 1 << 18) + [0x0A]
        _ = audit.enqueue([large])
        let ticket = audit.enqueue([Array("b\n".utf8)])
        let waiters = 4 * ProcessInfo.processInfo.activeProcessorCount
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<waiters { group.addTask { await audit.durable(ticket) } }
            let probe = await Task { audit.durableTicket }.value
            #expect(probe < ticket)
            let logged = Support.offPool { Support.readToEnd(fifo.readEnd) }
            var results: [Bool] = []
            for await result in group { results.append(result) }
            await audit.close()
            #expect(await logged.valueIgnoringCancellation() == large + Array("b\n".utf8))
            return results
        }
        #expect(results == Array(repeating: true, count: waiters))
    }

    @Test func missingFinalNewlineIsRepairedBeforeTheFirstRecord() async throws {
        let path = try Support.temporaryFolder() + "/audit.jsonl"
        try Data("{\"torn\":".utf8).write(to: URL(fileURLWithPath: path))
        let audit = try AuditWriter(path: path)
        #expect(await audit.durable(audit.enqueue([Array("{\"seq\":1}\n".utf8)])))
        await audit.close()
        #expect(FileManager.default.contents(atPath: path) == Data("{\"torn\":\n{\"seq\":1}\n".utf8))
    }
}
