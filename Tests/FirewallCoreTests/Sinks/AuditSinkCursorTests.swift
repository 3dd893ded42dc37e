import Testing

@testable import FirewallCore

struct AuditSinkCursorTests {
    @Test func aCursorReadsBackAsWritten() throws {
        let bytes = AuditSinkSamples.bytes([AuditSinkSamples.start, AuditSinkSamples.negotiated])
        let batch = try #require(
            AuditLineBatch.cut(
                bytes[...], at: 10, in: AuditFileIdentity(device: 64769, inode: UInt64(Int64.max) + 5), maxRecords: 9,
                maxBytes: 1 << 20))
        var cursor = AuditSinkCursor(file: batch.file).delivered(batch)
        #expect(cursor.offset == batch.end)
        #expect(cursor.last?.key == AuditRecordKey(session: AuditSinkSamples.session, seq: 2))
        #expect(cursor.last?.start == batch.end - Int64(AuditSinkSamples.negotiated.utf8.count))
        #expect(try AuditSinkCursor.decode(cursor.encoded()) == cursor)
        cursor.pendingEnd = cursor.offset + 300
        #expect(try AuditSinkCursor.decode(cursor.encoded()) == cursor)
        #expect(cursor.encoded().last == 0x0A)
    }

    @Test(arguments: [
        "", "{}", #"{"v":2,"file":{"dev":1,"ino":2},"offset":0}"#, #"{"v":1,"file":{"dev":1},"offset":0}"#,
        #"{"v":1,"file":{"dev":1,"ino":2},"offset":-4}"#, #"{"v":1,"file":{"dev":1,"ino":2},"offset":9,"pending":3}"#,
        #"{"v":1,"file":{"dev":1,"ino":2},"offset":9,"last":{"start":0,"sha256":"ab"}}"#,
    ])
    func aDamagedCursorIsRefusedNotGuessed(text: String) {
        #expect(throws: AuditSinkError.self) { try AuditSinkCursor.decode(Array(text.utf8)) }
    }
}
