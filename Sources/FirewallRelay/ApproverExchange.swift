import FirewallCore
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One call's conversation with the approver, on a thread of its own: connect, send the submission, wait
/// for the one reply line. Cancelling the awaiting task wakes the thread, which sends the withdraw line and
/// closes the connection (the approver takes the call off its page).
final class ApproverExchange: Sendable {
    /// How the conversation ended.
    enum End: Sendable, Equatable {
        /// The reply line, without its newline.
        case reply([UInt8])
        /// Nobody listens on the socket (or it could not be reached at all).
        case notRunning(String)
        /// The approver closed the connection, or it failed, before replying.
        case wentAway(String)
        /// Withdrawn by cancellation.
        case withdrawn
    }

    private let path: String
    private let line: [UInt8]
    private let wake: (read: Int32, write: Int32)
    private let woken = Mutex(false)

    init(path: String, line: [UInt8]) throws(POSIXError) {
        self.path = path
        self.line = line
        self.wake = try Posix.pipe()
    }

    deinit {
        Posix.close(wake.read)
        Posix.close(wake.write)
    }

    /// Runs the conversation; returns when it ends (at once after cancellation).
    func run() async -> End {
        let done = OneShot<End>()
        Posix.startThread(name: "mcp-firewall.approver") { [self] in
            done.fulfil(self.converse())
        }
        // The thread always ends soon after a wake-up, so its end is awaited rather than abandoned.
        return await withTaskCancellationHandler {
            await done.valueIgnoringCancellation()
        } onCancel: {
            self.withdraw()
        }
    }

    private func withdraw() {
        let first = woken.withLock { flag in
            defer { flag = true }
            return !flag
        }
        guard first else { return }
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
    }

    private func converse() -> End {
        let fd: Int32
        switch ApproverSocket.connect(path) {
        case .success(let connected): fd = connected
        case .failure(let error): return .notRunning("\(error)")
        }
        defer { Posix.close(fd) }
        do {
            try Posix.setNonBlocking(fd)
        } catch {
            return .wentAway("\(error)")
        }
        var unsent = line[...]
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var fds = [pollfd(fd: fd, events: 0, revents: 0), pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
        while true {
            fds[0].events = Int16(POLLIN) | (unsent.isEmpty ? 0 : Int16(POLLOUT))
            fds[0].revents = 0
            fds[1].revents = 0
            if poll(&fds, 2, -1) < 0 {
                if errno == EINTR { continue }
                return .wentAway(Posix.errorText(errno))
            }
            if fds[1].revents != 0 {
                // Best effort: the approver also withdraws the call when the connection closes.
                if unsent.isEmpty {
                    _ = ApproverSubmission.withdrawLine.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, noSignal) }
                }
                return .withdrawn
            }
            if !unsent.isEmpty, fds[0].revents & Int16(POLLOUT) != 0 {
                let sent = unsent.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, noSignal) }
                if sent > 0 {
                    unsent = unsent.dropFirst(sent)
                } else if sent < 0, errno != EAGAIN, errno != EINTR {
                    return .wentAway(Posix.errorText(errno))
                }
            }
            guard fds[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 else { continue }
            let count = read(fd, &chunk, chunk.count)
            if count > 0 {
                received += chunk[0..<count]
                if let newline = received.firstIndex(of: UInt8(ascii: "\n")) {
                    return .reply(Array(received[..<newline]))
                }
                guard received.count <= ApproverSubmission.maxLineBytes else {
                    return .wentAway("its reply is larger than \(ApproverSubmission.maxLineBytes) bytes")
                }
            } else if count == 0 {
                return .wentAway("the connection closed")
            } else if errno != EAGAIN, errno != EINTR {
                return .wentAway(Posix.errorText(errno))
            }
        }
    }
}

#if canImport(Glibc)
private let noSignal = Int32(MSG_NOSIGNAL)
#else
private let noSignal: Int32 = 0
#endif
