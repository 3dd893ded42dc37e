import FirewallCore
import Logging
import Synchronization

/// Reads frames from a pipe into a session until the pipe ends: each read's frames are decoded on the
/// reader's thread, queued with `push` (which waits there while the session's lane is full) and run
/// there too, unless the session is already running elsewhere.
enum FramePump {
    static func run<Input: Sendable>(
        _ reader: PipeReader, name: String, maxBytes: Int, loop: RelaySessionLoop, logger: Logger,
        decode: @escaping @Sendable ([UInt8]) -> Input?, oversized: @escaping @Sendable (Int) -> Input,
        push: @escaping @Sendable (_ inputs: [Input], _ bytes: Int) -> Void
    ) async -> PipeReader.End {
        /// `onReaderThread` false: the last line, handled on the pool after the reader ended, where
        /// nothing may wait for room or run the session; the loop's own thread runs it.
        @Sendable func hand(_ frames: [[UInt8]], oversize: Int? = nil, onReaderThread: Bool = true) {
            var inputs = frames.compactMap(decode)
            if let oversize { inputs.append(oversized(oversize)) }
            guard !inputs.isEmpty else { return }
            push(inputs, onReaderThread ? frames.reduce(0) { $0 + $1.count } : 0)
            if onReaderThread { loop.drainHere() } else { loop.inbox.wakeServing() }
        }
        let framer = Mutex(LineFramer(maxFrameBytes: maxBytes))
        let end = await reader.run(name: name) { chunk in
            var frames: [[UInt8]] = []
            for event in framer.withLock({ $0.append(chunk) }) {
                switch event {
                case .frame(let frame): frames.append(frame)
                case .oversized(let size):
                    // In order: the frames before it, then the refusal.
                    hand(frames, oversize: size)
                    frames.removeAll()
                }
            }
            if !frames.isEmpty { hand(frames) }
        }
        // A final line without a newline is still a message, but only at end of input: a reader that
        // was stopped may hold the front half of a frame.
        if end == .endOfFile, case .frame(let frame)? = framer.withLock({ $0.finish() }) {
            hand([frame], onReaderThread: false)
        }
        if case .failed(let reason) = end {
            logger.error("read failed", metadata: ["reader": "\(name)", "reason": "\(reason)"])
        }
        return end
    }
}
