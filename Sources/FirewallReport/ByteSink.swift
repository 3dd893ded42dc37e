#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where report bytes go: a file descriptor (buffered, flushed in large writes) or memory.
///
/// Not thread-safe; one writer owns it.
package final class ByteSink {
    /// Why bytes could not be written.
    package struct WriteError: Error, CustomStringConvertible {
        /// The `errno` of the failed call.
        package var errno: Int32
        /// The system's message for it.
        package var description: String { "write failed: \(String(cString: strerror(errno)))" }
    }

    /// The bytes held in memory (everything, for a memory sink; the unflushed tail otherwise).
    package private(set) var bytes: [UInt8] = []
    /// Bytes written so far, flushed or not.
    package private(set) var count = 0
    private var descriptor: Int32?
    private var flushThreshold: Int

    /// A sink that keeps everything in memory.
    package init() {
        descriptor = nil
        flushThreshold = .max
    }

    /// A sink writing to `descriptor` (not closed by the sink) in batches of about `batch` bytes.
    package init(descriptor: Int32, batch: Int = 1 << 20) {
        self.descriptor = descriptor
        flushThreshold = batch
        bytes.reserveCapacity(batch + 4096)
    }

    /// Starts writing to `descriptor` from now on; what is in memory goes first.
    package func redirect(to descriptor: Int32) throws(WriteError) {
        self.descriptor = descriptor
        flushThreshold = min(flushThreshold, 1 << 20)
        try flush()
    }

    /// Whether the sink writes to a descriptor.
    package var isSpilling: Bool { descriptor != nil }

    /// Appends `text`, flushing when a batch is full.
    package func write(_ text: String) throws(WriteError) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
        count += text.utf8.count
        if bytes.count >= flushThreshold { try flush() }
    }

    /// Appends `data`, flushing when a batch is full.
    package func write(_ data: some Collection<UInt8>) throws(WriteError) {
        bytes.append(contentsOf: data)
        count += data.count
        if bytes.count >= flushThreshold { try flush() }
    }

    /// Appends without checking the threshold; call `checkpoint()` after a batch of small appends.
    package func append(_ byte: UInt8) {
        bytes.append(byte)
        count += 1
    }

    /// Appends raw bytes without checking the threshold.
    package func append(_ buffer: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: buffer)
        count += buffer.count
    }

    /// Appends a string's UTF-8 without checking the threshold.
    package func append(_ text: String) {
        var text = text
        text.withUTF8 { append($0) }
    }

    /// Flushes if enough bytes have gathered.
    package func checkpoint() throws(WriteError) {
        if bytes.count >= flushThreshold { try flush() }
    }

    /// Writes everything held in memory to the descriptor, if there is one.
    package func flush() throws(WriteError) {
        guard let descriptor, !bytes.isEmpty else { return }
        var failure: Int32 = 0
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = systemWrite(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        if failure != 0 { throw WriteError(errno: failure) }
        bytes.removeAll(keepingCapacity: true)
    }
}

/// `write(2)`, named once for both C libraries.
func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(descriptor, buffer, count)
    #else
    Darwin.write(descriptor, buffer, count)
    #endif
}
