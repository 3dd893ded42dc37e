#if canImport(Glibc)
import Glibc
#endif

/// The replies the echo server owes for one read, sent with one `writev`.
///
/// Small replies are joined in one reused buffer. A large result's text is not copied into it: the
/// buffer records where the text goes and `flush` points an iovec at one shared run of filler bytes,
/// so a 10 MB result costs the server one copy of the text, kept for the next call of that size.
struct EchoReplies: ~Copyable {
    private var bytes: [UInt8] = []
    /// Where filler text goes in `bytes`, and how much of it.
    private var splices: [(at: Int, count: Int)] = []
    private var filler: [UInt8] = []

    init() { bytes.reserveCapacity(1 << 16) }

    /// Appends `text` to the pending replies.
    mutating func append(_ text: [UInt8]) { bytes.append(contentsOf: text) }

    /// Appends the bytes of `range` in `line` (the request's id) to the pending replies.
    mutating func append(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: line[range]))
    }

    /// Appends `count` filler bytes (plain ASCII, so no JSON escaping) without copying them.
    mutating func appendFiller(count: Int) {
        if filler.count < count { filler = [UInt8](repeating: UInt8(ascii: "x"), count: count) }
        splices.append((bytes.count, count))
    }

    /// Writes everything pending to `fd` in one `writev` (more only if the pipe takes less), then empties.
    /// False if the reader has gone.
    mutating func flush(to fd: Int32) -> Bool {
        defer {
            bytes.removeAll(keepingCapacity: true)
            splices.removeAll(keepingCapacity: true)
        }
        if bytes.isEmpty { return true }
        return bytes.withUnsafeBytes { joined in
            filler.withUnsafeBytes { text in
                var pieces: [iovec] = []
                pieces.reserveCapacity(splices.count * 2 + 1)
                var offset = 0
                for splice in splices {
                    pieces.append(iovec(joined, offset..<splice.at))
                    pieces.append(
                        iovec(iov_base: UnsafeMutableRawPointer(mutating: text.baseAddress), iov_len: splice.count))
                    offset = splice.at
                }
                pieces.append(iovec(joined, offset..<joined.count))
                return Self.writeAll(fd, &pieces)
            }
        }
    }

    /// `writev` until every piece is out, resuming after partial writes; IOV_MAX (1024) pieces per call.
    private static func writeAll(_ fd: Int32, _ pieces: inout [iovec]) -> Bool {
        var first = 0
        while first < pieces.count {
            let count = min(pieces.count - first, 1024)
            var written = pieces.withUnsafeBufferPointer { writev(fd, $0.baseAddress! + first, Int32(count)) }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            while first < pieces.count, written >= pieces[first].iov_len {
                written -= pieces[first].iov_len
                first += 1
            }
            if written > 0 {
                pieces[first].iov_base = pieces[first].iov_base! + written
                pieces[first].iov_len -= written
            }
        }
        return true
    }
}

extension iovec {
    fileprivate init(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) {
        self.init(
            iov_base: UnsafeMutableRawPointer(mutating: buffer.baseAddress! + range.lowerBound), iov_len: range.count)
    }
}
