import FirewallCore
import Foundation

/// What audit redaction costs on payloads with no secret in them (the fast path: one pass, no copy),
/// next to the record encoding it is part of, and on one with a secret (the copy).
///
///   .build/release/mcp-firewall-bench redaction
enum RedactionCost {
    static func report() {
        let payloads: [(String, [UInt8])] = [
            ("1 KB tools/call request", call(bytes: 1024)),
            ("1 KB tools/call result (text)", result(text: prose(bytes: 900))),
            ("1 MB result, prose text", result(text: prose(bytes: 1 << 20))),
            ("1 MB result, JSON records held in the text", result(text: records(bytes: 1 << 20))),
            ("1 MB result, structuredContent records", structured(bytes: 1 << 20)),
            (
                "1 MB result, prose with one token in it",
                result(text: prose(bytes: 1 << 20) + " ghp_" + String(repeating: "a1B2c3", count: 6))
            ),
        ]
        print("audit redaction, built-in rules (\(ProcessInfo.processInfo.activeProcessorCount) CPUs)")
        print("| payload | bytes | redact (µs) | MB/s | copy? | encode record, redaction off (µs) | on (µs) |")
        print("|---|---:|---:|---:|---|---:|---:|")
        for (name, bytes) in payloads {
            let changed = Redactor.standard.redact(json: bytes) != nil
            let redact = median { _ = Redactor.standard.redact(json: bytes) }
            let off = median { encodeMessage(bytes, redactor: .disabled) }
            let on = median { encodeMessage(bytes, redactor: .standard) }
            let rate = Double(bytes.count) / redact / 1e6 * 1e6
            print(
                "| \(name) | \(bytes.count) | \(format(redact)) | \(format(rate, 0)) | \(changed ? "yes" : "no") "
                    + "| \(format(off)) | \(format(on)) |")
        }
    }

    private static func encodeMessage(_ bytes: [UInt8], redactor: Redactor) {
        var encoder = AuditRecordEncoder(sessionID: "bench", redactor: redactor)
        let payload = AuditPayload(bytes, isValidJSON: true, limit: 64 << 20)
        _ = encoder.encode(
            .message(
                .init(direction: .serverToClient, kind: "response", method: nil, id: .number("1"), payload: payload)),
            time: 0)
    }

    /// Microseconds per run of `body`: the best of 7 rounds, each at least 50 ms long (the fastest round is
    /// the least disturbed by other work on a shared machine).
    private static func median(_ body: () -> Void) -> Double {
        let clock = ContinuousClock()
        body()
        var runs = 1
        while clock.measure({ for _ in 0..<runs { body() } }) < .milliseconds(50) { runs *= 2 }
        var samples: [Double] = []
        for _ in 0..<7 {
            let elapsed = clock.measure { for _ in 0..<runs { body() } }
            let micros = Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12
            samples.append(micros / Double(runs))
        }
        return samples.min() ?? 0
    }

    private static func format(_ value: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }

    private static let words = [
        "the", "employee", "record", "was", "updated", "on", "2026-11-25", "by", "Ada", "Lovelace,", "who", "manages",
        "engineering;", "salary", "band", "E4", "(reviewed", "quarterly)", "and", "her", "token", "budget", "is",
        "4096.", "See", "https://hr.example.com/employees/E-1001", "for", "details:", "résumé", "attached.",
    ]

    static func prose(bytes: Int) -> String {
        var text = ""
        var index = 0
        while text.utf8.count < bytes {
            text += words[index % words.count] + (index % 17 == 16 ? "\n" : " ")
            index += 1
        }
        return text
    }

    static func records(bytes: Int) -> String {
        var items: [String] = []
        var size = 2
        var index = 0
        while size < bytes {
            let item =
                #"{"id":"E-\#(1000 + index)","name":"Employee \#(index)","email":"e\#(index)@example.com","department":"engineering","title":"Principal Engineer","manager_id":"E-1000","created_at":"2026-11-25T21:27:40Z","active":true,"level":\#(index % 7)}"#
            items.append(item)
            size += item.utf8.count + 1
            index += 1
        }
        return "[" + items.joined(separator: ",") + "]"
    }

    static func result(text: String) -> [UInt8] {
        var writer = JSONWriter(capacity: text.utf8.count + 128)
        writer.value(
            .object([
                .init("jsonrpc", .string("2.0")), .init("id", .number("1")),
                .init(
                    "result",
                    .object([
                        .init(
                            "content",
                            .array([.object([.init("type", .string("text")), .init("text", .string(text))])])),
                        .init("isError", .bool(false)),
                    ])),
            ]))
        return writer.take()
    }

    static func structured(bytes: Int) -> [UInt8] {
        let body = records(bytes: bytes)
        return Array(
            #"{"jsonrpc":"2.0","id":1,"result":{"content":[],"structuredContent":{"employees":\#(body)}}}"#.utf8)
    }

    static func call(bytes: Int) -> [UInt8] {
        var arguments =
            #""query":"salary review for the engineering team","max_tokens":512,"author":"ada","filters":{"department":"engineering","since":"2026-01-01","levels":[3,4,5]},"ids":["#
        var index = 0
        while arguments.utf8.count < bytes - 120 {
            arguments += (index == 0 ? "" : ",") + "\"E-\(1000 + index)\""
            index += 1
        }
        arguments += "]"
        return Array(
            #"{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"search_employees","arguments":{\#(arguments)}}}"#
                .utf8)
    }
}
