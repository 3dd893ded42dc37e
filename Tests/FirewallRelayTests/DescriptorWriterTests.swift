import FirewallCore
import Foundation
import Testing

@testable import FirewallRelay

#if canImport(Glibc)
import Glibc
#endif

/// The descriptor writer on real pipes: it never blocks its callers, keeps order and whole frames,
/// stops on demand, latches failures, and lets no decided frame out before its audit record.
@Suite(.timeLimit(.minutes(1)))
struct DescriptorWriterTests {
    typealias Support = WriterTestSupport

    @Test(arguments: [false, true])
    func enqueueReturnsAtOnceWhileNobodyReadsAndPressureFollowsTheQueue(nonBlocking: Bool) async throws {
        let pipe = try Posix.pipe()
        defer { close(pipe.read) }
        let (pressure, pressureSink) = AsyncStream<Bool>.makeStream()
        let writer = try DescriptorWriter(
            fd: pipe.write, name: "test pipe", nonBlocking: nonBlocking, closeWhenFinished: true,
            onPressureChange: { pressureSink.yield($0) })
        let frames = (0..<64).map { Support.frame(size: 1 << 16, seed: $0) }
        let clock = ContinuousClock()
        let start = clock.now
        var queued = 0
        for frame in frames { queued = writer.enqueue(frame) }
        // 4 MiB queued on a pipe that holds 64 KiB: enqueueing is appending, whatever the peer does.
        #expect(clock.now - start < .seconds(1))
        #expect(queued > 4 << 20 - 2 * (1 << 16))
        var levels = pressure.makeAsyncIterator()
        #expect(await levels.next() == true)
        #expect(writer.isUnderPressure)

        let received = Support.offPool { Support.readToEnd(pipe.read) }
        #expect(await levels.next() == false)
        writer.finish()
        #expect(await received.valueIgnoringCancellation() == Support.lines(frames))
        #expect(await writer.ended() == .finished)
        #expect(writer.queuedBytes == 0)
    }

    @Test(arguments: WriterTestSupport.sizes)
    func framesOfEachSizeArriveByteExactAndInOrder(size: Int) async throws {
        let frames = [
            Support.frame(size: size, seed: 1), Support.frame(size: 3, seed: 2), Support.frame(size: size, seed: 3),
        ]
        let received = try await writeThroughPipe { writer in
            for frame in frames { writer.enqueue(frame) }
        }
        #expect(received == Support.lines(frames))
    }

    @Test func framesOfEverySizeInOneBatchArriveByteExactAndInOrder() async throws {
        let frames = Support.sizes.enumerated().map { Support.frame(size: $0.element, seed: $0.offset) }
        let received = try await writeThroughPipe { writer in
            writer.enqueue(frames.map { DescriptorWriter.Entry($0) })
        }
        #expect(received == Support.lines(frames))
    }

    /// More frames than one `writev` takes (two vectors a frame): the batch goes out in several.
    @Test func batchLargerThanOneWritevIsSplitInOrder() async throws {
        let frames = (0..<3000).map { Support.frame(size: $0 % 7, seed: $0) }
        let received = try await writeThroughPipe { writer in
            writer.enqueue(frames.map { DescriptorWriter.Entry($0) })
        }
        #expect(received == Support.lines(frames))
    }

    @Test func stopInterruptsAWriterBlockedOnAPeerThatNeverReads() async throws {
        let pipe = try Posix.pipe()
        defer {
            close(pipe.read)
            close(pipe.write)
        }
        let (pressure, pressureSink) = AsyncStream<Bool>.makeStream()
        // Pressure ends after the first write into the empty pipe: proof the thread got that far and, the
        // pipe now full and unread, is waiting for room.
        let writer = try DescriptorWriter(
            fd: pipe.write, name: "server stdin", nonBlocking: true, highWater: 1 << 20, lowWater: (1 << 20) - 1,
            onPressureChange: { pressureSink.yield($0) })
        writer.enqueue(Support.frame(size: 1 << 20, seed: 9))
        var levels = pressure.makeAsyncIterator()
        #expect(await levels.next() == true)
        #expect(await levels.next() == false)
        let clock = ContinuousClock()
        let start = clock.now
        writer.stop()
        #expect(await writer.ended() == .stopped)
        // Woken, not timed out: a thread waking on a poll timeout would take its full period. The bound
        // is loose because a loaded 2-core machine once took 9.8 s to schedule the wake-up.
        #expect(clock.now - start < .seconds(20))
        #expect(writer.queuedBytes == 0)
        #expect(writer.enqueue(Array("late".utf8)) == 0)
    }

