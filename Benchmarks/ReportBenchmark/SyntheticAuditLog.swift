#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a synthetic audit log shaped like a busy real one: sessions of `tools/call`s, each a request
/// message, a decision (some asked a person, some denied, some unattended), and for allowed calls the
/// server's answer and a result record.
enum SyntheticAuditLog {
    private static let tools: [(name: String, toolClass: String)] = [
        ("list_employees", "read"), ("get_employee", "read"), ("search_employees", "read"),
        ("get_personnel_file", "read"), ("update_salary", "write"), ("add_review_note", "write"),
        ("export_payroll", "sensitive"), ("delete_employee", "sensitive"),
    ]

    /// Writes at least `events` records to `path` (whole calls, so a few more); returns the bytes written.
    static func write(events: Int, to path: String, sessionLength: Int = 20_000) -> Int {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(descriptor >= 0, "cannot create \(path)")
        defer { close(descriptor) }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 21)
        var total = 0
        var written = 0
        var session = 0
        while written < events {
            session += 1
            let id = "00000000-0000-4000-8000-\(String(session, radix: 16).leftPadded(to: 12))"
            var seq = 0
            var records = 0
            func emit(_ event: String, _ fields: String) {
                seq += 1
                records += 1
                let micros = (written + records) * 137
                let ts =
                    "2026-11-25T\(String(10 + micros / 3_600_000_000 % 10).leftPadded(to: 2)):"
                    + "\(String(micros / 60_000_000 % 60).leftPadded(to: 2)):\(String(micros / 1_000_000 % 60).leftPadded(to: 2))."
                    + "\(String(micros % 1_000_000).leftPadded(to: 6))Z"
                buffer += Array(
                    #"{"v":1,"seq":\#(seq),"ts":"\#(ts)","session":"\#(id)","event":"\#(event)",\#(fields)}"#.utf8)
                buffer.append(0x0A)
                if buffer.count > 1 << 20 { flush() }
            }
            func flush() {
                total += buffer.count
                buffer.withUnsafeBytes { raw in
                    var offset = 0
                    while offset < raw.count {
                        let count = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                        precondition(count > 0, "write failed")
                        offset += count
                    }
                }
                buffer.removeAll(keepingCapacity: true)
            }
            emit(
                "session_start",
                #""proxy":{"name":"mcp-firewall","version":"0.1.0","pid":4242},"server":{"argv":["example-hr-server"]},"policy":{"path":"policies/hr-example.yaml","sha256":"1af02a81a494ff340b08348fefbd5dbac0b6fd8af374f6829017ab271b75824d"},"environment":"ci","payload_limit":65536"#
            )
            emit(
                "session_negotiated",
                #""era":"legacy","protocol_version":"2025-11-25","client_info":{"name":"bench-client","version":"1.0"},"client_capabilities":{},"server_info":{"name":"example-hr-server","version":"1.0.0"}"#
            )
            var call = 0
            while records < sessionLength, written + records < events {
                call += 1
                appendCall(call, emit)
            }
            emit(
                "session_end",
                #""reason":"client closed its input (endOfFile)","server_exit":"exit status 0","counts":{"calls":\#(call)},"duration_ms":1234.5"#
            )
            flush()
            written += records
        }
        return total
    }

    private static func appendCall(_ call: Int, _ emit: (String, String) -> Void) {
        let tool = tools[call % tools.count]
        let employee = "E-\(1000 + call % 5000)"
        let arguments =
            tool.toolClass == "write"
            ? #"{"employee_id":"\#(employee)","new_salary":\#(100_000 + call % 9000)}"#
            : #"{"employee_id":"\#(employee)"}"#
        let request =
            #"{"jsonrpc":"2.0","id":\#(call),"method":"tools/call","params":{"name":"\#(tool.name)","arguments":\#(arguments)}}"#
        emit(
            "message",
            #""direction":"client_to_server","kind":"request","method":"tools/call","id":\#(call),"call":\#(call),"size":\#(request.utf8.count),"payload":\#(request)"#
        )
        let rule =
            #""rule":{"name":"\#(tool.name)","file":"policies/hr-example.yaml","line":\#(13 + call % 8 * 3),"column":5},"matched_rules":[{"file":"policies/hr-example.yaml","line":13,"column":5}]"#
        let allowed: Bool
        var decision: String
        switch (tool.toolClass, call % 3) {
        case ("read", _):
            allowed = true
            decision =
                #""class":"read","class_source":"policy","policy_decision":"allow","decision":"allow","decision_source":"class_default",\#(rule),"reason":"read tools default to allow","tags":["HR-READ"],"decided_by":{"kind":"policy","channel":"policy"}"#
        case ("write", 0):
            allowed = true
            decision =
                #""class":"write","class_source":"policy","policy_decision":"confirm","decision":"allow","decision_source":"class_default",\#(rule),"reason":"Salary changes are approved by a person","tags":["SOC2"],"decided_by":{"kind":"human","channel":"terminal","identity":"alice"},"approval":{"id":"approval-\#(call)","outcome":"approved","detail":"approved at the terminal","requested_at":"2026-11-25T10:00:00.000000Z","decided_at":"2026-11-25T10:00:04.000000Z","wait_ms":\#(1000 + call % 20_000)}"#
        case ("write", _):
            allowed = false
            decision =
                #""class":"write","class_source":"policy","policy_decision":"confirm","decision":"deny","decision_source":"class_default",\#(rule),"reason":"Salary changes are approved by a person","tags":["SOC2"],"decided_by":{"kind":"policy","channel":"none"},"approval":{"id":"none","outcome":"unattended","detail":"no approver available; unattended: deny in environment `ci`","unattended":"deny","requested_at":"2026-11-25T10:00:00.000000Z","decided_at":"2026-11-25T10:00:00.000000Z","wait_ms":0}"#
        default:
            allowed = false
            decision =
                #""class":"sensitive","class_source":"policy","policy_decision":"deny","decision":"deny","decision_source":"rule",\#(rule),"reason":"Payroll and deletions never run from an agent","tags":["SOC2","payroll"],"decided_by":{"kind":"policy","channel":"policy"}"#
        }
        emit(
            "decision",
            #""call":\#(call),"id":\#(call),"era":"legacy","tool":"\#(tool.name)","arguments":\#(arguments),\#(decision)"#
        )
        guard allowed else {
            emit(
                "message",
                #""direction":"proxy_to_client","kind":"response","id":\#(call),"call":\#(call),"size":120,"payload":{"jsonrpc":"2.0","id":\#(call),"result":{"content":[{"type":"text","text":"mcp-firewall denied the call to `\#(tool.name)`."}],"isError":true}}"#
            )
            return
        }
        let answer =
            #"{"jsonrpc":"2.0","id":\#(call),"result":{"content":[{"type":"text","text":"{\"id\":\"\#(employee)\",\"name\":\"Employee \#(call % 5000)\",\"department\":\"engineering\",\"title\":\"Engineer\"}"}]}}"#
        emit(
            "message",
            #""direction":"server_to_client","kind":"response","id":\#(call),"call":\#(call),"size":\#(answer.utf8.count),"payload":\#(answer)"#
        )
        emit(
            "result",
            #""call":\#(call),"id":\#(call),"tool":"\#(tool.name)","outcome":"ok","is_error":false,"duration_ms":0.\#(100 + call % 800)"#
        )
    }
}

extension String {
    /// The string with zeros in front, to `width` characters.
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
