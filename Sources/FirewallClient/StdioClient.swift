import FirewallCore
import FirewallRelay
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A minimal MCP client over a child's stdio: send frames, await answers by id.
///
/// Used by `mcp-firewall demo`, the end-to-end tests and the benchmark to drive a proxy or a server
/// exactly as an MCP host would. Responses are matched to requests by id; anything else (server
/// requests, notifications) is collected in `unsolicited`. Frames go out through the child's one
/// `DescriptorWriter`, so sending never blocks the caller (a task on the cooperative pool).
package final class StdioClient: Sendable {
    package let process: ChildProcess
    private let writer: DescriptorWriter
    private let reader: PipeReader
    private let state = Mutex(State())
    private let readerDone = OneShot<PipeReader.End>()

    private struct State {
        var waiting: [RequestID: CheckedContinuation<[UInt8]?, Never>] = [:]
        var early: [RequestID: [UInt8]] = [:]
        var unsolicited: [[UInt8]] = []
        var unsolicitedRead = 0
        var unsolicitedWaiter: CheckedContinuation<[UInt8]?, Never>?
        var closed = false
    }

    private init(argv: [String]) throws {
        process = try ChildProcess(argv: argv)
        writer = try DescriptorWriter(
            fd: process.stdinFD, name: "the child's stdin", nonBlocking: true, closeWhenFinished: true)
        process.handOverStdin()
        reader = try PipeReader(fd: process.stdoutFD)
    }

    /// Spawns `argv`, runs `body` with a client talking to it, then closes the client.
    ///
    /// The reader runs as a structured child task for exactly the lifetime of `body`.
    package static func with<T: Sendable>(
        argv: [String], maxFrameBytes: Int = 128 << 20, grace: Duration = .seconds(5),
        _ body: (StdioClient) async throws -> T
    ) async throws -> T {
        // Writing to a child that has exited must be an error we can report, not a fatal signal.
        signal(SIGPIPE, SIG_IGN)
        let client = try StdioClient(argv: argv)
        async let reading: Void = client.readLoop(maxFrameBytes: maxFrameBytes)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(client))
        } catch {
            result = .failure(error)
        }
        _ = await client.close(grace: grace)
        await reading
        return try result.get()
    }

    private func readLoop(maxFrameBytes: Int) async {
        let framer = LockedValue(LineFramer(maxFrameBytes: maxFrameBytes))
        let end = await reader.run(name: "mcp-firewall.stdio-client") { [self] chunk in
            for event in framer.withLock({ $0.append(chunk) }) {
                guard case .frame(let frame) = event else { continue }
                deliver(frame)
            }
        }
        let waiters = state.withLock { state in
            state.closed = true
            defer { state.waiting.removeAll() }
            return Array(state.waiting.values)
        }
        for waiter in waiters { waiter.resume(returning: nil) }
        state.withLock { $0.unsolicitedWaiter.take() }?.resume(returning: nil)
        readerDone.fulfil(end)
    }

    private func deliver(_ frame: [UInt8]) {
        let message = ServerMessage.decode(frame)
        let isResponse: Bool
        switch message.kind {
        case .result, .error: isResponse = true
        default: isResponse = false
        }
        let waiter = state.withLock { state -> CheckedContinuation<[UInt8]?, Never>? in
            guard isResponse, let id = message.id else {
                state.unsolicited.append(frame)
                guard let waiter = state.unsolicitedWaiter.take() else { return nil }
                state.unsolicitedRead += 1
                return waiter
            }
            if let waiter = state.waiting.removeValue(forKey: id) { return waiter }
            state.early[id] = frame
            return nil
        }
        waiter?.resume(returning: frame)
    }

    /// Queues a frame for the child without waiting for anything; false if the child is known to
    /// be gone (a write failed).
    @discardableResult
    package func send(_ frame: [UInt8]) -> Bool {
        writer.enqueue(frame)
        return writer.failure == nil
    }

    /// Sends a request frame and waits for the answer with the same id; nil if the peer went away.
    package func request(_ frame: [UInt8], id: RequestID) async -> [UInt8]? {
        await withCheckedContinuation { (continuation: CheckedContinuation<[UInt8]?, Never>) in
            let immediate: [UInt8]?? = state.withLock { state in
                if let early = state.early.removeValue(forKey: id) { return .some(early) }
                if state.closed { return .some(nil) }
                state.waiting[id] = continuation
                return .none
            }
            if let immediate {
                continuation.resume(returning: immediate)
            } else if !send(frame) {
                let waiter = state.withLock { $0.waiting.removeValue(forKey: id) }
                waiter?.resume(returning: nil)
            }
        }
    }

    /// Convenience: builds `{"jsonrpc":"2.0","id":id,"method":…,"params":…}` and awaits the parsed answer.
    package func call(id: Int, method: String, params: JSONValue? = nil) async -> JSONValue? {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("jsonrpc", "2.0")
        writer.field("id", id)
        writer.field("method", method)
        if let params {
            writer.key("params")
            writer.value(params)
        }
        writer.endObject()
        guard let reply = await request(writer.bytes, id: .number(String(id))) else { return nil }
        return try? JSONParser.parse(reply)
    }

    /// Frames that were not answers to our requests (notifications, server requests, id-less errors).
    package var unsolicited: [[UInt8]] { state.withLock { $0.unsolicited } }

    /// The next frame that is not an answer to one of our requests; nil once the peer's output ends.
    /// One waiter at a time.
    package func nextUnsolicited() async -> [UInt8]? {
        await withCheckedContinuation { (continuation: CheckedContinuation<[UInt8]?, Never>) in
            let immediate: [UInt8]?? = state.withLock { state in
                if state.unsolicitedRead < state.unsolicited.count {
                    defer { state.unsolicitedRead += 1 }
                    return .some(state.unsolicited[state.unsolicitedRead])
                }
                if state.closed { return .some(nil) }
                state.unsolicitedWaiter = continuation
                return .none
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }

    /// Closes the child's stdin and waits for it to exit (escalating after `grace`) and for its output to end.
    @discardableResult
    package func close(grace: Duration = .seconds(5)) async -> ChildProcess.Termination {
        // What was sent goes first; then the child's stdin closes.
        writer.finish()
        if await writer.ended(upTo: grace) == nil { writer.stop() }
        _ = await writer.ended()
        let status = await process.shutDown(grace: grace)
        // A grandchild may hold the pipe open after the child exits: do not wait on it forever.
        if await ChildProcess.wait(readerDone, upTo: .seconds(2)) == nil { reader.stop() }
        _ = await readerDone.value()
        return status
    }
}
