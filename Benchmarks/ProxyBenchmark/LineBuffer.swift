#if canImport(Glibc)
import Glibc
#endif

/// Bytes read from a pipe and handed out a line at a time, without copying a line out.
///
/// The echo server and the pipelined client both read with it: each `fill` is one `read` of up to
/// 64 KiB, appended behind whatever partial line the last read left, and the buffer grows only while
/// one line is longer than it (the 10 MB result), so steady traffic allocates nothing.
struct LineBuffer: ~Copyable {
    private static let chunk = 1 << 16
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// First byte not yet handed out as part of a line.
    private var start = 0
    /// One past the last byte read.
    private var end = 0
    /// Bytes before this index are known to hold no newline: a long line is scanned once, not per read.
    private var scanned = 0

    init(capacity: Int = 1 << 17) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    /// One `read(2)` of up to 64 KiB from `fd`: the byte count, 0 at end of file, -1 on error.
    mutating func fill(from fd: Int32) -> Int {
        if start == end {
            (start, end, scanned) = (0, 0, 0)
        } else if capacity - end < Self.chunk {
            makeRoom()
        }
        var count: Int
        repeat { count = read(fd, base + end, Self.chunk) } while count < 0 && errno == EINTR
        if count > 0 { end += count }
        return count
    }

    /// The next complete line (without its newline), valid until the next `fill`; nil when none is whole.
    mutating func nextLine() -> UnsafeBufferPointer<UInt8>? {
        let from = max(start, scanned)
        guard from < end, let newline = memchr(base + from, 0x0A, end - from) else {
            scanned = end
            return nil
        }
        let index = newline.assumingMemoryBound(to: UInt8.self) - base
        let line = UnsafeBufferPointer(start: base + start, count: index - start)
        start = index + 1
        scanned = start
        return line
    }

    /// Moves the partial line to the front, and doubles the buffer while a chunk would not fit behind it.
    private mutating func makeRoom() {
        if start > 0 {
            memmove(base, base + start, end - start)
            (end, scanned, start) = (end - start, scanned - start, 0)
        }
        guard capacity - end < Self.chunk else { return }
        var grown = capacity
        while grown - end < Self.chunk { grown *= 2 }
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        larger.update(from: base, count: end)
        base.deallocate()
        (base, capacity) = (larger, grown)
    }
}
