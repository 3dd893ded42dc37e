import FirewallCore
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the input files and feeds them to a builder, telling audit logs from mcp-audit-trail logs by content.
package enum ReportInputs {
    /// The largest mcp-audit-trail document read (it is one JSON document, so it is read whole).
    package static let maxDocumentBytes = 1 << 30

    /// Files as given, folders expanded to their `.jsonl` and `.json` files (recursively, sorted by path);
    /// a missing path or an empty folder becomes a warning.
    package static func expand(_ paths: [String], builder: ReportBuilder) -> [String] {
        let (files, problems) = InputFolders.expand(paths, extensions: [".jsonl", ".json"])
        for problem in problems { builder.warn(problem.path, line: nil, problem.message) }
        return files.map(\.path)
    }

    /// Reads every file into `builder`; returns how many could be opened.
    @discardableResult
    package static func load(_ files: [String], into builder: ReportBuilder) -> Int {
        var opened = 0
        for file in files {
            let descriptor = open(file, O_RDONLY)
            guard descriptor >= 0 else {
                builder.warn(file, line: nil, "cannot open: \(String(cString: strerror(errno)))")
                continue
            }
            defer { close(descriptor) }
            opened += 1
            builder.begin(file: file)
            load(descriptor: descriptor, file: file, into: builder)
        }
        return opened
    }

    /// Reads one open file: JSONL line by line, or, when its first line is not a record, a whole JSON document.
    static func load(descriptor: Int32, file: String, into builder: ReportBuilder) {
        var reader = LineReader(descriptor: descriptor)
        var mode = Mode.undecided
        reader.forEach { line in
            if line.oversized {
                builder.warn(file, line: line.number, "line longer than 256 MiB; skipped")
                return true
            }
            if mode == .undecided {
                guard line.bytes.contains(where: { $0 > 0x20 }) else { return true }
                mode = firstLineMode(line.bytes)
                if mode == .document { return false }
                if mode == .singleLineDocument {
                    builder.readAuditTrail(line.bytes, file: file)
                    return false
                }
            }
            builder.readAuditLine(line.bytes, file: file, number: line.number, terminated: line.terminated)
            return true
        }
        if reader.failure != 0 {
            builder.warn(file, line: nil, "read failed: \(String(cString: strerror(reader.failure)))")
        }
        guard mode == .document else {
            if mode == .lines { builder.noteAuditLog(file) }
            return
        }
        guard let document = readWhole(descriptor), document.count <= maxDocumentBytes else {
            builder.warn(file, line: nil, "cannot read the whole document (larger than 1 GiB, or unreadable)")
            return
        }
        let isTrail = document.withUnsafeBufferPointer { builder.readAuditTrail($0, file: file) }
        guard !isTrail else { return }
        // Not an mcp-audit-trail document after all: read it as JSONL, so each bad line is reported.
        guard lseek(descriptor, 0, SEEK_SET) == 0 else { return }
        var again = LineReader(descriptor: descriptor)
        again.forEach { line in
            if !line.oversized {
                builder.readAuditLine(line.bytes, file: file, number: line.number, terminated: line.terminated)
            }
            return true
        }
    }

    private enum Mode {
        case undecided
        case lines
        case document
        case singleLineDocument
    }

    /// A first line holding a whole object with `events` is a compact mcp-audit-trail log; a first line that is
    /// only `{` opens a pretty-printed one (a torn JSONL record is longer); anything else is JSONL.
    private static func firstLineMode(_ line: UnsafeBufferPointer<UInt8>) -> Mode {
        if let record = try? JSONParser.topLevelMembers(line, rules: .document) {
            if case .object(let members) = record, members.contains(where: { $0.key == "events" }),
                !members.contains(where: { $0.key == "event" })
            {
                return .singleLineDocument
            }
            return .lines
        }
        let content = line.filter { $0 > 0x20 }
        return content == [UInt8(ascii: "{")] ? .document : .lines
    }

    private static func readWhole(_ descriptor: Int32) -> [UInt8]? {
        guard lseek(descriptor, 0, SEEK_SET) == 0 else { return nil }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while bytes.count <= maxDocumentBytes {
            let got = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
            if got < 0, errno == EINTR { continue }
            if got < 0 { return nil }
            if got == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<got])
        }
        return bytes
    }
}
