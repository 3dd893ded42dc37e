import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Posix {
    /// Starts `body` on a new thread named `name`, for the relay's blocking work kept off the pool.
    ///
    /// The thread blocks SIGPIPE first: a write to a peer that went away must cost that write an
    /// EPIPE, never the process, even where nobody set SIGPIPE to be ignored (tests, embedders).
    static func startThread(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            var pipeSignal = sigset_t()
            sigemptyset(&pipeSignal)
            sigaddset(&pipeSignal, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
            body()
        }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Adds `O_NONBLOCK` to `fd`'s status flags.
    static func setNonBlocking(_ fd: Int32) throws(POSIXError) {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else { throw POSIXError(errno) }
    }
}
