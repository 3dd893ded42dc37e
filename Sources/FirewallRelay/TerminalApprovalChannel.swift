import FirewallCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Asks the person at the controlling terminal (`/dev/tty`), which works while the MCP client owns
/// our stdin and stdout. One prompt at a time; answers: y(es), n(o).
package final class TerminalApprovalChannel: ApprovalChannel {
    package let name = "terminal"
    package let isAvailable: Bool
    package var whereToAnswer: String { "the terminal (\(path))" }
    private let path: String
    private let queue = PromptQueue()
    private let identity: String

    /// `path` is the terminal device; availability is probed once by opening it.
    package init(path: String = "/dev/tty", disabled: Bool = false) {
        self.path = path
        let fd = disabled ? -1 : open(path, O_RDWR | O_NOCTTY | O_CLOEXEC)
        if fd >= 0 { close(fd) }
        self.isAvailable = fd >= 0
        self.identity = Self.userName()
    }

    package func requestApproval(_ request: ApprovalRequest) async -> ApprovalResponse {
        guard await queue.acquire() else {
            return ApprovalResponse(
                outcome: .cancelled, approver: approver, detail: "withdrawn before the prompt was shown")
        }
        defer { queue.release() }
        let wake: (read: Int32, write: Int32)
        do {
            wake = try Posix.pipe()
        } catch {
            return unavailable("cannot create a wake-up pipe: \(error)")
        }
        defer {
            close(wake.read)
            close(wake.write)
        }
        let answer = OneShot<PromptResult>()
        let prompt = Self.promptText(request, now: Posix.now())
        let path = self.path
        let remembers = request.remember != .never
        let deadline = request.deadline
        let thread = Thread {
            answer.fulfil(
                Self.ask(path: path, prompt: prompt, wake: wake.read, deadline: deadline, remembers: remembers))
        }
        thread.name = "mcp-firewall.terminal-prompt"
        thread.start()
        // The prompt thread finishes promptly once woken, so waiting for it through a cancellation is
        // bounded; it must be awaited so the wake-up pipe outlives it.
        let final = await withTaskCancellationHandler {
            await answer.valueIgnoringCancellation()
        } onCancel: {
            var byte: UInt8 = 1
            _ = write(wake.write, &byte, 1)
        }
        switch final {
        case .approved:
            return ApprovalResponse(outcome: .approved, approver: approver, detail: "approved at the terminal")
        case .approvedAndRemembered:
            return ApprovalResponse(
                outcome: .approved, approver: approver,
                detail: "approved at the terminal, remembered (\(request.remember.description))", remember: true)
        case .declined:
            return ApprovalResponse(outcome: .declined, approver: approver, detail: "declined at the terminal")
        case .interrupted:
            return ApprovalResponse(outcome: .cancelled, approver: approver, detail: "the prompt was withdrawn")
        case .failed(let reason): return unavailable(reason)
        }
    }

    private var approver: Approver { Approver(kind: .human, channel: name, identity: identity) }

    private func unavailable(_ reason: String) -> ApprovalResponse {
        ApprovalResponse(
            outcome: .unattended, approver: Approver(kind: .policy, channel: name),
            detail: "terminal unavailable: \(reason)")
    }

    enum PromptResult: Sendable {
        case approved
        case approvedAndRemembered
        case declined
        case interrupted
        case failed(String)
    }

    /// Writes the prompt and reads answers until one is valid, the wake pipe fires, or the terminal fails.
    ///
    /// Input typed before the prompt appeared is discarded first: a stray `y` must never approve a
    /// call its typist has not seen. Enter may arrive as `\n` or `\r` (raw-mode terminals).
    static func ask(path: String, prompt: String, wake: Int32, deadline: Double, remembers: Bool) -> PromptResult {
        let fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { return .failed(Posix.errorText(errno)) }
        defer { close(fd) }
        _ = tcflush(fd, TCIFLUSH)
        func say(_ text: String) {
            _ = Array(text.utf8).withUnsafeBytes { Posix.writeAll(fd, $0) }
        }
        say(prompt)
        var line: [UInt8] = []
        var fds = [
            pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            fds[0].revents = 0
            fds[1].revents = 0
            guard poll(&fds, 2, -1) >= 0 else {
                if errno == EINTR { continue }
                return .failed(Posix.errorText(errno))
            }
            if fds[1].revents != 0 {
                say(Posix.now() >= deadline ? "\n(timed out: denied)\n" : "\n(withdrawn)\n")
                return .interrupted
            }
            var byte: UInt8 = 0
            let count = read(fd, &byte, 1)
            if count <= 0 {
                if count < 0 && errno == EINTR { continue }
                return .failed("the terminal closed")
            }
            guard byte == 0x0A || byte == 0x0D else {
                if line.count < 64 { line.append(byte) }
                continue
            }
            let word = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                .lowercased()
            line.removeAll()
            switch word {
            case "": continue
            case "y", "yes": return .approved
            case "n", "no": return .declined
            case "a" where remembers, "always" where remembers:
                return .approvedAndRemembered
            default: say(remembers ? "Please answer y, n or a: " : "Please answer y or n: ")
            }
        }
    }

    /// The prompt: server, tool, class, rule, reason and a bounded, sanitised view of the arguments.
    static func promptText(_ request: ApprovalRequest, now: Double) -> String {
        let decision = request.decision
        let arguments = ApprovalSummary.argumentLines(request.arguments).joined(separator: ",\n           ")
        let rule = ApprovalSummary.ruleText(decision)
        // The time left, not the configured timeout: a prompt queued behind another has less.
        let seconds = max(0, Int((request.deadline - now).rounded()))
        let question =
            request.remember == .never
            ? "Allow this call? [y/n]"
            : "Allow this call? [y = yes, n = no, a = yes and allow `\(ApprovalSummary.sanitize(request.tool))` for \(request.remember.span)]"
        return """

            ── mcp-firewall: approval needed [\(request.id)] ──
              server : \(ApprovalSummary.sanitize(request.server))
              tool   : \(ApprovalSummary.sanitize(request.tool)) (\(decision.toolClass.rawValue))
              rule   : \(ApprovalSummary.sanitize(rule))
              reason : \(ApprovalSummary.sanitize(decision.reason))
              args   : \(arguments)
            \(question) (denied after \(seconds) s): 
            """
    }

    /// The login name of the user running the proxy: the account the terminal belongs to.
    package static func userName() -> String {
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"] ?? "uid \(getuid())"
    }

}
