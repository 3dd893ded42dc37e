import ArgumentParser
import FirewallCore
import FirewallRelay
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `mcp-firewall audit tail FILE`: an audit log, one readable line per record.
struct AuditTailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print an audit log readably, with filters; --follow keeps printing as it grows.",
        discussion: """
            Each record becomes one line: time (UTC), the session's first 8 characters, seq, event, and what \
            matters for it (tool, decision and who decided, outcome). Text from the log is escaped, so it \
            cannot control the terminal. Lines that are not records (a line cut short by a crash) are \
            flagged. --follow waits for new lines without polling (inotify; Linux only) and follows a \
            rotation to the new file. Exit codes: 0, 1 the log cannot be read, 64 usage.
            """
    )

    @Argument(help: "The audit log (JSONL).")
    var file: String

    @Flag(name: [.short, .long], help: "Keep printing records as they are written, until interrupted.")
    var follow = false

    @Option(help: "Only this session (its id, or the first characters of it). Repeatable.")
    var session: [String] = []

    @Option(help: "Only this event (decision, result, session_start…). Repeatable.")
    var event: [String] = []

    @Option(help: "Only records of this tool. Repeatable.")
    var tool: [String] = []

    @Flag(help: "Print the matching records' exact lines instead of readable ones.")
    var json = false

    func validate() throws {
        if follow, !AuditLogFollower.canFollow {
            throw ValidationError("--follow needs inotify, which this platform lacks (only Linux is supported)")
        }
    }

    func run() throws {
        let filter = AuditRecordFilter(sessions: session, events: event, tools: tool)
        let formatter = AuditLineFormatter(colour: !json && isatty(1) == 1)
        var failure: String?
        var output: [UInt8] = []
        /// Writes what is buffered to stdout; false when stdout is gone.
        func flush() -> Bool {
            defer { output.removeAll(keepingCapacity: true) }
            var sent = 0
            while sent < output.count {
                let count = output.withUnsafeBytes { write(1, $0.baseAddress! + sent, $0.count - sent) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { return false }
                sent += count
            }
            return true
        }
        do {
            try AuditLogFollower(path: file).lines(follow: follow) { line in
                let record = filter.isEmpty && json ? nil : Self.record(line)
                guard filter.matches(record) else { return true }
                if json {
                    output += line
                } else {
                    output += Array((record.map(formatter.format) ?? formatter.format(line)).utf8)
                    output.append(0x0A)
                }
                guard follow || output.count >= 1 << 16 else { return true }
                guard flush() else {
                    failure = "cannot write to stdout"
                    return false
                }
                return true
            }
        } catch {
            failure = error.message
        }
        if failure == nil, !flush() { failure = "cannot write to stdout" }
        if let failure {
            StandardError.write("mcp-firewall: \(failure)")
            throw ExitCode(ExitCodes.policyOrAudit)
        }
    }

    private static func record(_ line: ArraySlice<UInt8>) -> JSONValue? {
        let trimmed = line.last == 0x0A ? line.dropLast() : line
        guard let record = try? JSONParser.parse(Array(trimmed), rules: .document), case .object = record else {
            return nil
        }
        return record
    }
}
