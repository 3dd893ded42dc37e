import FirewallCore
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif

/// Reading and writing the PEM files of audit signing keys, with the permission checks a secret needs.
enum AuditKeyFiles {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads the private key at `path`; refuses a file that its group or others can read or write.
    static func signingKey(at path: String) throws(Failure) -> AuditSigningKey {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw Failure(description: "cannot read the audit signing key \(path): \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & 0o077 == 0 else {
            throw Failure(
                description:
                    "the audit signing key \(path) is readable or writable by others (mode \(String(status.st_mode & 0o777, radix: 8))); run `chmod 600 \(path)`"
            )
        }
        let text = try contents(path, what: "audit signing key")
        do {
            return try AuditSigningKey(pem: text)
        } catch {
            throw Failure(description: "\(path): \(error)")
        }
    }

    static func publicKey(at path: String) throws(Failure) -> AuditPublicKey {
        let text = try contents(path, what: "public key")
        do {
            return try AuditPublicKey(pem: text)
        } catch {
            throw Failure(description: "\(path): \(error)")
        }
    }

    /// Writes `PREFIX.key` (mode 0600, never over an existing file) and `PREFIX.pub` (0644).
    static func write(_ key: AuditSigningKey, prefix: String) throws(Failure) {
        try create(prefix + ".key", key.pem, mode: 0o600)
        do {
            try create(prefix + ".pub", key.publicKey.pem, mode: 0o644)
        } catch {
            unlink(prefix + ".key")
            throw error
        }
    }

    /// Appends `bytes` to `path` (created with mode 0644 if needed) and syncs it.
    static func append(_ bytes: [UInt8], to path: String) throws(Failure) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            throw Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    private static func create(_ path: String, _ text: String, mode: mode_t) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            let cause =
                errno == EEXIST ? "it already exists (keys are never overwritten)" : String(cString: strerror(errno))
            throw Failure(description: "cannot create \(path): \(cause)")
        }
        defer { close(fd) }
        // The umask may have taken bits away, never added any; state the mode anyway.
        fchmod(fd, mode)
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                let cause = String(cString: strerror(errno))
                unlink(path)
                throw Failure(description: "cannot write \(path): \(cause)")
            }
            offset += written
        }
        guard fsync(fd) == 0 else {
            let cause = String(cString: strerror(errno))
            unlink(path)
            throw Failure(description: "cannot write \(path): \(cause)")
        }
    }

    private static func contents(_ path: String, what: String) throws(Failure) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Failure(description: "cannot read the \(what) \(path): \(error.localizedDescription)")
        }
    }
}
