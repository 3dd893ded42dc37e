import FirewallCore
import FirewallTestSupport
import Foundation
import Testing

@testable import FirewallRelay

#if canImport(Glibc)
import Glibc
#endif

/// Asking through an `approval.command` hook: real `/bin/sh` scripts in a temporary folder.
@Suite(.timeLimit(.minutes(1)))
struct CommandApprovalChannelTests {
    /// A temporary folder holding hook scripts and what they leave behind.
    final class Folder: Sendable {
        let path: String

        init() throws {
            path = NSTemporaryDirectory() + "approval-hooks-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }

        deinit {
            try? FileManager.default.removeItem(atPath: path)
        }

        /// A shell script run as `/bin/sh SCRIPT FOLDER EXTRA…`. (Through `/bin/sh` rather than executed
        /// itself: a script written while another test spawns a process may be briefly held open for
        /// writing by that child, and executing it would fail with ETXTBSY.)
        func hook(_ body: String, extra: [String] = []) throws -> ApprovalSettings.CommandHook {
            let script = path + "/hook-\(UUID().uuidString).sh"
            try (body + "\n").write(toFile: script, atomically: true, encoding: .utf8)
            return ApprovalSettings.CommandHook(argv: ["/bin/sh", script, path] + extra)
        }

        func contents(_ name: String) -> [UInt8]? {
            FileManager.default.contents(atPath: path + "/" + name).map { Array($0) }
        }

        /// A named pipe: a hook writes its pid there once it runs, and `pid(from:)` reads it.
        func fifo(_ name: String) -> String {
            let fifo = path + "/" + name
            mkfifo(fifo, 0o600)
            return fifo
        }

        /// The read end of a new named pipe, opened without waiting for a writer.
        func fifoReader(_ name: String) -> Int32 {
            open(fifo(name), O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        }

        /// Whether every writer of the named pipe `fd` has closed it within the limit (Linux reports
        /// the hang-up only once a writer has come and gone).
        static func writersClose(_ fd: Int32, withinMilliseconds limit: Int32) async -> Bool {
            let closed = OneShot<Bool>()
            let thread = Thread {
                var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                var byte: UInt8 = 0
                while true {
                    entry.revents = 0
                    guard poll(&entry, 1, limit) > 0 else { return closed.fulfil(false) }
                    if entry.revents & Int16(POLLHUP) != 0 || read(fd, &byte, 1) == 0 { return closed.fulfil(true) }
                }
            }
            thread.start()
            return await closed.value() ?? false
        }

        /// The pid a hook wrote to the named pipe, read on a thread of its own.
        func pid(from fifo: String) async -> pid_t? {
            let line = OneShot<pid_t?>()
            let thread = Thread {
                let fd = open(fifo, O_RDONLY | O_CLOEXEC)
                var bytes = [UInt8](repeating: 0, count: 32)
                let count = fd < 0 ? 0 : read(fd, &bytes, bytes.count)
                if fd >= 0 { close(fd) }
                let text = String(decoding: bytes.prefix(max(0, count)), as: UTF8.self)
                line.fulfil(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
            }
            thread.start()
            return await line.value() ?? nil
        }
    }

    private static func isGone(_ pid: pid_t) -> Bool {
        kill(pid, 0) == -1 && errno == ESRCH
    }

    @Test func hookReceivesExactlyTheRequestAndItsApprovalIsAttributed() async throws {
        let folder = try Folder()
        let hook = try folder.hook(
            """
            cat > "$1/input"
            printf '%s %s' "$MCP_FIREWALL_APPROVAL_ID" "$MCP_FIREWALL_TOOL" > "$1/environment"
            printf '%s' "$2" > "$1/argument"
            echo '{"decision":"approve","approver":"alice@example.com","comment":"ok"}'
            """, extra: ["a b; echo $HOME > pwned"])
        let request = try ApprovalRequest.fixture()
        let response = await CommandApprovalChannel(hook: hook).requestApproval(request)
        #expect(response.outcome == .approved)
        #expect(
            response.approver
                == Approver(kind: .human, channel: "command", identity: "alice@example.com", comment: "ok"))
        #expect(response.detail == "approved by alice@example.com via the approval hook")
        #expect(folder.contents("input") == request.json() + [0x0A])
        #expect(folder.contents("environment") == Array("approval-1 update_salary".utf8))
        #expect(folder.contents("argument") == Array("a b; echo $HOME > pwned".utf8))
        #expect(folder.contents("pwned") == nil)
    }

    @Test func denialIsDeclined() async throws {
        let folder = try Folder()
        let hook = try folder.hook(#"echo '{"decision":"deny","approver":"bob","comment":"not today"}'"#)
        let response = await CommandApprovalChannel(hook: hook).requestApproval(try .fixture())
        #expect(response.outcome == .declined)
        #expect(response.approver == Approver(kind: .human, channel: "command", identity: "bob", comment: "not today"))
    }

    @Test(arguments: [
        (#"echo '{"decision":"approve"}'"#, "approval hook's answer approves without naming an `approver`"),
        ("echo yes", "approval hook's answer is not valid JSON: "),
        ("true", "approval hook's answer is not valid JSON: "),
        (
            #"echo '{"decision":"approve","approver":"alice","binding":"00ff"}'"#,
            "approval hook's answer is bound to a different call"
        ),
        (
            #"echo '{"decision":"approve","approver":"alice"}'; echo boom >&2; exit 3"#,
            "approval hook exited with status 3; stderr: boom"
        ),
        (#"kill -9 $$"#, "approval hook was killed by signal 9"),
        ("yes x | head -c 100000", "approval hook wrote more than 65536 bytes to stdout"),
        ("exec yes", "approval hook wrote more than 65536 bytes to stdout"),
    ])
    func anythingButAGoodAnswerIsUnattended(script: String, detail: String) async throws {
        let folder = try Folder()
        let response = await CommandApprovalChannel(hook: try folder.hook(script)).requestApproval(try .fixture())
        #expect(response.outcome == .unattended)
        #expect(response.approver == Approver(kind: .policy, channel: "command"))
        #expect(response.detail.hasPrefix(detail), "\(response.detail)")
    }

    @Test func stderrIsQuotedBoundedInTheFailure() async throws {
        let folder = try Folder()
        let hook = try folder.hook("echo 'first line' >&2; echo 'second line' >&2; yes e | head -c 100000 >&2; exit 1")
        let response = await CommandApprovalChannel(hook: hook).requestApproval(try .fixture())
        #expect(
            response.detail.hasPrefix("approval hook exited with status 1; stderr: first line | second line | e | e"))
        #expect(response.detail.hasSuffix(" …"))
        #expect(response.detail.count < CommandApprovalChannel.stderrLimit + 100)
    }

    @Test func hookThatCannotStartIsUnattended() async throws {
        let channel = CommandApprovalChannel(hook: .init(argv: ["/nonexistent/approval-hook"]))
        #expect(channel.isAvailable)
        let response = await channel.requestApproval(try .fixture())
        #expect(response.outcome == .unattended)
        #expect(response.detail.hasPrefix("cannot start the approval hook: cannot start `/nonexistent/approval-hook`"))
        #expect(!CommandApprovalChannel(hook: .init(argv: [])).isAvailable)
    }

    @Test func hookThatIgnoresItsInputStillAnswers() async throws {
        let folder = try Folder()
        let hook = try folder.hook(#"echo '{"decision":"deny","approver":"bob"}'"#)
        let big = JSONValue.object([.init("content", .string(String(repeating: "x", count: 1 << 20)))])
        let response = await CommandApprovalChannel(hook: hook).requestApproval(try .fixture(arguments: big))
        #expect(response.outcome == .declined)
    }

    @Test func rememberIsPassedOnWhenTheRequestAllowsIt() async throws {
        let folder = try Folder()
        let hook = try folder.hook(#"echo '{"decision":"approve","approver":"alice","remember":true}'"#)
        let channel = CommandApprovalChannel(hook: hook)
        #expect(await channel.requestApproval(try .fixture(remember: .session)).remember)
        #expect(await !channel.requestApproval(try .fixture(remember: .never)).remember)
    }

    @Test func cancellationKillsTheHook() async throws {
        let folder = try Folder()
        let fifo = folder.fifo("ready")
        let hook = try folder.hook(#"echo $$ > "$1/ready"; exec sleep 1000"#)
        let channel = CommandApprovalChannel(hook: hook)
        let request = try ApprovalRequest.fixture()
        let task = Task { await channel.requestApproval(request) }
        let pid = try #require(await folder.pid(from: fifo))
        #expect(kill(pid, 0) == 0)
        task.cancel()
        let response = await task.value
        #expect(response.outcome == .cancelled)
        #expect(response.detail == "the approval hook was stopped before it answered")
        #expect(Self.isGone(pid))
    }

    @Test func hookIgnoringSIGTERMIsKilledAfterTheGrace() async throws {
        let folder = try Folder()
        let fifo = folder.fifo("ready")
        let hook = try folder.hook(#"trap '' TERM; echo $$ > "$1/ready"; while :; do sleep 1; done"#)
        let channel = CommandApprovalChannel(hook: hook, killGrace: .milliseconds(200))
        let request = try ApprovalRequest.fixture()
        let task = Task { await channel.requestApproval(request) }
        let pid = try #require(await folder.pid(from: fifo))
        let start = ContinuousClock.now
        task.cancel()
        #expect(await task.value.outcome == .cancelled)
        #expect(ContinuousClock.now - start >= .milliseconds(200))
        #expect(Self.isGone(pid))
    }

    @Test func processesLeftBehindAreKilledAndDoNotHoldTheAnswer() async throws {
        let folder = try Folder()
        let held = folder.fifoReader("held")
        defer { close(held) }
        // The background sleep keeps the hook's stdout and the named pipe open after the hook exits.
        let hook = try folder.hook(
            #"exec 3> "$1/held"; sleep 1000 & echo '{"decision":"approve","approver":"alice"}'"#)
        let response = await CommandApprovalChannel(hook: hook).requestApproval(try .fixture())
        #expect(response.outcome == .approved)
        #expect(await Folder.writersClose(held, withinMilliseconds: 20000))
    }

    @Test func hooksRunConcurrently() async throws {
        let folder = try Folder()
        _ = folder.fifo("meet")
        // Each hook blocks until the other opens the pipe: they only finish if both run at once.
        let hook = try folder.hook(
            """
            if [ "$MCP_FIREWALL_APPROVAL_ID" = approval-1 ]; then cat "$1/meet" > /dev/null; else echo hi > "$1/meet"; fi
            echo '{"decision":"approve","approver":"alice"}'
            """)
        let channel = CommandApprovalChannel(hook: hook)
        let requests = [try ApprovalRequest.fixture(id: "approval-1"), try ApprovalRequest.fixture(id: "approval-2")]
        async let first = channel.requestApproval(requests[0])
        async let second = channel.requestApproval(requests[1])
        let outcomes = await [first.outcome, second.outcome]
        #expect(outcomes == [.approved, .approved])
    }

    @Test func requestsBeyondTheCapAreUnattended() async throws {
        let folder = try Folder()
        let fifo = folder.fifo("ready")
        let hook = try folder.hook(#"echo $$ > "$1/ready"; exec sleep 1000"#)
        let channel = CommandApprovalChannel(hook: hook, maxConcurrentHooks: 1)
        let request = try ApprovalRequest.fixture()
        let task = Task { await channel.requestApproval(request) }
        let pid = try #require(await folder.pid(from: fifo))
        let refused = await channel.requestApproval(try .fixture(id: "approval-2"))
        #expect(refused.outcome == .unattended)
        #expect(refused.detail == "too many approval hooks are running (at most 1 at once)")
        task.cancel()
        #expect(await task.value.outcome == .cancelled)
        #expect(Self.isGone(pid))
    }
}
