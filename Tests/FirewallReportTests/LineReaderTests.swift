import FirewallReport
import Foundation
import Testing

/// Reading lines through a small reusable buffer: boundaries, CRLF, a missing last newline, oversized lines.
struct LineReaderTests {
    struct Seen: Equatable {
        var text: String
        var number: Int
        var terminated: Bool
        var oversized: Bool
    }

    static func lines(_ text: String, chunk: Int, maxLineBytes: Int = 1 << 20) throws -> [Seen] {
        let path = try ReportFixtures.file(text, name: "lines.txt")
        let descriptor = open(path, O_RDONLY)
        defer { close(descriptor) }
        var reader = LineReader(descriptor: descriptor, chunk: chunk, maxLineBytes: maxLineBytes)
        var seen: [Seen] = []
        reader.forEach { line in
            seen.append(
                Seen(
                    text: String(decoding: line.bytes, as: UTF8.self), number: line.number,
                    terminated: line.terminated, oversized: line.oversized))
            return true
        }
        return seen
    }

    @Test(arguments: [1, 2, 3, 7, 64, 4096])
    func everyChunkSizeYieldsTheSameLines(chunk: Int) throws {
        let seen = try Self.lines("alpha\nbe\r\n\ngamma delta\nlast", chunk: chunk)
        #expect(seen.map(\.text) == ["alpha", "be", "", "gamma delta", "last"])
        #expect(seen.map(\.number) == [1, 2, 3, 4, 5])
        #expect(seen.map(\.terminated) == [true, true, true, true, false])
    }

    @Test func linesOverTheLimitAreSkippedAndCounted() throws {
        let long = String(repeating: "x", count: 100)
        let seen = try Self.lines("short\n\(long)\nafter\n\(long)", chunk: 8, maxLineBytes: 32)
        #expect(seen.map(\.text) == ["short", "", "after", ""])
        #expect(seen.map(\.oversized) == [false, true, false, true])
        #expect(seen.map(\.number) == [1, 2, 3, 4])
    }

    @Test func anEmptyFileHasNoLines() throws {
        #expect(try Self.lines("", chunk: 16).isEmpty)
    }
}
