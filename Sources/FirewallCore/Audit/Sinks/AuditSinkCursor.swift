import Crypto

/// Which file a byte offset belongs to: the device and inode numbers, which a rename keeps and a
/// new file does not share.
package struct AuditFileIdentity: Sendable, Hashable, CustomStringConvertible {
    package var device: UInt64
    package var inode: UInt64

    package init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    package var description: String { "\(device):\(inode)" }
}

/// How far a sink has delivered a log, persisted next to it (`<log>.sink-<name>.cursor`) after every
/// delivery, so that a restart resends nothing twice and loses nothing.
///
/// The file is JSON, written to a temporary file and renamed over the old one:
/// `{"v":1,"file":{"dev":…,"ino":…},"offset":N,"last":{"start":S,"sha256":"…","session":"…","seq":K},"pending":E}`.
/// `offset` is the byte after the last delivered line; `last` is that line (where it starts, its
/// SHA-256, and its record key), so that a log rewritten in place is noticed instead of trusted;
/// `pending`, the end of the batch being delivered, so that a restart sends that same batch again
/// with the same idempotency key.
package struct AuditSinkCursor: Sendable, Equatable {
    /// The last delivered line.
    package struct LastLine: Sendable, Equatable {
        package var start: Int64
        /// Lower-case hex SHA-256 of the line's bytes, newline included.
        package var sha256: String
        package var key: AuditRecordKey?

        package init(start: Int64, sha256: String, key: AuditRecordKey?) {
            self.start = start
            self.sha256 = sha256
            self.key = key
        }

        /// The last line of `batch`.
        package init(of batch: AuditLineBatch) {
            let line = batch.lines.last ?? batch.bytes[...]
            self.init(
                start: batch.end - Int64(line.count), sha256: Array(SHA256.hash(data: Array(line))).hexString,
                key: batch.last)
        }
    }

    package var file: AuditFileIdentity
    package var offset: Int64
    package var last: LastLine?
    /// The end of a batch sent at least once but not known to be delivered.
    package var pendingEnd: Int64?

    package init(file: AuditFileIdentity, offset: Int64 = 0, last: LastLine? = nil, pendingEnd: Int64? = nil) {
        self.file = file
        self.offset = offset
        self.last = last
        self.pendingEnd = pendingEnd
    }

    /// The cursor after `batch` was delivered.
    package func delivered(_ batch: AuditLineBatch) -> AuditSinkCursor {
        AuditSinkCursor(file: batch.file, offset: batch.end, last: LastLine(of: batch))
    }

    /// The cursor file's contents, one line of JSON.
    package func encoded() -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("v", 1)
        writer.key("file")
        writer.beginObject()
        writer.key("dev")
        writer.raw(Array(String(file.device).utf8))
        writer.key("ino")
        writer.raw(Array(String(file.inode).utf8))
        writer.endObject()
        writer.key("offset")
        writer.raw(Array(String(offset).utf8))
        if let last {
            writer.key("last")
            writer.beginObject()
            writer.key("start")
            writer.raw(Array(String(last.start).utf8))
            writer.field("sha256", last.sha256)
            writer.field("session", last.key?.session)
            writer.field("seq", last.key?.seq)
            writer.endObject()
        }
        if let pendingEnd {
            writer.key("pending")
            writer.raw(Array(String(pendingEnd).utf8))
        }
        writer.endObject()
        var bytes = writer.take()
        bytes.append(0x0A)
        return bytes
    }

    /// Reads a cursor file's contents; throws naming what is wrong.
    package static func decode(_ bytes: [UInt8]) throws(AuditSinkError) -> AuditSinkCursor {
        let value: JSONValue
        do {
            value = try JSONParser.parse(Array(bytes.prefix { $0 != 0x0A }), rules: .document)
        } catch {
            throw AuditSinkError("the cursor is not valid JSON: \(error)")
        }
        guard value["v"] == .number("1") else { throw AuditSinkError("the cursor is not version 1") }
        func number<T: FixedWidthInteger>(_ value: JSONValue?, _ what: String) throws(AuditSinkError) -> T {
            guard case .number(let text)? = value, let number = T(text), number >= 0 else {
                throw AuditSinkError("the cursor's `\(what)` is not a non-negative integer")
            }
            return number
        }
        let file = AuditFileIdentity(
            device: try number(value["file"]?["dev"], "file.dev"), inode: try number(value["file"]?["ino"], "file.ino"))
        var cursor = AuditSinkCursor(file: file, offset: try number(value["offset"], "offset"))
        if let last = value["last"] {
            guard let digest = last["sha256"]?.stringValue, digest.utf8.count == 64 else {
                throw AuditSinkError("the cursor's `last.sha256` is not a SHA-256")
            }
            var key: AuditRecordKey?
            if let session = last["session"]?.stringValue {
                key = AuditRecordKey(session: session, seq: try number(last["seq"], "last.seq"))
            }
            cursor.last = LastLine(start: try number(last["start"], "last.start"), sha256: digest, key: key)
        }
        if value["pending"] != nil { cursor.pendingEnd = try number(value["pending"], "pending") }
        if let pending = cursor.pendingEnd, pending <= cursor.offset {
            throw AuditSinkError("the cursor's `pending` is not past its `offset`")
        }
        return cursor
    }
}
