import FirewallCore
import Foundation

/// Reads the demo's audit records back and renders the summary table: every call, its class,
/// decision and who decided, as recorded (not as the demo believes).
struct DemoSummary {
    struct Row {
        var call: Int
        var tool: String
        var toolClass: String
        var decision: String
        var decidedBy: String
        var result: String
    }

    var rows: [Row] = []
    var sessionID: String?

    /// Collects the rows of the last session in the audit log at `path`.
    init(auditPath path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DemoError(message: "cannot read \(path)")
        }
        var decisions: [Int: JSONValue] = [:]
        var results: [Int: JSONValue] = [:]
        for line in data.split(separator: UInt8(ascii: "\n")) {
            guard let record = try? JSONParser.parse(Array(line), rules: .document) else { continue }
            switch record["event"]?.stringValue {
            case "session_start":
                sessionID = record["session"]?.stringValue
                decisions.removeAll()
                results.removeAll()
            case "decision":
                if let call = record["call"]?.doubleValue.flatMap({ Int(exactly: $0) }) { decisions[call] = record }
            case "result":
                if let call = record["call"]?.doubleValue.flatMap({ Int(exactly: $0) }) { results[call] = record }
            default:
                break
            }
        }
        rows = decisions.keys.sorted().map { call in
            let decision = decisions[call]!
            return Row(
                call: call, tool: decision["tool"]?.stringValue ?? "?",
                toolClass: decision["class"]?.stringValue ?? "?",
                decision: Self.decisionLabel(decision), decidedBy: Self.decidedBy(decision),
                result: Self.resultLabel(results[call], decision: decision)
            )
        }
    }

    static func decisionLabel(_ record: JSONValue) -> String {
        let final = record["decision"]?.stringValue ?? "?"
        let policy = record["policy_decision"]?.stringValue ?? "?"
        return policy == "confirm" ? "confirm → \(final)" : final
    }

    /// "policy rule `x` (file:line)", "human alice via terminal", "nobody: no approver available".
    static func decidedBy(_ record: JSONValue) -> String {
        let by = record["decided_by"]
        let rule = record["rule"].map {
            "`\($0["name"]?.stringValue ?? "?")` (\($0["file"]?.stringValue ?? "?"):\(Int(exactly: $0["line"]?.doubleValue ?? 0) ?? 0))"
        }
        switch by?["kind"]?.stringValue {
        case "human":
            let outcome = record["approval"]?["outcome"]?.stringValue.map { "\($0) " } ?? ""
            return "\(outcome)by human \(by?["identity"]?.stringValue ?? "?") via \(by?["channel"]?.stringValue ?? "?")"
        case "client":
            let outcome = record["approval"]?["outcome"]?.stringValue.map { "\($0) " } ?? ""
            let client = by?["identity"]?.stringValue.map { " (\($0))" } ?? ""
            return "\(outcome)by the client\(client) via \(by?["channel"]?.stringValue ?? "?")"
        default:
            if let outcome = record["approval"]?["outcome"]?.stringValue {
                return "nobody: \(outcome) (\(record["approval"]?["detail"]?.stringValue ?? ""))"
            }
            if let rule { return "policy rule \(rule)" }
            if record["decision_source"]?.stringValue == "unlisted" { return "policy setting for unlisted tools" }
            return "policy default for \(record["class"]?.stringValue ?? "?") tools"
        }
    }

    static func resultLabel(_ result: JSONValue?, decision: JSONValue) -> String {
        guard let result else { return decision["decision"]?.stringValue == "deny" ? "not executed" : "no answer" }
        switch result["outcome"]?.stringValue {
        case "ok": return "ok"
        case "tool_error": return "tool error"
        case let other?: return other
        case nil: return "?"
        }
    }

    /// The table as aligned text.
    func render() -> String {
        let header = ["#", "tool", "class", "decision", "decided by", "result"]
        let body = rows.map { [String($0.call), $0.tool, $0.toolClass, $0.decision, $0.decidedBy, $0.result] }
        let widths = header.indices.map { column in ([header] + body).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(
                separator: "  "
            )
            .trimmingCharacters(in: .whitespaces)
        }
        return ([line(header), line(widths.map { String(repeating: "─", count: $0) })] + body.map(line)).joined(
            separator: "\n")
    }
}
