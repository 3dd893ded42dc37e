import FirewallCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The append-only audit log file: records are encoded and written under one lock, in order.
///
/// Opened with `O_APPEND`, never truncated. A batch of records goes out in one `write` so a
/// decision and the message it decides land together. If a write ever fails the log latches
/// into a failed state and every later call is denied, naming the cause.
package final class AuditLog: Sendable {
    private struct State {
        var encoder: AuditRecordEncoder
        var failure: String?
    }

    private let fd: Int32
    private let path: String
    private let syncEachBatch: Bool
    private let state: Mutex<State>

    /// Opens (creating if needed) the log at `path` for appending.
    package init(path: String, sessionID: String, syncEachBatch: Bool = false) throws(AuditLogError) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw AuditLogError(message: "cannot open audit log \(path): \(Posix.errorText(errno))") }
        self.fd = fd
        self.path = path
        self.syncEachBatch = syncEachBatch
        self.state = Mutex(State(encoder: AuditRecordEncoder(sessionID: sessionID)))
        // A previous run that died mid-line must not glue its fragment to our first record.
        if Self.endsWithoutNewline(path) {
            var newline: UInt8 = 0x0A
            _ = Glibc.write(fd, &newline, 1)
        }
    }

    deinit {
        close(fd)
    }

    /// Appends `events` as consecutive records. Returns false (and latches) if they could not be written.
    @discardableResult
    package func append(_ events: [AuditEvent]) -> Bool {
        let time = Posix.now()
        return state.withLock { state in
            guard state.failure == nil else { return false }
            let records = events.map { state.encoder.encode($0, time: time) }
            let total = records.reduce(0) { $0 + $1.count }
            var writeError: POSIXError?
            var written = 0
            if records.count > 1 && total <= 1 << 16 {
                // Small records go out in one write.
                var batch: [UInt8] = []
                batch.reserveCapacity(total)
                for record in records { batch.append(contentsOf: record) }
                (writeError, written) = batch.withUnsafeBytes { Posix.writeAllCounting(fd, $0) }
            } else {
                // One record, or a large one (a call's arguments), is not copied into a batch: one write each.
                for record in records where writeError == nil {
                    let (recordError, count) = record.withUnsafeBytes { Posix.writeAllCounting(fd, $0) }
                    writeError = recordError
                    written += count
                }
            }
            var error = writeError
            if error != nil, written > 0 {
                // Take back the part of the batch that did get out, so no half record stays in the log.
                var status = stat()
                if fstat(fd, &status) == 0 { _ = ftruncate(fd, status.st_size - off_t(written)) }
            }
            if error == nil, syncEachBatch, fdatasync(fd) != 0 { error = POSIXError(errno) }
            if let error {
                state.failure = "audit log \(path) cannot be written: \(error)"
                return false
            }
            return true
        }
    }

    /// Appends one event.
    @discardableResult
    package func append(_ event: AuditEvent) -> Bool { append([event]) }

    /// Why the log stopped accepting records, if it did.
    package var failure: String? { state.withLock { $0.failure } }

    /// Forces written records to stable storage.
    package func sync() {
        state.withLock { _ in _ = fsync(fd) }
    }

    /// Whether the file at `path` ends in a fragment: a previous run died mid-line (`AuditWriter` repairs it too).
    static func endsWithoutNewline(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        guard size > 0, lseek(fd, size - 1, SEEK_SET) >= 0 else { return false }
        var last: UInt8 = 0
        return read(fd, &last, 1) == 1 && last != 0x0A
    }
}

/// The audit log could not be opened.
package struct AuditLogError: Error, Sendable, CustomStringConvertible {
    package var message: String
    package var description: String { message }
}
