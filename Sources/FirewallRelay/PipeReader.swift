import FirewallCore
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Reads a file descriptor on a dedicated thread and hands each chunk to a handler, in order.
///
/// Blocking reads never occupy the cooperative thread pool. The thread sleeps in `poll` on the
/// descriptor and a wake-up pipe, so `stop()` ends it at once even if the peer never writes or
/// closes. Back-pressure is natural: the next read happens only after the handler returns.
package final class PipeReader: Sendable {
    /// Why reading ended.
    package enum End: Sendable, Equatable {
        case endOfFile
        case stopped
        case failed(String)
    }

    private let fd: Int32
    private let chunkSize: Int
    private let wake: (read: Int32, write: Int32)
    private let stopped = Mutex(false)

    package init(fd: Int32, chunkSize: Int = 1 << 16) throws(POSIXError) {
        self.fd = fd
        self.chunkSize = chunkSize
        self.wake = try Posix.pipe()
    }

    deinit {
        close(wake.read)
        close(wake.write)
    }

    /// Reads until end of file, error or `stop()`, calling `handler` on the reader thread for each chunk.
    package func run(name: String, handler: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) async -> End {
        let done = OneShot<End>()
        let thread = Thread { [self] in
            done.fulfil(self.loop(handler))
        }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
        // Not cancellable on purpose: the thread is stopped with `stop()`, and its end is always awaited.
        return await withTaskCancellationHandler {
            await done.value() ?? .stopped
        } onCancel: {
            self.stop()
        }
    }

    /// Ends the reader as soon as it next waits; idempotent.
    package func stop() {
        let first = stopped.withLock { flag in
            defer { flag = true }
            return !flag
        }
        guard first else { return }
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
    }

    private func loop(_ handler: (UnsafeRawBufferPointer) -> Void) -> End {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var fds = [
            pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            fds[0].revents = 0
            fds[1].revents = 0
            let ready = poll(&fds, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return .failed(Posix.errorText(errno))
            }
            if fds[1].revents != 0 { return .stopped }
            guard fds[0].revents != 0 else { continue }
            let count = read(fd, buffer.baseAddress, chunkSize)
            if count > 0 {
                handler(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            } else if count == 0 {
                return .endOfFile
            } else if errno != EINTR && errno != EAGAIN {
                return .failed(Posix.errorText(errno))
            }
        }
    }
}
