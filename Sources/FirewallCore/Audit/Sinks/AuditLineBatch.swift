/// Complete lines of an audit log, exactly as they are in the file, delivered to a sink together.
///
/// Built by `cut(_:at:in:maxRecords:maxBytes:)` from bytes read at a file offset: only lines that end
/// in a newline are taken, so a torn last line (a writer stopped mid-write) waits for its newline.
package struct AuditLineBatch: Sendable, Equatable {
    package var file: AuditFileIdentity
    /// The file offset of the first byte.
    package var start: Int64
    /// The lines, each with its newline.
    package var bytes: [UInt8]
    /// The index in `bytes` just after each line's newline.
    package var lineEnds: [Int]
    /// The first and last line's record keys (nil for a line that is not a record).
    package var first: AuditRecordKey?
    package var last: AuditRecordKey?

    package init(file: AuditFileIdentity, start: Int64, bytes: [UInt8], lineEnds: [Int]) {
        self.file = file
        self.start = start
        self.bytes = bytes
        self.lineEnds = lineEnds
        self.first = lineEnds.first.flatMap { AuditRecordKey.read(bytes[0..<$0]) }
        self.last = lineEnds.count > 1 ? AuditRecordKey.read(self.lines.last ?? []) : first
    }

    /// The file offset after the last newline.
    package var end: Int64 { start + Int64(bytes.count) }

    /// Each line, newline included.
    package var lines: [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        lines.reserveCapacity(lineEnds.count)
        var from = 0
        for end in lineEnds {
            lines.append(bytes[from..<end])
            from = end
        }
        return lines
    }

    /// Stable for these bytes of this file, across retries and restarts: `<dev>:<ino>:<start>-<end>`.
    package var idempotencyKey: String { "\(file.device):\(file.inode):\(start)-\(end)" }

    /// The leading complete lines of `bytes` (read at file offset `start`): at most `maxRecords`, and at
    /// most `maxBytes` unless the first line alone is longer (it then goes alone). Nil when `bytes`
    /// holds no newline.
    package static func cut(
        _ bytes: ArraySlice<UInt8>, at start: Int64, in file: AuditFileIdentity, maxRecords: Int, maxBytes: Int
    ) -> AuditLineBatch? {
        var lineEnds: [Int] = []
        var index = bytes.startIndex
        while lineEnds.count < max(1, maxRecords), let newline = bytes[index...].firstIndex(of: 0x0A) {
            let end = newline + 1 - bytes.startIndex
            if !lineEnds.isEmpty, end > maxBytes { break }
            lineEnds.append(end)
            index = newline + 1
        }
        guard let last = lineEnds.last else { return nil }
        return AuditLineBatch(
            file: file, start: start, bytes: Array(bytes[bytes.startIndex..<bytes.startIndex + last]),
            lineEnds: lineEnds)
    }
}
