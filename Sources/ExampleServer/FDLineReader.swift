#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads newline-delimited lines of any length from a file descriptor with plain `read(2)` calls.
struct FDLineReader {
    private let fd: Int32
    /// Scratch space for one `read(2)` call.
    private var chunk: [UInt8]
    /// Bytes read so far; those before `lineStart` were already returned and are dropped by `compact()`.
    private var buffer: [UInt8] = []
    /// Index of the first byte not yet returned as part of a line.
    private var lineStart = 0
    /// Index up to which the buffer is known to contain no newline.
    private var scanned = 0
    private var reachedEOF = false

    /// Creates a reader for `fd`, reading up to `chunkSize` bytes per system call.
    init(fd: Int32, chunkSize: Int = 1 << 16) {
        self.fd = fd
        self.chunk = [UInt8](repeating: 0, count: chunkSize)
    }

    /// Returns the next line without its `\n` (and without a trailing `\r`), or nil at end of input.
    ///
    /// A final line that is not newline-terminated is still returned. A read error counts as end of input.
    mutating func nextLine() -> ArraySlice<UInt8>? {
        while true {
            if let newline = findNewline() {
                return takeLine(upTo: newline, skipping: 1)
            }
            scanned = buffer.count
            if reachedEOF {
                return lineStart < buffer.count ? takeLine(upTo: buffer.count, skipping: 0) : nil
            }
            compact()
            fill()
        }
    }

    /// Finds the next newline at or after `scanned` with `memchr`, which is fast even in debug builds.
    private func findNewline() -> Int? {
        guard scanned < buffer.count else { return nil }
        return buffer.withUnsafeBufferPointer { bytes in
            let base = bytes.baseAddress!
            guard let hit = memchr(base + scanned, Int32(UInt8(ascii: "\n")), bytes.count - scanned) else {
                return nil
            }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
    }

    private mutating func takeLine(upTo end: Int, skipping separatorLength: Int) -> ArraySlice<UInt8> {
        var line = buffer[lineStart..<end]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        lineStart = end + separatorLength
        scanned = lineStart
        return line
    }

    /// Drops already returned bytes once they make up at least half of the buffer.
    private mutating func compact() {
        guard lineStart > 0, lineStart >= buffer.count / 2 else { return }
        buffer.removeSubrange(0..<lineStart)
        scanned -= lineStart
        lineStart = 0
    }

    private mutating func fill() {
        var count = 0
        repeat {
            count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        } while count < 0 && errno == EINTR
        guard count > 0 else {
            reachedEOF = true
            return
        }
        buffer.append(contentsOf: chunk[..<count])
    }
}
