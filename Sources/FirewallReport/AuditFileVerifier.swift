import FirewallCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `AuditVerifier` over files: the logs in the order given (a session may go on in a later
/// file), then the anchors.
package enum AuditFileVerifier {
    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    package static func verify(
        logs: [String], anchors: [String] = [], publicKey: AuditPublicKey? = nil
    ) throws(Failure) -> AuditVerification {
        var verifier = AuditVerifier(publicKey: publicKey)
        for path in logs {
            try read(path) { line, number, complete in
                verifier.read(line, file: path, line: number, complete: complete)
            }
        }
        for path in anchors {
            try read(path) { line, number, _ in verifier.readAnchor(line, file: path, line: number) }
        }
        return verifier.finish()
    }

    /// Calls `body` with each line of `path`, byte for byte (a `\r` is kept: the hash decides).
    static func read(_ path: String, _ body: (ArraySlice<UInt8>, Int, Bool) -> Void) throws(Failure) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw Failure(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var reader = LineReader(descriptor: descriptor, keepsCarriageReturns: true)
        var oversized: Int?
        reader.forEach { line in
            if line.oversized {
                oversized = oversized ?? line.number
                return true
            }
            body(ArraySlice(line.bytes), line.number, line.terminated)
            return true
        }
        if reader.failure != 0 {
            throw Failure(description: "cannot read \(path): \(String(cString: strerror(reader.failure)))")
        }
        if let oversized {
            throw Failure(description: "\(path):\(oversized): a line longer than 256 MiB; this is not an audit log")
        }
    }
}
