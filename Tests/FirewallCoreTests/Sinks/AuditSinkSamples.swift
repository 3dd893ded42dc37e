@testable import FirewallCore

/// Audit lines as the writer writes them, for the sink tests.
enum AuditSinkSamples {
    static let session = "0f5b5be2-1111-4222-8333-944445555666"

    static func line(_ seq: Int, _ event: String, _ rest: String = "", session: String = session) -> String {
        #"{"v":1,"seq":\#(seq),"ts":"2026-11-25T21:27:40.516703Z","session":"\#(session)","event":"\#(event)""#
            + (rest.isEmpty ? "" : "," + rest) + "}\n"
    }

    static let start = line(
        1, "session_start",
        #""proxy":{"name":"mcp-firewall","version":"0.1.0","pid":7},"server":{"argv":["hr-server"]},"policy":{"path":"p.yaml","sha256":"ab"},"environment":"prod","payload_limit":65536"#
    )
    static let negotiated = line(
        2, "session_negotiated",
        #""era":"legacy","protocol_version":"2025-11-25","client_info":{"name":"claude-code","version":"2.1"},"server_info":{"name":"hr","version":"0.3"}"#
    )
    static let decision = line(
        3, "decision",
        #""call":1,"id":4,"era":"legacy","tool":"update_salary","arguments":{"employee_id":"E-1"},"class":"write","class_source":"rule","policy_decision":"confirm","decision":"allow","decision_source":"rule","rule":{"name":"update_salary","file":"p.yaml","line":12,"column":5},"matched_rules":[],"reason":"Salary changes are approved","tags":["SOC2","payroll"],"decided_by":{"kind":"human","channel":"web","identity":"alice"},"approval":{"id":"approval-1","outcome":"approved"}"#
    )
    static let denied = line(
        4, "decision",
        #""call":2,"id":5,"era":"legacy","tool":"delete_employee","arguments":{},"class":"sensitive","policy_decision":"deny","decision":"deny","decision_source":"class_default","matched_rules":[],"reason":"sensitive tools default to deny","tags":[],"decided_by":{"kind":"policy","channel":"policy"}"#
    )
    static let result = line(
        5, "result",
        #""call":1,"id":4,"tool":"update_salary","outcome":"tool_error","is_error":true,"duration_ms":12.6"#)
    static let listed = line(6, "tools_listed", #""tools":["a","b"],"hidden":["b"],"unmatched_rules":[]"#)
    static let end = line(7, "session_end", #""reason":"client closed its input","counts":{},"duration_ms":900.1"#)

    static var all: [String] { [start, negotiated, decision, denied, result, listed, end] }

    static func bytes(_ lines: [String]) -> [UInt8] { Array(lines.joined().utf8) }
}
