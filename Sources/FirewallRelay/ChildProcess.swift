import FirewallCore
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The MCP server the proxy fronts: spawned with pipes on stdin/stdout, stderr shared with ours.
///
/// The child is reaped by a dedicated thread blocked in `waitpid`, so it never becomes a zombie and
/// its exit is observed the moment it happens.
package final class ChildProcess: Sendable {
    /// How the child ended.
    package enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)

        package var description: String {
            switch self {
            case .exited(let code): "exit status \(code)"
            case .signaled(let signal): "killed by signal \(signal)"
            }
        }
    }

    package let pid: pid_t
    /// Write end of the child's stdin.
    package let stdinFD: Int32
    /// Read end of the child's stdout.
    package let stdoutFD: Int32
    /// Read end of the child's stderr when it is captured (`captureStderr`); nil when shared with ours.
    package let stderrFD: Int32?
    private let stdinOpen = Mutex(true)
    private let exit = OneShot<Termination>()

    /// Spawns `argv` (looked up on PATH when it has no slash). With `captureStderr`, the child's
    /// stderr is a pipe read through `stderrFD` (the caller closes it) instead of ours.
    package init(argv: [String], environment: [String]? = nil, captureStderr: Bool = false) throws(ChildProcessError) {
        guard let executable = argv.first else { throw ChildProcessError(message: "no server command given") }
        let stdinPipe: (read: Int32, write: Int32)
        let stdoutPipe: (read: Int32, write: Int32)
        let stderrPipe: (read: Int32, write: Int32)?
        do {
            stdinPipe = try Posix.pipe()
            stdoutPipe = try Posix.pipe()
            stderrPipe = captureStderr ? try Posix.pipe() : nil
        } catch {
            throw ChildProcessError(message: "cannot create pipes: \(error)")
        }
        let spawned = Posix.spawn(
            executable, argv: argv, environment: environment, stdin: stdinPipe.read, stdout: stdoutPipe.write,
            stderr: stderrPipe?.write)
        close(stdinPipe.read)
        close(stdoutPipe.write)
        if let stderrPipe { close(stderrPipe.write) }
        let childPID: pid_t
        switch spawned {
        case .success(let spawnedPID): childPID = spawnedPID
        case .failure(let error):
            close(stdinPipe.write)
            close(stdoutPipe.read)
            if let stderrPipe { close(stderrPipe.read) }
            throw ChildProcessError(message: "cannot start `\(executable)`: \(Posix.errorText(error.code))")
        }
        pid = childPID
        stdinFD = stdinPipe.write
        stdoutFD = stdoutPipe.read
        stderrFD = stderrPipe?.read
        startReaper()
    }

    private func startReaper() {
        let pid = self.pid
        let exit = self.exit
        let thread = Thread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 {
                guard errno == EINTR else {
                    exit.fulfil(.exited(-1))
                    return
                }
            }
            // WIFEXITED / WEXITSTATUS / WTERMSIG, spelled out: the C macros are not imported.
            let termination: Termination =
                status & 0x7F == 0 ? .exited((status >> 8) & 0xFF) : .signaled(status & 0x7F)
            exit.fulfil(termination)
        }
        thread.name = "mcp-firewall.reaper"
        thread.start()
    }

    /// Waits until the child has exited and been reaped; nil only if the waiting task is cancelled.
    package func termination() async -> Termination? {
        await exit.value()
    }

    /// The termination, if the child has already exited.
    package var exitedStatus: Termination? { exit.peek() }

    /// Closes the child's stdin (idempotent): the polite way to ask an MCP stdio server to stop.
    /// Hands the stdin descriptor to another owner (its writer), which closes it: `closeStdin` and
    /// `shutDown` then leave it alone.
    package func handOverStdin() {
        stdinOpen.withLock { $0 = false }
    }

    package func closeStdin() {
        let wasOpen = stdinOpen.withLock { open in
            defer { open = false }
            return open
        }
        if wasOpen { close(stdinFD) }
    }

    /// Sends `signal` to the child's process group unless the child has already been reaped (so a
    /// recycled pid is never hit).
    package func send(_ signal: Int32) {
        guard exit.peek() == nil else { return }
        kill(-pid, signal)
    }

    /// Closes stdin, then escalates to SIGTERM and SIGKILL (to the whole process group) if the child
    /// does not exit within `grace`; then kills whatever the child left behind in its group.
    package func shutDown(grace: Duration) async -> Termination {
        closeStdin()
        var status = await waitForExit(within: grace)
        if status == nil {
            send(SIGTERM)
            status = await waitForExit(within: grace)
        }
        if status == nil { send(SIGKILL) }
        var final = status
        if final == nil { final = await termination() }
        // While members remain the group's id cannot be recycled; with none left this is a no-op right
        // after the reap.
        kill(-pid, SIGKILL)
        return final ?? .signaled(SIGKILL)
    }

    /// The termination if it happens within `limit`, else nil.
    package func waitForExit(within limit: Duration) async -> Termination? {
        await Self.wait(exit, upTo: limit)
    }

    /// The value of `signal` if it arrives within `limit`, else nil.
    package static func wait<Value: Sendable>(_ signal: OneShot<Value>, upTo limit: Duration) async -> Value? {
        await withTaskGroup(of: Value?.self) { group in
            group.addTask { await signal.value() }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first: Value?? = await group.next()
            group.cancelAll()
            return first ?? nil
        }
    }
}

/// The server could not be started.
package struct ChildProcessError: Error, Sendable, CustomStringConvertible {
    package var message: String
    package var description: String { message }
}
