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

    /// Writes several frames, each with its newline, as one write when they are small together.
    @discardableResult
    package func write(batch frames: [[UInt8]]) -> Bool {
        guard frames.count > 1 else { return frames.first.map { write($0) } ?? true }
        let total = frames.reduce(0) { $0 + $1.count + 1 }
        guard total <= 1 << 16 else { return frames.allSatisfy { write($0) } }
        var joined: [UInt8] = []
        joined.reserveCapacity(total)
        for frame in frames {
            joined.append(contentsOf: frame)
            joined.append(0x0A)
        }
        return state.withLock { failure in
            guard failure == nil else { return false }
            if let error = joined.withUnsafeBytes({ Posix.writeAll(fd, $0) }) {
                failure = error.description
                return false
            }
            return true
        }
    }

    /// Why writing stopped, if it did.
    package var failure: String? { state.withLock { $0 } }
}
