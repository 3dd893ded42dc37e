/// Splits a byte stream into newline-delimited frames, with a hard cap on frame size.
///
/// Only `\n` ends a frame: `\r`, U+2028/U+2029 and any other byte stay inside the frame, so what
/// goes out is exactly what came in. Memory is bounded by `maxFrameBytes` plus one read chunk.
package struct LineFramer: Sendable {
    package enum Event: Equatable, Sendable {
        /// A complete frame, without its terminating newline.
        case frame([UInt8])
        /// A frame grew past the cap; its bytes up to the next newline are dropped.
        case oversized(byteCount: Int)
    }

    package let maxFrameBytes: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var scanned = 0
    private var discarding = false
    private var discardedCount = 0

    /// Frames at least this large are handed over without a copy when they start the buffer.
    private static let handOverBytes = 64 << 10
    /// A frame still unfinished past this size grows in large steps (see `reserveForLargeFrame`).
    private static let largeFrameBytes = 1 << 20
    /// The first step for a large frame.
    private static let firstLargeReservation = 16 << 20

    package init(maxFrameBytes: Int = 64 << 20) {
        self.maxFrameBytes = maxFrameBytes
    }

    /// True when bytes of an unfinished frame are buffered.
    package var hasPartialFrame: Bool { buffer.count > start || discarding }

    /// Adds bytes read from the stream and returns the frames they complete, in order.
    package mutating func append(_ chunk: UnsafeRawBufferPointer) -> [Event] {
        var events: [Event] = []
        var chunkStart = 0
        if discarding {
            guard let newline = chunk.firstIndex(of: 0x0A) else {
                discardedCount += chunk.count
                return events
            }
            discardedCount += newline
            events.append(.oversized(byteCount: discardedCount))
            discarding = false
            discardedCount = 0
            chunkStart = newline + 1
        }
        let pending = buffer.count - start + chunk.count - chunkStart
        if pending > Self.largeFrameBytes && buffer.capacity < buffer.count + chunk.count {
            reserveForLargeFrame(adding: chunk.count - chunkStart)
        }
        buffer.append(contentsOf: chunk[chunkStart...])
        while let newline = buffer[scanned...].firstIndex(of: 0x0A) {
            if newline - start > maxFrameBytes {
                events.append(.oversized(byteCount: newline - start))
            } else if start == 0 && newline >= Self.handOverBytes {
                // A large frame that starts the buffer is handed over as the buffer itself, not copied:
                // a 60 MB call then costs its bytes once here, not twice.
                var frame: [UInt8] = []
                swap(&frame, &buffer)
                buffer = Array(frame[(newline + 1)...])
                frame.removeSubrange(newline...)
                events.append(.frame(frame))
                start = 0
                scanned = 0
                continue
            } else {
                events.append(.frame(Array(buffer[start..<newline])))
            }
            start = newline + 1
            scanned = start
        }
        scanned = buffer.count
        if buffer.count - start > maxFrameBytes {
            discarding = true
            discardedCount = buffer.count - start
            buffer.removeAll(keepingCapacity: false)
            start = 0
            scanned = 0
        } else if start > 0 && start >= buffer.count && buffer.capacity > Self.largeFrameBytes {
            // Everything was handed out: the room a large frame needed is given back, not kept.
            buffer = []
            start = 0
            scanned = 0
        } else if start > 0 && (start >= buffer.count || start > 1 << 16) {
            buffer.removeSubrange(0..<start)
            start = 0
            scanned = buffer.count
        }
        return events
    }

    /// Makes room for a large frame in few steps: at least 16 MiB at once, then twice what is held,
    /// never more than the cap allows. Growing by small steps copies the frame at each one and holds the
    /// old and the new copy at once (a 10 MB frame peaked at twice its size); reserving the whole cap
    /// at once left every large frame holding 64 MiB of address space. Reserved pages the frame never
    /// reaches are never touched, so they cost no memory. The frame is moved to the front first, so that
    /// it is handed over whole, not copied.
    private mutating func reserveForLargeFrame(adding count: Int) {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            scanned -= start
            start = 0
        }
        let needed = buffer.count + count
        let room = maxFrameBytes + (1 << 17)
        buffer.reserveCapacity(max(needed, min(room, max(Self.firstLargeReservation, 2 * buffer.count))))
    }

    /// Convenience for tests and callers holding an array.
    package mutating func append(_ bytes: [UInt8]) -> [Event] {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The unterminated bytes left when the stream ends, if any.
    package mutating func finish() -> Event? {
        defer {
            buffer.removeAll()
            start = 0
            scanned = 0
        }
        if discarding {
            discarding = false
            return .oversized(byteCount: discardedCount)
        }
        guard buffer.count > start else { return nil }
        return .frame(Array(buffer[start...]))
    }
}
