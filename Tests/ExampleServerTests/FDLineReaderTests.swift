import Foundation
import Testing

@testable import ExampleServer

/// Line splitting of the stdin reader, fed from a temporary file.
struct FDLineReaderTests {
    /// Writes bytes to a temporary file and returns every line a reader yields from it.
    private func lines(of contents: [UInt8], chunkSize: Int = 7) throws -> [[UInt8]] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hr-lines-\(UUID().uuidString)")
        try Data(contents).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let fd = open(url.path, O_RDONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        var reader = FDLineReader(fd: fd, chunkSize: chunkSize)
        var result: [[UInt8]] = []
        while let line = reader.nextLine() { result.append(Array(line)) }
        return result
    }

    @Test func splitsOnNewlinesOnlyAndStripsCarriageReturns() throws {
        let lines = try lines(of: Array("alpha\r\nbe\rta\n\ngamma".utf8))
        #expect(lines.map { String(decoding: $0, as: UTF8.self) } == ["alpha", "be\rta", "", "gamma"])
    }

    @Test func emptyInputYieldsNoLines() throws {
        #expect(try lines(of: []).isEmpty)
    }

    @Test func handlesLinesLargerThanTenMegabytes() throws {
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 10_500_000)
        let lines = try lines(of: big + [10] + Array("tail\n".utf8), chunkSize: 1 << 16)
        #expect(lines.count == 2 && lines[0].count == big.count && lines[1] == Array("tail".utf8))
    }
}
