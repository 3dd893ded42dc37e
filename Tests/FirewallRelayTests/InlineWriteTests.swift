import FirewallCore
import Foundation
import Testing

@testable import FirewallRelay

#if canImport(Glibc)
import Glibc
#endif

/// The session's own writes (no hand-off while nothing is queued): what the kernel does not take at
/// once goes to the writer's thread, in order, and audit batches keep their ticket order.
@Suite(.timeLimit(.minutes(1)))
struct InlineWriteTests {
    typealias Support = WriterTestSupport

    @Test func aFrameTooLargeForThePipeIsFinishedByTheThreadInOrder() async throws {
        let pipe = try Posix.pipe()
        defer { close(pipe.read) }
        let writer = try DescriptorWriter(fd: pipe.write, name: "test pipe", nonBlocking: true, closeWhenFinished: true)
        // 1 MiB and then small frames: the pipe takes 64 KiB at once, the rest waits for the reader.
        let frames = [Support.frame(size: 1 << 20, seed: 1)] + (2..<6).map { Support.frame(size: 100, seed: $0) }
        writer.sendNow([.init(frames[0])])
        #expect(writer.queuedBytes > 0, "the kernel cannot have taken 1 MiB")
        writer.sendNow(frames.dropFirst().map { .init($0) })
        let received = Support.offPool { Support.readToEnd(pipe.read) }
        writer.finish()
        #expect(await received.valueIgnoringCancellation() == Support.lines(frames))
        #expect(await writer.ended() == .finished)
    }

    @Test(arguments: [0, 1, 99, 100, 101, 150, 201, 202])
    func aWriteCutShortContinuesWhereTheKernelStopped(written: Int) {
        let entries = [
            DescriptorWriter.Entry(Array(repeating: 0x61, count: 100)), .init(Array(repeating: 0x62, count: 100)),
        ]
        let rest = DescriptorWriter.remainder(of: entries, after: written)
        let sent = Support.lines(entries.map(\.frame))
        #expect(Array(sent.prefix(written)) + Support.lines(rest.map(\.frame)) == sent)
    }

    @Test func appendedAndQueuedBatchesStayInTicketOrder() async throws {
        let path = try Support.temporaryFolder() + "/audit.jsonl"
        let audit = try AuditWriter(path: path)
        var tickets: [AuditTicket] = []
        for index in 0..<200 {
            let line = Array("{\"n\":\(index)}\n".utf8)
            tickets.append(index % 3 == 0 ? audit.enqueue([line]) : audit.append([line]))
        }
        #expect(tickets == tickets.sorted())
        #expect(await audit.durable(tickets.last!))
        await audit.close()
        let lines = String(decoding: try #require(FileManager.default.contents(atPath: path)), as: UTF8.self)
            .split(separator: "\n")
        #expect(lines == (0..<200).map { "{\"n\":\($0)}"[...] })
    }
}
