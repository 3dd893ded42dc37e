import FirewallCore
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Asks an external program (`approval.command`): a chat-ops bridge, a ticket system, a script.
///
/// The program is started without a shell, in its own process group, with the request document
/// (`ApprovalRequest.json()`) and a newline on its stdin, which is then closed; it answers with one
/// decision document on stdout (see `ApprovalAnswer`) and exits 0. Its environment is ours plus
/// `MCP_FIREWALL_APPROVAL_ID` and `MCP_FIREWALL_TOOL`. Anything else (a non-zero exit, a signal, more
/// than 64 KiB of output, a malformed answer) is a fail-closed `unattended` response whose detail names
/// the cause and quotes the start of the hook's stderr. When the request is withdrawn or times out the
/// hook's process group gets SIGTERM, then SIGKILL after `killGrace`; the hook is always reaped.
package final class CommandApprovalChannel: ApprovalChannel {
    package let name = "command"
    package let isAvailable: Bool
    package let hook: ApprovalSettings.CommandHook
    package var whereToAnswer: String { "the approval.command hook (`\(hook.argv.first ?? "")`)" }
    /// Hooks running at once; a request beyond this is answered `unattended` at once.
    package let maxConcurrentHooks: Int
    private let killGrace: Duration
    private let environment: [String: String]?
    private let withheldEnvironment: Set<String>
    private let running = Mutex(0)

    /// The most stdout a hook may write.
    package static let outputLimit = ApprovalAnswer.maxDocumentBytes
    /// How much of a hook's stderr is kept for failure details.
    package static let stderrLimit = 4096

    /// `environment` replaces the inherited one (tests); nil inherits the proxy's at each spawn.
    package init(
        hook: ApprovalSettings.CommandHook, maxConcurrentHooks: Int = 8, killGrace: Duration = .seconds(1),
        environment: [String: String]? = nil, withheldEnvironment: Set<String> = []
    ) {
        self.withheldEnvironment = withheldEnvironment
        self.hook = hook
        self.isAvailable = !hook.argv.isEmpty
        self.maxConcurrentHooks = maxConcurrentHooks
        self.killGrace = killGrace
        self.environment = environment
    }

    package func requestApproval(_ request: ApprovalRequest) async -> ApprovalResponse {
        let source = ApprovalAnswer.Source.command
        guard isAvailable else { return source.failure("no approval hook is configured") }
        let reserved = running.withLock { count in
            guard count < maxConcurrentHooks else { return false }
            count += 1
            return true
        }
        guard reserved else {
            return source.failure("too many approval hooks are running (at most \(maxConcurrentHooks) at once)")
        }
        defer { running.withLock { $0 -= 1 } }
        guard !Task.isCancelled else {
            return ApprovalResponse(
                outcome: .cancelled, approver: Approver(kind: .policy, channel: source.channel),
                detail: "withdrawn before the approval hook was started")
        }
        let control: (read: Int32, write: Int32)
        do {
            control = try Posix.pipe()
        } catch {
            return source.failure("cannot start the approval hook: cannot create a pipe: \(error)")
        }
        let child: ChildProcess
        do {
            child = try ChildProcess(argv: hook.argv, environment: environment(for: request), captureStderr: true)
        } catch {
            close(control.read)
            close(control.write)
            return source.failure("cannot start the approval hook: \(error)")
        }
        let run = await Self.run(child, input: request.json() + [0x0A], control: control, grace: killGrace)
        return Self.response(run, request: request)
    }

    private func environment(for request: ApprovalRequest) -> [String] {
        var variables = (environment ?? ProcessInfo.processInfo.environment).filter {
            !withheldEnvironment.contains($0.key)
        }
        variables["MCP_FIREWALL_APPROVAL_ID"] = request.id
        variables["MCP_FIREWALL_TOOL"] = request.tool
        return variables.map { "\($0.key)=\($0.value)" }
    }

    /// How one hook run ended.
    struct Run: Sendable {
        var termination: ChildProcess.Termination
        /// True when the channel stopped the hook (cancellation, too much output).
        var stopped: Bool
        var exchange: Exchange.Result
    }

    /// Feeds the hook and collects its output on a dedicated thread while waiting for its exit; on
    /// cancellation stops it. Returns only once the hook is reaped and the thread has ended.
    static func run(
        _ child: ChildProcess, input: [UInt8], control: (read: Int32, write: Int32), grace: Duration
    ) async -> Run {
        let exchange = OneShot<Exchange.Result>()
        let stderrFD = child.stderrFD ?? -1
        let thread = Thread {
            exchange.fulfil(
                Exchange.run(
                    input: input, stdin: child.stdinFD, stdout: child.stdoutFD, stderr: stderrFD,
                    control: control.read, closeStdin: child.closeStdin))
        }
        thread.name = "mcp-firewall.approval-hook"
        thread.start()
        enum First: Sendable {
            case exited(ChildProcess.Termination)
            case exchanged(Exchange.Result)
        }
        let first: First? = await withTaskGroup(of: First?.self) { group in
            group.addTask { await child.termination().map(First.exited) }
            group.addTask { await exchange.value().map(First.exchanged) }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        var termination: ChildProcess.Termination?
        var result: Exchange.Result?
        switch first {
        case .exited(let status):
            termination = status
            // Collect what is left in the pipes without waiting for an end of file that a process the
            // hook left behind could hold off forever.
            Exchange.signal(control.write, Exchange.drain)
        case .exchanged(let finished):
            result = finished
            if finished.end == .finished { termination = await child.termination() }
        case nil:
            break
        }
        let (exited, collected) = (termination, result)
        // Runs even when this task is cancelled: the hook must be stopped and reaped, and the thread
        // must end before the descriptors it polls are closed.
        return await withUncancelledTask {
            await finish(
                child, control: control, exchange: exchange, termination: exited, result: collected, grace: grace)
        }
    }

    private static func finish(
        _ child: ChildProcess, control: (read: Int32, write: Int32), exchange: OneShot<Exchange.Result>,
        termination: ChildProcess.Termination?, result: Exchange.Result?, grace: Duration
    ) async -> Run {
        var status = termination
        if status == nil {
            Exchange.signal(control.write, Exchange.stop)
            child.send(SIGTERM)
            status = await child.waitForExit(within: grace)
            if status == nil {
                child.send(SIGKILL)
                status = await child.termination()
            }
        }
        // Whatever the hook left running in its group goes too (a no-op when nothing is left).
        kill(-child.pid, SIGKILL)
        var collected = result
        if collected == nil { collected = await exchange.valueIgnoringCancellation() }
        child.closeStdin()
        close(child.stdoutFD)
        if let stderrFD = child.stderrFD { close(stderrFD) }
        close(control.read)
        close(control.write)
        return Run(
            termination: status ?? .signaled(SIGKILL), stopped: termination == nil,
            exchange: collected ?? Exchange.Result(end: .stopped))
    }

    static func response(_ run: Run, request: ApprovalRequest) -> ApprovalResponse {
        let source = ApprovalAnswer.Source.command
        let note = stderrNote(run.exchange.stderr)
        switch run.exchange.end {
        case .overflow:
            return source.failure("approval hook wrote more than \(outputLimit) bytes to stdout\(note)")
        case .failed(let reason):
            return source.failure("cannot talk to the approval hook: \(reason)\(note)")
        case .finished, .stopped:
            if run.stopped {
                return ApprovalResponse(
                    outcome: .cancelled, approver: Approver(kind: .policy, channel: source.channel),
                    detail: "the approval hook was stopped before it answered")
            }
        }
        switch run.termination {
        case .exited(0):
            let response = ApprovalAnswer.response(parsing: run.exchange.stdout, to: request, from: source)
            guard response.outcome == .unattended else { return response }
            return source.failure(response.detail + note)
        case .exited(let code):
            return source.failure("approval hook exited with status \(code)\(note)")
        case .signaled(let signal):
            return source.failure("approval hook was killed by signal \(signal)\(note)")
        }
    }

    /// "; stderr: …" with the captured stderr on one line (at most `stderrLimit` characters), or
    /// nothing when the hook wrote none.
    static func stderrNote(_ bytes: [UInt8]) -> String {
        let lines = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !lines.isEmpty else { return "" }
        let text = ApprovalSummary.sanitize(lines.joined(separator: " | "))
        let cut = bytes.count >= stderrLimit || text.count > stderrLimit
        return "; stderr: " + text.prefix(stderrLimit) + (cut ? " …" : "")
    }
}

/// Runs `body` in a task of its own, which the caller's cancellation does not reach, and waits for it.
///
/// Structured despite appearances: the task is awaited before this returns (the pattern of
/// swift-subprocess's teardown). For clean-up that must finish even when the caller was cancelled.
private func withUncancelledTask<Result: Sendable>(_ body: @escaping @Sendable () async -> Result) async -> Result {
    await Task { await body() }.value
}

extension CommandApprovalChannel {
    /// The hook's three pipes, served by one blocking thread: the request goes in, stdout (bounded) and
    /// the start of stderr come out. A byte on the control pipe stops it (`stop`) or tells it the hook
    /// has exited (`drain`: take what is buffered and end).
    enum Exchange {
        enum End: Sendable, Equatable {
            /// Both output pipes reached end of file, or were drained after the hook exited.
            case finished
            /// stdout passed `outputLimit`.
            case overflow
            /// Stopped through the control pipe.
            case stopped
            case failed(String)
        }

        struct Result: Sendable {
            var stdout: [UInt8] = []
            var stderr: [UInt8] = []
            var end: End = .finished
        }

        static let stop = UInt8(ascii: "s")
        static let drain = UInt8(ascii: "d")

        static func signal(_ fd: Int32, _ byte: UInt8) {
            var byte = byte
            _ = write(fd, &byte, 1)
        }

        static func run(
            input: [UInt8], stdin: Int32, stdout: Int32, stderr: Int32, control: Int32, closeStdin: () -> Void
        ) -> Result {
            // A hook that exits without reading its input must cost an EPIPE, not the process.
            var pipeSignal = sigset_t()
            sigemptyset(&pipeSignal)
            sigaddset(&pipeSignal, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
            for fd in [stdin, stdout, stderr] where fd >= 0 { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
            var result = Result()
            var written = 0
            var stdinOpen = true
            var stdoutOpen = true
            var stderrOpen = stderr >= 0
            var draining = false
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
            defer { chunk.deallocate() }
            func finishInput() {
                stdinOpen = false
                closeStdin()
            }
            /// Reads what `fd` has now, keeping at most `limit` bytes in all: false at end of file.
            func take(_ fd: Int32, into output: inout [UInt8], limit: Int) -> Swift.Result<Bool, POSIXError> {
                let count = read(fd, chunk.baseAddress, chunk.count)
                if count > 0 {
                    let kept = min(count, max(0, limit - output.count))
                    output.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<kept]))
                    return .success(true)
                }
                if count == 0 { return .success(false) }
                return errno == EINTR || errno == EAGAIN ? .success(true) : .failure(POSIXError(errno))
            }
            while stdoutOpen || stderrOpen {
                var fds = [pollfd(fd: control, events: Int16(POLLIN), revents: 0)]
                fds.append(pollfd(fd: stdinOpen ? stdin : -1, events: Int16(POLLOUT), revents: 0))
                fds.append(pollfd(fd: stdoutOpen ? stdout : -1, events: Int16(POLLIN), revents: 0))
                fds.append(pollfd(fd: stderrOpen ? stderr : -1, events: Int16(POLLIN), revents: 0))
                let ready = poll(&fds, nfds_t(fds.count), draining ? 0 : -1)
                if ready < 0 {
                    if errno == EINTR { continue }
                    result.end = .failed(Posix.errorText(errno))
                    return result
                }
                if draining && ready == 0 { break }
                if fds[0].revents != 0 {
                    var byte: UInt8 = 0
                    if read(control, &byte, 1) == 1, byte == drain {
                        draining = true
                        if stdinOpen { finishInput() }
                    } else {
                        result.end = .stopped
                        return result
                    }
                }
                if stdinOpen && fds[1].revents != 0 {
                    let count = input[written...].withUnsafeBytes { write(stdin, $0.baseAddress, $0.count) }
                    if count > 0 { written += count }
                    // EPIPE: the hook does not want its input, which is its business.
                    if written == input.count || (count < 0 && errno != EINTR && errno != EAGAIN) { finishInput() }
                }
                if stdoutOpen && fds[2].revents != 0 {
                    switch take(stdout, into: &result.stdout, limit: outputLimit + 1) {
                    case .success(true) where result.stdout.count > outputLimit:
                        result.end = .overflow
                        return result
                    case .success(let open): stdoutOpen = open
                    case .failure(let error):
                        result.end = .failed("reading its stdout: \(error)")
                        return result
                    }
                }
                if stderrOpen && fds[3].revents != 0 {
                    // Past the limit stderr is still read, so the hook never blocks on it, and dropped.
                    stderrOpen = (try? take(stderr, into: &result.stderr, limit: stderrLimit).get()) ?? false
                }
            }
            return result
        }
    }
}
