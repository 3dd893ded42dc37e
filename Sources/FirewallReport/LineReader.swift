#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file descriptor line by line through one reusable buffer, so memory stays at the longest line.
///
/// Lines longer than `maxLineBytes` are skipped unread and reported as oversized.
package struct LineReader {
    /// One line as the reader hands it out; `bytes` is valid only inside the callback.
    package struct Line {
        /// The line without its newline (and without a `\r` before it).
        package var bytes: UnsafeBufferPointer<UInt8>
        /// Its 1-based line number.
        package var number: Int
        /// Whether a newline ended it (false for a last line cut short).
        package var terminated: Bool
        /// Whether it was longer than the limit and skipped (then `bytes` is empty).
        package var oversized: Bool
    }

    private let descriptor: Int32
    private let maxLineBytes: Int
    private let keepsCarriageReturns: Bool
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var scanned = 0
    private var atEnd = false
    private var skipping = false
    private var lineNumber = 0
    /// The `errno` of a failed read, if one failed.
    package private(set) var failure: Int32 = 0

    /// A reader of `descriptor` (not closed by the reader) that starts with a `chunk`-byte buffer.
    /// `keepsCarriageReturns` hands lines out byte for byte (a verifier's view); otherwise a `\r`
    /// before the newline is dropped.
    package init(
        descriptor: Int32, chunk: Int = 1 << 20, maxLineBytes: Int = 256 << 20, keepsCarriageReturns: Bool = false
    ) {
        self.descriptor = descriptor
        self.maxLineBytes = maxLineBytes
        self.keepsCarriageReturns = keepsCarriageReturns
        buffer = [UInt8](repeating: 0, count: chunk)
    }

    /// Calls `body` with every line until the end of the input or until `body` returns false.
    package mutating func forEach(_ body: (Line) -> Bool) {
        while true {
            if let newline = findNewline() {
                lineNumber += 1
                let keepGoing = emit(start..<newline, terminated: true, body)
                start = newline + 1
                scanned = start
                if !keepGoing { return }
                continue
            }
            if atEnd {
                if start < end || skipping {
                    lineNumber += 1
                    _ = emit(start..<end, terminated: false, body)
                    start = end
                }
                return
            }
            makeRoom()
            fill()
        }
    }

    private func findNewline() -> Int? {
        guard scanned < end else { return nil }
        return buffer.withUnsafeBufferPointer { pointer -> Int? in
            guard let found = memchr(pointer.baseAddress! + scanned, 0x0A, end - scanned) else { return nil }
            return pointer.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
    }

    private mutating func emit(_ range: Range<Int>, terminated: Bool, _ body: (Line) -> Bool) -> Bool {
        if skipping {
            skipping = false
            return body(
                Line(
                    bytes: UnsafeBufferPointer(start: nil, count: 0), number: lineNumber, terminated: terminated,
                    oversized: true))
        }
        var upper = range.upperBound
        if !keepsCarriageReturns, upper > range.lowerBound, buffer[upper - 1] == 0x0D { upper -= 1 }
        let number = lineNumber
        return buffer.withUnsafeBufferPointer { pointer in
            body(
                Line(
                    bytes: UnsafeBufferPointer(rebasing: pointer[range.lowerBound..<upper]), number: number,
                    terminated: terminated, oversized: false))
        }
    }

    /// Moves the unread tail to the front, grows the buffer for a long line, or starts skipping one too long.
    private mutating func makeRoom() {
        scanned = end
        if start > 0 {
            let count = end - start
            if count > 0 {
                buffer.withUnsafeMutableBytes { raw in
                    _ = memmove(raw.baseAddress!, raw.baseAddress! + start, count)
                }
            }
            end = count
            scanned -= start
            start = 0
        }
        guard end == buffer.count else { return }
        if buffer.count >= maxLineBytes || skipping {
            skipping = true
            start = 0
            end = 0
            scanned = 0
        } else {
            buffer.append(contentsOf: repeatElement(0, count: min(buffer.count, maxLineBytes - buffer.count)))
        }
    }

    private mutating func fill() {
        let capacity = buffer.count - end
        let got = buffer.withUnsafeMutableBytes { raw in
            var result: Int
            repeat { result = read(descriptor, raw.baseAddress! + end, capacity) } while result < 0 && errno == EINTR
            return result
        }
        if got < 0 {
            failure = errno
            atEnd = true
        } else if got == 0 {
            atEnd = true
        } else {
            end += got
        }
    }
}
