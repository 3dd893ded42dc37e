import FirewallCore
import FirewallTestSupport
import Foundation

@testable import FirewallRelay

#if canImport(Glibc)
import Glibc
#endif

/// Helpers for the writer tests: blocking work on threads of its own, pipes read to the end.
enum WriterTestSupport {
    /// Frame and record sizes around the edges that matter: empty, a page, the pipe's capacity, 1 MiB.
    static let sizes = [0, 1, 2, 100, 4095, 65536, 65537, 1 << 20]

    /// Starts `body` on a new thread; its result is awaited through the returned value, so blocking
    /// test work (reads, `AuditWriter.wait`) never holds a cooperative-pool thread.
    static func offPool<Value: Sendable>(_ body: @escaping @Sendable () -> Value) -> OneShot<Value> {
        let result = OneShot<Value>()
        let thread = Thread { result.fulfil(body()) }
        thread.start()
        return result
    }

    /// Reads `fd` until end of file, calling `onFirstBytes` as soon as anything arrives. Gives up after
    /// `limit` seconds without data (a safety limit: the caller's comparison then fails).
    static func readToEnd(_ fd: Int32, limit: Int32 = 30, onFirstBytes: () -> Void = {}) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            var target = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&target, 1, limit * 1000) > 0 else { return bytes }
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { return bytes }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return bytes
            }
            if bytes.isEmpty { onFirstBytes() }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// Whether `fd` becomes readable within `milliseconds`: for checking that nothing was written.
    static func readable(_ fd: Int32, within milliseconds: Int32) -> Bool {
        var target = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&target, 1, milliseconds) > 0
    }

    /// A frame of `size` bytes whose content depends on `seed`, so misordered or torn frames show.
    static func frame(size: Int, seed: Int) -> [UInt8] {
        (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed &* 7 &+ 1) }
    }

    /// The bytes a descriptor writer must produce for `frames`: each frame and a newline.
    static func lines(_ frames: [[UInt8]]) -> [UInt8] {
        frames.flatMap { $0 + [0x0A] }
    }

    /// A FIFO in a fresh temporary folder with its read end open (non-blocking) and unread, so a
    /// writer on it blocks once the pipe is full. Returns the path and the read end.
    static func fifo() throws -> (path: String, readEnd: Int32) {
        let folder = try temporaryFolder()
        let path = folder + "/audit.fifo"
        guard mkfifo(path, 0o600) == 0 else { throw POSIXError(errno) }
        let readEnd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard readEnd >= 0 else { throw POSIXError(errno) }
        return (path, readEnd)
    }

    /// A new empty folder under the temporary directory.
    static func temporaryFolder() throws -> String { try TemporaryFolder.make("writer-tests") }
}
