#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes many byte buffers with as few `writev` calls as the kernel allows, without copying them.
///
/// The writer threads (`AuditWriter`, `DescriptorWriter`) hand a whole drained queue to one call: up
/// to `IOV_MAX` buffers per `writev`, resumed after short writes, so a batch of 64 frames costs one
/// system call and a 1 MiB frame is never copied next to its newline.
enum VectoredWrite {
    /// How a write ended.
    enum Outcome {
        /// Every byte went out.
        case complete
        /// The descriptor refused more (the peer went away, the disk is full).
        case failed(POSIXError)
        /// `whenBlocked` gave up while the descriptor was full.
        case abandoned
    }

    /// The most buffers one `writev` accepts (`IOV_MAX`, 1024 on Linux; never below the POSIX minimum of 16).
    static let maxVectors: Int = {
        let limit = sysconf(Int32(_SC_IOV_MAX))
        return limit >= 16 ? limit : 16
    }()

    /// Writes every byte of `buffers` to `fd`, in order, retrying on EINTR and short writes.
    ///
    /// `progress` is told how many bytes each `writev` took (the writer's queue shrinks as they go).
    /// When a non-blocking `fd` is full, `whenBlocked` waits for room and returns true to try again, or
    /// false to give up. Returns how it ended and how many bytes went out before that.
    static func write(
        _ fd: Int32, _ buffers: [UnsafeRawBufferPointer], progress: (Int) -> Void = { _ in },
        whenBlocked: () -> Bool
    ) -> (outcome: Outcome, written: Int) {
        var vectors = buffers.compactMap { buffer -> iovec? in
            guard buffer.count > 0 else { return nil }
            return iovec(iov_base: UnsafeMutableRawPointer(mutating: buffer.baseAddress), iov_len: buffer.count)
        }
        var written = 0
        return vectors.withUnsafeMutableBufferPointer { vectors in
            var next = 0
            while next < vectors.count {
                let count = Int32(min(vectors.count - next, maxVectors))
                let result = writev(fd, vectors.baseAddress! + next, count)
                if result < 0 {
                    let code = errno
                    if code == EINTR { continue }
                    if code == EAGAIN || code == EWOULDBLOCK {
                        if whenBlocked() { continue }
                        return (.abandoned, written)
                    }
                    return (.failed(POSIXError(code)), written)
                }
                written += result
                progress(result)
                // Step past what went out: whole buffers, then into the one the kernel stopped in.
                var taken = result
                while taken > 0 {
                    let length = vectors[next].iov_len
                    if taken >= length {
                        taken -= length
                        next += 1
                    } else {
                        vectors[next].iov_base += taken
                        vectors[next].iov_len = length - taken
                        taken = 0
                    }
                }
            }
            return (.complete, written)
        }
    }

    /// Calls `body` with the bytes of every array in `arrays`, valid for the whole call and not copied.
    ///
    /// An array's storage is only guaranteed to stay put inside its `withUnsafeBytes`, so the calls are
    /// nested, one level per array: callers pass at most `maxVectors` arrays at a time.
    static func withBytes<Result>(
        of arrays: ArraySlice<[UInt8]>, _ body: ([UnsafeRawBufferPointer]) -> Result
    ) -> Result {
        var collected: [UnsafeRawBufferPointer] = []
        collected.reserveCapacity(arrays.count)
        return nest(arrays, &collected, body)
    }

    private static func nest<Result>(
        _ arrays: ArraySlice<[UInt8]>, _ collected: inout [UnsafeRawBufferPointer],
        _ body: ([UnsafeRawBufferPointer]) -> Result
    ) -> Result {
        guard let first = arrays.first else { return body(collected) }
        return first.withUnsafeBytes { bytes in
            collected.append(bytes)
            return nest(arrays.dropFirst(), &collected, body)
        }
    }
}
