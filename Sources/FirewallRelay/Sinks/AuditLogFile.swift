import Crypto
import FirewallCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An audit log opened for reading by a sink: blocking calls, for a `BlockingWorker`'s thread only.
///
/// It keeps its descriptor, so a log renamed by a rotator is read to its end all the same.
package final class AuditLogFile: Sendable {
    package let fd: Int32
    package let path: String
    package let identity: AuditFileIdentity

    /// Opens `path` read-only; throws naming the path and the cause.
    package init(path: String) throws(AuditSinkError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AuditSinkError("cannot open the audit log \(path): \(Posix.errorText(errno))") }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let code = errno
            Posix.close(fd)
            throw AuditSinkError("cannot read the audit log \(path): \(Posix.errorText(code))")
        }
        self.fd = fd
        self.path = path
        self.identity = AuditFileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }

    deinit { Posix.close(fd) }

    /// The file's size now.
    package func size() -> Int64 {
        var status = stat()
        return fstat(fd, &status) == 0 ? Int64(status.st_size) : 0
    }

    /// The bytes in `[from, to)`, fewer if the file is shorter; nil if reading fails.
    package func read(from: Int64, to: Int64) -> [UInt8]? {
        guard to > from else { return [] }
        var bytes = [UInt8](repeating: 0, count: Int(to - from))
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { buffer in
                pread(fd, buffer.baseAddress! + filled, buffer.count - filled, off_t(from) + off_t(filled))
            }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { break }
            filled += count
        }
        bytes.removeSubrange(filled...)
        return bytes
    }

    /// The next batch of complete lines at `offset`, reading no further than `limit`: `exactEnd` (a batch
    /// sent before a restart) is taken whole when it is still complete lines. A line longer than
    /// `maxBytes` is read in growing steps until its newline. Nil when no complete line is there yet.
    package func batch(
        at offset: Int64, limit: Int64, exactEnd: Int64? = nil, maxRecords: Int, maxBytes: Int
    ) -> AuditLineBatch? {
        if let exactEnd, exactEnd <= limit, let bytes = read(from: offset, to: exactEnd),
            bytes.count == Int(exactEnd - offset), bytes.last == 0x0A
        {
            let ends = bytes.indices.filter { bytes[$0] == 0x0A }.map { $0 + 1 }
            return AuditLineBatch(file: identity, start: offset, bytes: bytes, lineEnds: ends)
        }
        var span = Int64(max(maxBytes, 4096))
        while true {
            let end = min(limit, offset + span)
            guard end > offset, let bytes = read(from: offset, to: end) else { return nil }
            if let batch = AuditLineBatch.cut(
                bytes[...], at: offset, in: identity, maxRecords: maxRecords, maxBytes: maxBytes)
            {
                return batch
            }
            guard end < limit, bytes.count == Int(end - offset) else { return nil }
            span *= 2
        }
    }

    /// Whether the line `cursor.last` names is still where the cursor says, byte for byte.
    package func holds(_ cursor: AuditSinkCursor) -> Bool {
        guard cursor.offset <= size() else { return false }
        guard let last = cursor.last else { return cursor.offset == 0 }
        guard last.start < cursor.offset, let line = read(from: last.start, to: cursor.offset),
            line.count == Int(cursor.offset - last.start)
        else { return false }
        return Array(SHA256.hash(data: line)).hexString == last.sha256
    }

    /// A regular file in `folder` with `identity`: where a rotator renamed the log a cursor points at.
    package static func find(_ identity: AuditFileIdentity, in folder: String) -> String? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return nil }
        for name in names.sorted() {
            let candidate = folder + "/" + name
            var status = stat()
            guard stat(candidate, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG,
                UInt64(status.st_dev) == identity.device, UInt64(status.st_ino) == identity.inode
            else { continue }
            return candidate
        }
        return nil
    }
}
