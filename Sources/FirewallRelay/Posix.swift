import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin, checked wrappers over the POSIX calls the relay needs. What differs between the C libraries
/// lives in `Posix+Linux.swift` and `Posix+Darwin.swift`, each written against its own platform's API.
package enum Posix {
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

    /// Spawns `executable` (looked up on PATH when it has no slash) with `argv` and `environment`
    /// (nil: ours), its stdin, stdout and (when given) stderr taken from these descriptors, in a
    /// process group of its own, with SIGPIPE back at its default and no signal blocked.
    static func spawn(
        _ executable: String, argv: [String], environment: [String]?, stdin: Int32, stdout: Int32, stderr: Int32?
    ) -> Result<pid_t, POSIXError> {
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        let cEnv = environment.map { $0.map { strdup($0) } + [nil] }
        defer { cEnv?.forEach { free($0) } }
        let streams = SpawnStreams(stdin: stdin, stdout: stdout, stderr: stderr)
        var pid: pid_t = 0
        let status = cArgs.withUnsafeBufferPointer { argvPointer in
            guard let cEnv else {
                return spawnp(&pid, executable, argvPointer.baseAddress!, inheritedEnvironment, streams)
            }
            return cEnv.withUnsafeBufferPointer {
                spawnp(&pid, executable, argvPointer.baseAddress!, $0.baseAddress!, streams)
            }
        }
        return status == 0 ? .success(pid) : .failure(POSIXError(status))
    }

    /// The descriptors a spawned child gets as its standard streams.
    struct SpawnStreams {
        var stdin: Int32
        var stdout: Int32
        var stderr: Int32?
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
