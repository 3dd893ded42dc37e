import Testing

@testable import FirewallCore

struct AuditLineBatchTests {
    let file = AuditFileIdentity(device: 1, inode: 2)

    @Test func aTornLastLineWaitsForItsNewline() throws {
        let complete = AuditSinkSamples.bytes([AuditSinkSamples.start, AuditSinkSamples.negotiated])
        let torn = complete + Array(#"{"v":1,"seq":3,"ts":"#.utf8)
        let batch = try #require(AuditLineBatch.cut(torn[...], at: 100, in: file, maxRecords: 10, maxBytes: 1 << 20))
        #expect(batch.bytes == complete)
        #expect(batch.end == 100 + Int64(complete.count))
        #expect(batch.first == AuditRecordKey(session: AuditSinkSamples.session, seq: 1))
        #expect(batch.last == AuditRecordKey(session: AuditSinkSamples.session, seq: 2))
        #expect(
            AuditLineBatch.cut(Array(#"{"v":1,"seq":3"#.utf8)[...], at: 0, in: file, maxRecords: 1, maxBytes: 9) == nil)
    }

    @Test func theIdempotencyKeyNamesTheFileAndTheByteRange() throws {
        let bytes = AuditSinkSamples.bytes([AuditSinkSamples.start])
        let batch = try #require(AuditLineBatch.cut(bytes[...], at: 40, in: file, maxRecords: 5, maxBytes: 1 << 20))
        #expect(batch.idempotencyKey == "1:2:40-\(40 + bytes.count)")
    }

    /// Cutting a log batch after batch, under every limit, yields each line once, in order, and no
    /// batch exceeds its limits unless a single line does.
    @Test(arguments: [(1, 1), (2, 64), (3, 300), (500, 1), (500, 700), (500, 1 << 20), (4, 1000), (7, 2048)])
    func batchesCoverTheLogExactlyOnce(maxRecords: Int, maxBytes: Int) throws {
        let lines = AuditSinkSamples.all
        let log = AuditSinkSamples.bytes(lines)
        var offset = 0
        var seen: [String] = []
        while offset < log.count {
            let batch = try #require(
                AuditLineBatch.cut(
                    log[offset...], at: Int64(offset), in: file, maxRecords: maxRecords, maxBytes: maxBytes))
            #expect(batch.start == Int64(offset))
            #expect(batch.lineEnds.count <= maxRecords)
            #expect(batch.bytes.count <= maxBytes || batch.lineEnds.count == 1)
            seen += batch.lines.map { String(decoding: $0, as: UTF8.self) }
            offset = Int(batch.end)
        }
        #expect(seen == lines)
    }

    @Test func recordKeysAreReadFromThePrefixOrByParsing() {
        let prefixed = Array(AuditSinkSamples.result.utf8)[...]
        #expect(AuditRecordKey.read(prefixed) == AuditRecordKey(session: AuditSinkSamples.session, seq: 5))
        let reordered = Array(#"{"session":"s-1","event":"x","seq":9,"v":1}"#.utf8)[...]
        #expect(AuditRecordKey.read(reordered) == AuditRecordKey(session: "s-1", seq: 9))
        #expect(AuditRecordKey.read(Array(#"{"v":1,"seq":3,"ts":"20"#.utf8)[...]) == nil)
    }
}
