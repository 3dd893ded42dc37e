import Testing

@testable import FirewallCore

struct LineFramerTests {
    /// Frames that must come out exactly as they went in, whatever bytes they hold.
    static let specialFrames: [[UInt8]] = [
        bytes(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#),
        bytes(#"{"ending":"crlf"}"#) + [0x0D],  // a \r\n line: only \n ends the frame
        bytes("{\"text\":\"line\u{2028}separator\u{2029}paragraph\"}"),
        bytes(#"{"text":"🔥 café, 日本語, עברית"}"#),
        [0x7B, 0xFF, 0xFE, 0xC3, 0x28, 0xED, 0xA0, 0x80, 0x7D],  // invalid UTF-8 is not the framer's business
        [],  // an empty line
        [0x0D],
        Array(repeating: UInt8(ascii: "x"), count: 5000),
    ]

    /// The special frames followed by enough numbered messages (~170 KB) to exercise buffer compaction.
    static let frames: [[UInt8]] =
        specialFrames
        + (1...3000).map {
            bytes(#"{"jsonrpc":"2.0","id":\#($0),"method":"ping","pad":"\#(String(repeating: "p", count: $0 % 37))"}"#)
        }

    static let stream: [UInt8] = frames.flatMap { $0 + [0x0A] }

    /// Feeds `stream` to `framer` in chunks of `chunkSize` bytes.
    private func feed(_ stream: [UInt8], chunkSize: Int, into framer: inout LineFramer) -> [LineFramer.Event] {
        var events: [LineFramer.Event] = []
        var offset = 0
        while offset < stream.count {
            let end = min(offset + chunkSize, stream.count)
            events += framer.append(Array(stream[offset..<end]))
            offset = end
        }
        return events
    }

    @Test(arguments: [1, 2, 3, 7, 64, 4096, 65536, 100_000])
    func yieldsEveryFrameByteForByteWhateverTheChunkSize(chunkSize: Int) {
        var framer = LineFramer()
        let events = feed(Self.stream, chunkSize: chunkSize, into: &framer)
        #expect(events.count == Self.frames.count)
        let identical = events == Self.frames.map { .frame($0) }
        #expect(identical)
        #expect(!framer.hasPartialFrame)
        #expect(framer.finish() == nil)
    }

    /// Large frames are handed over without a copy; what follows them in the buffer must survive that.
    @Test(arguments: [1000, 65536, 70001, 1 << 20])
    func handsOverLargeFramesKeepingWhatFollows(chunkSize: Int) {
        let frames =
            (0..<4).map { index in
                [UInt8](repeating: UInt8(ascii: "a") + UInt8(index), count: (64 << 10) + index * 50_000 - 1 + index)
            } + [bytes("{}"), [UInt8](repeating: UInt8(ascii: "z"), count: 200_000)]
        var framer = LineFramer()
        let events = feed(frames.flatMap { $0 + [0x0A] }, chunkSize: chunkSize, into: &framer)
        let identical = events == frames.map { .frame($0) }
        #expect(identical)
        #expect(!framer.hasPartialFrame)
    }

    @Test func passesATwelveMegabyteLineIntact() throws {
        var line = [UInt8](repeating: UInt8(ascii: "a"), count: 12 << 20)
        for index in stride(from: 0, to: line.count, by: 997) {
            line[index] = UInt8(truncatingIfNeeded: index % 90 + 32)
        }
        var framer = LineFramer()
        let events = feed(line + [0x0A] + bytes("{}") + [0x0A], chunkSize: 65536, into: &framer)
        try #require(events.count == 2)
        guard case .frame(let first) = events[0] else {
            Issue.record("expected a frame, got \(events[0])")
            return
        }
        let identical = first == line
        #expect(identical)
        #expect(events[1] == .frame(bytes("{}")))
    }

    /// Past a megabyte a frame gets its room at once (moved to the buffer's front first): whatever
    /// surrounds it, and whatever the chunks, every frame still comes out whole and in order.
    @Test(arguments: [4096, 65536, 1 << 20, 3 << 20])
    func passesFramesAroundMultiMegabyteOnes(chunkSize: Int) {
        let large = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 % 89 + 33) }
        let frames = [bytes(#"{"a":1}"#), large, bytes("{}"), large + [UInt8(ascii: "!")], bytes("[]")]
        var framer = LineFramer(maxFrameBytes: 4 << 20)
        let events = feed(frames.flatMap { $0 + [0x0A] }, chunkSize: chunkSize, into: &framer)
        let identical = events == frames.map { .frame($0) }
        #expect(identical)
        #expect(!framer.hasPartialFrame)
    }

    @Test(arguments: [65536, 1 << 20])
    func reportsAMultiMegabyteFrameOverTheCapAfterMakingRoom(chunkSize: Int) {
        let stream = bytes("{}") + [0x0A] + [UInt8](repeating: 0x61, count: 3 << 20) + [0x0A] + bytes("[]") + [0x0A]
        var framer = LineFramer(maxFrameBytes: 2 << 20)
        let events = feed(stream, chunkSize: chunkSize, into: &framer)
        #expect(events == [.frame(bytes("{}")), .oversized(byteCount: 3 << 20), .frame(bytes("[]"))])
        #expect(!framer.hasPartialFrame)
    }

    @Test(arguments: [1, 3, 10, 11, 26, 4096])
    func reportsAnOversizedFrameAndDeliversTheNextOneIntact(chunkSize: Int) {
        var framer = LineFramer(maxFrameBytes: 10)
        let oversized = Array(repeating: UInt8(ascii: "X"), count: 25)
        let stream =
            bytes("short") + [0x0A] + oversized + [0x0A] + bytes(#"{"ok":1}"#) + [0x0A] + bytes("0123456789") + [0x0A]
        let events = feed(stream, chunkSize: chunkSize, into: &framer)
        #expect(
            events == [
                .frame(bytes("short")), .oversized(byteCount: 25), .frame(bytes(#"{"ok":1}"#)),
                .frame(bytes("0123456789")),
            ]
        )
        #expect(!framer.hasPartialFrame)
    }

    @Test func reportsAFrameOneByteOverTheCapAsOversized() {
        var framer = LineFramer(maxFrameBytes: 10)
        #expect(framer.append(bytes("01234567890\nok\n")) == [.oversized(byteCount: 11), .frame(bytes("ok"))])
    }

    @Test func deliversTheFrameFollowingAnOversizedOneInTheSameChunk() {
        var framer = LineFramer(maxFrameBytes: 4)
        #expect(framer.append(bytes("abcdefgh")).isEmpty)
        #expect(framer.hasPartialFrame)
        #expect(framer.append(bytes("ij\nnext\npart")) == [.oversized(byteCount: 10), .frame(bytes("next"))])
        #expect(framer.append(bytes("ial\n")) == [.oversized(byteCount: 7)])
        #expect(framer.append(bytes("ok\n")) == [.frame(bytes("ok"))])
    }

    @Test func finishReturnsTheUnterminatedTailOnce() {
        var framer = LineFramer()
        #expect(framer.append(bytes("{\"a\":1}\n{\"b\"")) == [.frame(bytes("{\"a\":1}"))])
        #expect(framer.append(bytes(":2}")).isEmpty)
        #expect(framer.hasPartialFrame)
        #expect(framer.finish() == .frame(bytes("{\"b\":2}")))
        #expect(!framer.hasPartialFrame)
        #expect(framer.finish() == nil)
    }

    @Test func finishReportsAnOversizedTailBeingDiscarded() {
        var framer = LineFramer(maxFrameBytes: 4)
        #expect(framer.append(bytes("abcdef")).isEmpty)
        #expect(framer.append(bytes("gh")).isEmpty)
        #expect(framer.finish() == .oversized(byteCount: 8))
        #expect(framer.finish() == nil)
    }

    @Test func finishAfterACompleteFrameHasNothingLeft() {
        var framer = LineFramer()
        #expect(framer.append(bytes("{}\n")) == [.frame(bytes("{}"))])
        #expect(!framer.hasPartialFrame)
        #expect(framer.finish() == nil)
    }

    /// Feeds `size` bytes and a newline in 64 KiB reads, as the pipe reader does; returns the frame.
    static func largeFrame(size: Int, cap: Int) -> [UInt8]? {
        var framer = LineFramer(maxFrameBytes: cap)
        let chunk = [UInt8](repeating: 0x61, count: 64 << 10)
        var fed = 0
        var events: [LineFramer.Event] = []
        while fed < size {
            let count = min(chunk.count, size - fed)
            events += chunk.withUnsafeBytes { framer.append(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            fed += count
        }
        events += framer.append([0x0A])
        guard events.count == 1, case .frame(let frame) = events[0] else { return nil }
        return frame
    }

    @Test(arguments: [(1_100_000, 64 << 20), (10_000_000, 64 << 20), (40_000_000, 128 << 20)])
    func aLargeFrameGrowsInFewStepsAndKeepsLittleSpareRoom(size: Int, cap: Int) throws {
        let frame = try #require(Self.largeFrame(size: size, cap: cap))
        #expect(frame.count == size)
        // Handed over as the framer's buffer: at most twice its size, or the first 16 MiB step (not the cap).
        #expect(frame.capacity <= max(2 * size, 17 << 20), "capacity \(frame.capacity)")
    }
}