    @Test func closedReadEndLatchesAFailureAndDropsLaterFrames() async throws {
        let pipe = try Posix.pipe()
        close(pipe.read)
        let writer = try DescriptorWriter(fd: pipe.write, name: "server stdin", closeWhenFinished: true)
        writer.enqueue(Array("first".utf8))
        let end = try #require(await writer.ended())
        guard case .failed(let reason) = end else {
            Issue.record("expected a failure, got \(end)")
            return
        }
        #expect(reason.contains("server stdin"))
        #expect(reason.contains("Broken pipe"))
        #expect(writer.failure == reason)
        #expect(writer.enqueue(Array("second".utf8)) == 0)
        #expect(writer.queuedBytes == 0)
    }

    /// The audit log is a FIFO nobody reads yet, so the batch the frame follows cannot be written: the
    /// frame must wait for it, and go the moment it is written.
    @Test func frameBehindAnAuditTicketWaitsUntilItIsDurable() async throws {
        let fifo = try Support.fifo()
        defer { close(fifo.readEnd) }
        let audit = try AuditWriter(path: fifo.path)
        let large = Array(repeating: UInt8(ascii: "a"), count: 1 << 18) + [0x0A]
        let small = Array("{\"seq\":2}\n".utf8)
        _ = audit.enqueue([large])
        let ticket = audit.enqueue([small])
        let pipe = try Posix.pipe()
        defer { close(pipe.read) }
        let writer = try DescriptorWriter(fd: pipe.write, name: "server stdin", audit: audit, closeWhenFinished: true)
        writer.enqueue(Array("decided".utf8), after: ticket, decided: .number("1"))

        #expect(await Support.offPool { Support.readable(pipe.read, within: 200) }.valueIgnoringCancellation() == false)
        #expect(audit.durableTicket < ticket)
        let durableAtArrival = LockedValue(AuditTicket.none)
        let received = Support.offPool {
            Support.readToEnd(pipe.read) { durableAtArrival.withLock { $0 = audit.durableTicket } }
        }
        let logged = Support.offPool { Support.readToEnd(fifo.readEnd) }
        writer.finish()
        #expect(await received.valueIgnoringCancellation() == Array("decided\n".utf8))
        #expect(durableAtArrival.value >= ticket)
        await audit.close()
        #expect(await logged.valueIgnoringCancellation() == large + small)
    }

    /// Write-ahead: a decided frame whose record failed is withheld and reported; frames that carry no
    /// decision still go, in order, once their batch is decided.
    @Test func decidedFrameBehindAFailedTicketIsWithheldAndReported() async throws {
        let audit = try AuditWriter(path: "/dev/full")
        let ticket = audit.enqueue([Array("{\"seq\":1}\n".utf8)])
        let (unsent, unsentSink) = AsyncStream<[RequestID]>.makeStream()
        let pipe = try Posix.pipe()
        defer { close(pipe.read) }
        let writer = try DescriptorWriter(
            fd: pipe.write, name: "server stdin", audit: audit, closeWhenFinished: true,
            onUnsent: { unsentSink.yield($0) })
        writer.enqueue([
            .init(Array("before".utf8)),
            .init(Array("decided".utf8), after: ticket, decided: .number("7")),
            .init(Array("reply".utf8), after: ticket),
            .init(Array("after".utf8)),
        ])
        writer.finish()
        let received = await Support.offPool { Support.readToEnd(pipe.read) }.valueIgnoringCancellation()
        #expect(received == Array("before\nreply\nafter\n".utf8))
        var reports = unsent.makeAsyncIterator()
        #expect(await reports.next() == [.number("7")])
        #expect(await writer.ended() == .finished)
        #expect(audit.failure?.contains("/dev/full") == true)
        await audit.close()
    }

    /// Runs `body` against a writer on a fresh pipe, finishes it, and returns everything the pipe got.
    private func writeThroughPipe(_ body: (DescriptorWriter) -> Void) async throws -> [UInt8] {
        let pipe = try Posix.pipe()
        defer { close(pipe.read) }
        let writer = try DescriptorWriter(fd: pipe.write, name: "test pipe", nonBlocking: true, closeWhenFinished: true)
        let received = Support.offPool { Support.readToEnd(pipe.read) }
        body(writer)
        writer.finish()
        let bytes = await received.valueIgnoringCancellation()
        #expect(await writer.ended() == .finished)
        return bytes
    }
}
