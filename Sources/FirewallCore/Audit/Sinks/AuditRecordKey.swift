/// A record's place in its session: `(session, seq)`, unique within a log, what a receiver dedupes on.
package struct AuditRecordKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    package var session: String
    package var seq: Int

    package init(session: String, seq: Int) {
        self.session = session
        self.seq = seq
    }

    package var description: String { "\(session):\(seq)" }

    package static func < (lhs: AuditRecordKey, rhs: AuditRecordKey) -> Bool {
        (lhs.session, lhs.seq) < (rhs.session, rhs.seq)
    }

    /// The key of one log line, nil for a line that is not a record (a torn fragment).
    ///
    /// Every record starts `{"v":1,"seq":N,"ts":"…","session":"…"`; that prefix is read without a
    /// parser, and anything else is parsed whole.
    package static func read(_ line: ArraySlice<UInt8>) -> AuditRecordKey? {
        if let key = readPrefix(line) { return key }
        let trimmed = line.last == 0x0A ? line.dropLast() : line
        guard let record = try? JSONParser.parse(Array(trimmed), rules: .document),
            let session = record["session"]?.stringValue, case .number(let text)? = record["seq"],
            let seq = Int(text)
        else { return nil }
        return AuditRecordKey(session: session, seq: seq)
    }

    private static let seqKey = Array(#"{"v":1,"seq":"#.utf8)
    private static let sessionKey = Array(#","session":""#.utf8)

    private static func readPrefix(_ line: ArraySlice<UInt8>) -> AuditRecordKey? {
        guard line.starts(with: seqKey) else { return nil }
        var index = line.startIndex + seqKey.count
        var seq = 0
        let digitsStart = index
        while index < line.endIndex, line[index] >= 0x30, line[index] <= 0x39, index - digitsStart < 18 {
            seq = seq * 10 + Int(line[index] - 0x30)
            index += 1
        }
        guard index > digitsStart, index < line.endIndex, line[index] == UInt8(ascii: ",") else { return nil }
        // `"ts":"<27 characters>"` lies between; the session key follows within a few dozen bytes.
        let window = line[index..<min(line.endIndex, index + 80)]
        guard let found = window.firstRange(of: sessionKey) else { return nil }
        let start = found.upperBound
        let end = line[start..<min(line.endIndex, start + 64)].firstIndex(of: UInt8(ascii: "\""))
        guard let end, end > start, !line[start..<end].contains(UInt8(ascii: "\\")) else { return nil }
        return AuditRecordKey(session: String(decoding: line[start..<end], as: UTF8.self), seq: seq)
    }
}
