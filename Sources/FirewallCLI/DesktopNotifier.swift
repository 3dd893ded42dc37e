import FirewallCore
import Foundation
import Logging

/// Says on the desktop that a call started waiting: `notify-send` on Linux, `osascript` on macOS, when
/// found on `PATH`. The program runs as a child of its own with no shell; a failure is logged, never fatal.
struct DesktopNotifier: Sendable {
    /// The program and arguments to run for a notice, or nil when none is installed.
    let command: @Sendable (_ title: String, _ body: String) -> [String]?
    let logger: Logger

    /// The notifier for this system and `PATH`.
    init(environment: [String: String], logger: Logger) {
        self.logger = logger
        let path = environment["PATH"] ?? "/usr/bin:/bin"
        #if os(macOS)
        let program = Self.find("osascript", path: path)
        command = { title, body in
            program.map {
                [$0, "-e", "display notification \(Self.appleScript(body)) with title \(Self.appleScript(title))"]
            }
        }
        #else
        let program = Self.find("notify-send", path: path)
        command = { title, body in program.map { [$0, "--app-name=mcp-firewall", title, body] } }
        #endif
    }

    /// A notice for `submission`: "example-hr-server wants update_salary".
    func notify(_ submission: ApproverSubmission) {
        let tool = submission.request["tool"]?.stringValue ?? "a tool"
        let title = "mcp-firewall: approval needed"
        let body = ApprovalSummary.sanitize("\(submission.label) wants to run \(tool)")
        guard let argv = command(title, body), let executable = argv.first else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(argv.dropFirst())
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let logger = self.logger
        process.terminationHandler = { finished in
            if finished.terminationStatus != 0 {
                logger.notice(
                    "desktop notification failed",
                    metadata: ["program": "\(executable)", "status": "\(finished.terminationStatus)"])
            }
        }
        do {
            try process.run()
        } catch {
            logger.notice("desktop notification failed", metadata: ["program": "\(executable)", "error": "\(error)"])
        }
    }

    /// The first executable `name` in the `PATH` folders.
    static func find(_ name: String, path: String) -> String? {
        path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// `text` as an AppleScript string literal.
    static func appleScript(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
