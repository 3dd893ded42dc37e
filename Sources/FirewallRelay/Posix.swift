import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin, checked wrappers over the POSIX calls the relay needs.
enum Posix {
    /// The text of an errno value ("No space left on device").
    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// Writes all of `bytes` (and then `suffix`) to `fd`, retrying on EINTR and short writes.
    ///
    /// Uses `writev` so that a large frame and its newline go out without being copied together.
    /// Returns nil on success, or the error that stopped the write.
    static func writeAll(
        _ fd: Int32, _ bytes: UnsafeRawBufferPointer, suffix: UnsafeRawBufferPointer? = nil
    ) -> POSIXError? {
        writeAllCounting(fd, bytes, suffix: suffix).error
    }

    /// `writeAll`, also reporting how many bytes went out before an error.
    static func writeAllCounting(
        _ fd: Int32, _ bytes: UnsafeRawBufferPointer, suffix: UnsafeRawBufferPointer? = nil
    ) -> (error: POSIXError?, written: Int) {
        var total = 0
        var first = bytes
        var second = suffix ?? UnsafeRawBufferPointer(start: nil, count: 0)
        while first.count + second.count > 0 {
            var vectors = [
                iovec(iov_base: UnsafeMutableRawPointer(mutating: first.baseAddress), iov_len: first.count),
                iovec(iov_base: UnsafeMutableRawPointer(mutating: second.baseAddress), iov_len: second.count),
            ]
            let written = vectors.withUnsafeMutableBufferPointer { writev(fd, $0.baseAddress, 2) }
            if written < 0 {
                if errno == EINTR { continue }
                return (POSIXError(errno), total)
            }
            total += written
            var remaining = written
            let fromFirst = min(remaining, first.count)
            first = UnsafeRawBufferPointer(rebasing: first[fromFirst...])
            remaining -= fromFirst
            second = UnsafeRawBufferPointer(rebasing: second[min(remaining, second.count)...])
        }
        return (nil, total)
    }

    /// A pipe whose ends are close-on-exec.
    static func pipe() throws(POSIXError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        // Close-on-exec atomically: a child spawned by another thread at the same moment must never
        // inherit this pipe (it would hold its end open and hide end-of-file).
        #if os(Linux)
        guard linuxPipe2(&fds, O_CLOEXEC) == 0 else { throw POSIXError(errno) }
        #else
        guard Glibc.pipe(&fds) == 0 else { throw POSIXError(errno) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        #endif
        return (fds[0], fds[1])
    }

    /// Our environment as `NAME=value` strings without `withheld` (nil when nothing is withheld: the
    /// child then inherits ours unchanged).
    static func environment(withholding withheld: Set<String>) -> [String]? {
        guard !withheld.isEmpty else { return nil }
        return ProcessInfo.processInfo.environment.filter { !withheld.contains($0.key) }.map { "\($0.key)=\($0.value)" }
    }

    /// Seconds since the Unix epoch, from the real-time clock.
    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Seconds from an arbitrary origin, from the monotonic clock.
    static func monotonic() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}

/// An errno value with its text.
package struct POSIXError: Error, Sendable, CustomStringConvertible {
    package var code: Int32

    init(_ code: Int32) {
        self.code = code
    }

    package var description: String { "\(Posix.errorText(code)) (errno \(code))" }
}

#if os(Linux)
/// glibc's `pipe2`, which the Glibc module does not export (it needs `_GNU_SOURCE`).
@_silgen_name("pipe2")
private func linuxPipe2(_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32
#endif
