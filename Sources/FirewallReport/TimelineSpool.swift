#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The timeline's embedded data, written row by row as the log is read, so the report never holds the events.
///
/// Rows are compact JSON arrays (`[session, seq, ts, kind, tool, class, decision, approver, call, labelKind,
/// label, summary, detail]`); repeated strings (tool names, labels) become indexes into a string table. Rows
/// stay in memory up to `memoryLimit` bytes, then go to an unlinked temporary file.
package final class TimelineSpool {
    /// Repeated strings, by first appearance; the page looks indexes up here.
    package private(set) var strings: [String] = []
    /// String-table indexes of tool names, in first appearance.
    package private(set) var toolNames: [Int] = []
    /// Rows appended so far.
    package private(set) var rowCount = 0
    private var stringIndex: [String: Int] = [:]
    private var toolSet: Set<Int> = []
    private let maxStrings: Int
    private let memoryLimit: Int
    private let sink = ByteSink()
    private var file: Int32?

    /// A spool keeping up to `memoryLimit` bytes in memory and interning up to `maxStrings` strings.
    package init(memoryLimit: Int = 8 << 20, maxStrings: Int = 50_000) {
        self.memoryLimit = memoryLimit
        self.maxStrings = maxStrings
    }

    deinit {
        if let file { close(file) }
    }

    /// Appends one row.
    package func append(_ event: TimelineEvent) throws(ByteSink.WriteError) {
        if rowCount > 0 { sink.append(UInt8(ascii: ",")) }
        rowCount += 1
        sink.append(UInt8(ascii: "["))
        number(event.session)
        number(event.seq)
        SafeText.appendScriptJSON(event.timestamp, to: sink)
        sink.append(UInt8(ascii: ","))
        number(event.kind.rawValue)
        interned(event.tool, isTool: true)
        number(TimelineEvent.Codes.code(event.toolClass))
        number(TimelineEvent.Codes.code(event.decision))
        number(TimelineEvent.Codes.code(approver: event.approver))
        number(event.call ?? 0)
        number(event.label?.kind.rawValue ?? -1)
        interned(event.label?.text, isTool: false)
        SafeText.appendScriptJSON(event.summary, to: sink)
        sink.append(UInt8(ascii: ","))
        SafeText.appendScriptJSON(event.detail, to: sink)
        sink.append(UInt8(ascii: "]"))
        if !sink.isSpilling, sink.bytes.count > memoryLimit { try spill() }
        try sink.checkpoint()
    }

    /// Copies every row, comma-separated, to `output`.
    package func copy(to output: ByteSink) throws(ByteSink.WriteError) {
        guard let file else {
            try output.write(sink.bytes)
            return
        }
        try sink.flush()
        guard lseek(file, 0, SEEK_SET) == 0 else { throw ByteSink.WriteError(errno: errno) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = chunk.withUnsafeMutableBytes { read(file, $0.baseAddress!, $0.count) }
            if got < 0, errno == EINTR { continue }
            if got < 0 { throw ByteSink.WriteError(errno: errno) }
            if got == 0 { break }
            try output.write(chunk[..<got])
        }
    }

    private func number(_ value: Int) {
        sink.append(String(value))
        sink.append(UInt8(ascii: ","))
    }

    private func interned(_ text: String?, isTool: Bool) {
        defer { sink.append(UInt8(ascii: ",")) }
        guard let text else {
            sink.append("-1")
            return
        }
        if let index = stringIndex[text] {
            if isTool, toolSet.insert(index).inserted { toolNames.append(index) }
            sink.append(String(index))
        } else if strings.count < maxStrings {
            let index = strings.count
            strings.append(text)
            stringIndex[text] = index
            if isTool, toolSet.insert(index).inserted { toolNames.append(index) }
            sink.append(String(index))
        } else {
            SafeText.appendScriptJSON(text, to: sink)
        }
    }

    private func spill() throws(ByteSink.WriteError) {
        var template = Array("/tmp/mcp-firewall-report-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw ByteSink.WriteError(errno: errno) }
        // Unlinked at once: the space is returned when the spool closes, however the process ends.
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        file = descriptor
        try sink.redirect(to: descriptor)
    }
}
