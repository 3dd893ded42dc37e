import FirewallCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where a sink keeps its cursor (`<log>.sink-<name>.cursor`) and the lock that gives one process at a
/// time the right to ship that log to that sink (`….lock`). Blocking calls, for a `BlockingWorker`.
package struct AuditSinkCursorFile: Sendable {
    package let path: String

    package init(logPath: String, sinkName: String) {
        self.path = logPath + ".sink-" + sinkName + ".cursor"
    }

    /// The cursor, nil when there is none yet; throws when the file exists but cannot be used.
    package func load() throws(AuditSinkError) -> AuditSinkCursor? {
        guard let data = FileManager.default.contents(atPath: path) else {
            guard access(path, F_OK) == 0 else { return nil }
            throw AuditSinkError("cannot read the sink cursor \(path)")
        }
        do {
            return try AuditSinkCursor.decode(Array(data))
        } catch {
            throw AuditSinkError(
                "the sink cursor \(path) cannot be used (\(error)); move it aside to resend the whole log")
        }
    }

    /// Replaces the cursor atomically: a temporary file, `fsync`, `rename`, then the folder's `fsync`.
    package func save(_ cursor: AuditSinkCursor) -> String? {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { return "cannot write \(temporary): \(Posix.errorText(errno))" }
        let bytes = cursor.encoded()
        let failure = bytes.withUnsafeBytes { Posix.writeAll(fd, $0) }
        let synced = failure == nil && fsync(fd) == 0
        let code = errno
        Posix.close(fd)
        guard failure == nil, synced else {
            unlink(temporary)
            return "cannot write \(temporary): \(failure.map { "\($0)" } ?? Posix.errorText(code))"
        }
        guard rename(temporary, path) == 0 else { return "cannot replace \(path): \(Posix.errorText(errno))" }
        let folder = open(
            (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent,
            O_RDONLY | O_CLOEXEC)
        if folder >= 0 {
            _ = fsync(folder)
            Posix.close(folder)
        }
        return nil
    }

    /// Takes the lock without waiting: the descriptor to keep open while shipping, nil when another
    /// process holds it.
    package func lock() throws(AuditSinkError) -> Int32? {
        let lockPath = String(path.dropLast(".cursor".count)) + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw AuditSinkError("cannot open \(lockPath): \(Posix.errorText(errno))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            Posix.close(fd)
            if code == EWOULDBLOCK { return nil }
            throw AuditSinkError("cannot lock \(lockPath): \(Posix.errorText(code))")
        }
        return fd
    }
}
