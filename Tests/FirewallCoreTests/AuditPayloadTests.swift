import Testing

@testable import FirewallCore

/// Payloads embedded in audit records can never be split into several lines by any line reader.
struct AuditPayloadTests {
    @Test func carriageReturnsAndLineSeparatorsNeverReachTheRecordRaw() throws {
        let frame = bytes("{\"jsonrpc\":\"2.0\",\r\"id\":1,\"result\":{\"text\":\"a\u{2028}b\u{2029}c\"}}\r")
        let payload = AuditPayload(frame, isValidJSON: true, limit: 1 << 16)
        guard case .json(let embedded) = payload.content else {
            Issue.record("a small valid payload is embedded")
            return
        }
        #expect(!embedded.contains(0x0D))
        let text = String(decoding: embedded, as: UTF8.self)
        #expect(!text.contains("\u{2028}") && !text.contains("\u{2029}"))
        #expect(try json(embedded) == json(frame), "the embedded JSON means exactly what the frame meant")
        #expect(payload.size == frame.count)
    }

    @Test func writtenStringsEscapeLineSeparators() throws {
        var writer = JSONWriter()
        writer.string("x\u{2028}y\u{2029}z\r")
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #""x\u2028y\u2029z\r""#)
        #expect(try json(writer.bytes) == .string("x\u{2028}y\u{2029}z\r"))
    }
}
