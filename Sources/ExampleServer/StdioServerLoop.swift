import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs an `HRServer` over stdin/stdout: one JSON-RPC message per line in, one response per line out.
struct StdioServerLoop {
    /// Exit the process abruptly with status 3 after writing this many responses, if set.
    var crashAfter: Int? = nil

    /// Serves until stdin closes; returns the process exit code (0 at end of input, 1 if stdout fails).
    func run() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        var server = HRServer()
        var reader = FDLineReader(fd: 0)
        var responses = 0
        while let line = reader.nextLine() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            if crashAfter == responses { exit(3) }
            let data = line.withUnsafeBufferPointer { Data(buffer: $0) }  // Fast copy, even in debug builds.
            guard var response = server.handle(line: data) else { continue }
            response.append(UInt8(ascii: "\n"))
            guard Self.writeAll(response, to: 1) else {
                Self.log("stdout closed; stopping")
                return 1
            }
            responses += 1
            if crashAfter == responses { exit(3) }
        }
        return 0
    }

    /// Writes all bytes to `fd`, retrying partial writes and interruptions; returns false on failure.
    static func writeAll(_ data: Data, to fd: Int32) -> Bool {
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return false }
                offset += written
            }
            return true
        }
    }

    /// Writes one line to stderr.
    static func log(_ message: String) {
        _ = writeAll(Data((message + "\n").utf8), to: 2)
    }
}
