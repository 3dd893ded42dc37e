/// The tool lists servers gave in recorded sessions: the `tools` of every `tools_listed` record of an
/// audit log, for checking a policy's tool names offline (`policy check --tools-from`).
package enum RecordedToolLists {
    /// Every tool name listed in the log, first appearance first, and what was wrong with the log.
    package static func read(_ bytes: [UInt8], path: String) -> (tools: [String], diagnostics: [PolicyDiagnostic]) {
        var tools: [String] = []
        var seen: Set<String> = []
        var lists = 0
        var lineNumber = 0
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            // Cheap test first: only `tools_listed` records are parsed.
            guard line.count > 20, line.firstRange(of: Array(#""event":"tools_listed""#.utf8)) != nil,
                let record = try? JSONParser.parse(Array(line), rules: .document),
                record["event"]?.stringValue == "tools_listed", case .array(let names)? = record["tools"]
            else { continue }
            lists += 1
            for case .string(let name) in names where seen.insert(name).inserted { tools.append(name) }
        }
        guard lists == 0 else { return (tools, []) }
        let diagnostic = PolicyDiagnostic(
            .warning, "the log records no server tool list (`tools_listed`)",
            at: SourceLocation(file: path, line: 1, column: 1),
            hint: "logs written by mcp-firewall record one after the server's first complete tools/list")
        return (tools, [diagnostic])
    }
}
