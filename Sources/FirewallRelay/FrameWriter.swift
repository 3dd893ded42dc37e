import Synchronization

/// Writes newline-terminated frames to one descriptor; whole frames only, one writer at a time.
///
/// Shared by the pumps and by approval tasks, so two frames can never interleave. A failed write
/// (the peer went away) latches: later writes report failure without touching the descriptor.
package final class FrameWriter: Sendable {
    private let fd: Int32
    private let state = Mutex<String?>(nil)

    package init(fd: Int32) {
        self.fd = fd
    }

    /// Writes `frame` and a newline. Returns false if the peer is gone.
    @discardableResult
    package func write(_ frame: [UInt8]) -> Bool {
        frame.withUnsafeBytes { write($0) }
    }

    /// Writes `frame` and a newline. Returns false if the peer is gone.
    @discardableResult
    package func write(_ frame: UnsafeRawBufferPointer) -> Bool {
        state.withLock { failure in
            guard failure == nil else { return false }
            let error = withUnsafeBytes(of: UInt8(0x0A)) { newline in Posix.writeAll(fd, frame, suffix: newline) }
            if let error {
                failure = error.description
                return false
            }
            return true
        }
    }

    /// Why writing stopped, if it did.
    package var failure: String? { state.withLock { $0 } }
}
