import FirewallRelay
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Drives one child (the echo server, a relay or the proxy in front of it) over its stdio from one
/// thread, keeping a fixed number of `tools/call`s outstanding.
///
/// Not `StdioClient`: its tasks and continuations cost more per call than the echo server does, so it
/// would measure itself. Here call frames are rendered once and only their id digits change, one new
/// call is queued per reply read and the queue goes out in one write, and `poll` waits on the child's
/// stdout and, while a write is pending, its stdin. That stdin is non-blocking, so client and child
/// can never both be stuck writing into full pipes. Every reply is checked to be a result for a call
/// still outstanding.
final class PipelinedClient {
    let process: ChildProcess
    /// `tools/call`s answered so far, for checking the proxy's audit count against.
    private(set) var calls = 0
    private let toChild: Int32
    private let fromChild: Int32
    private var input = LineBuffer()
    private var output: [UInt8] = []
    private var written = 0
    /// Ten digits, so every id fits the template's slot and none has a leading zero.
    private var nextID = 1_000_000_000
    private let callFrame = Array(
        #"{"jsonrpc":"2.0","id":1000000000,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}"#
            .utf8 + [0x0A])
    private let idOffset = 22
    private let idDigits = 10

    init(argv: [String]) throws {
        signal(SIGPIPE, SIG_IGN)
        process = try ChildProcess(argv: argv)
        toChild = process.stdinFD
        fromChild = process.stdoutFD
        _ = fcntl(toChild, F_SETFL, fcntl(toChild, F_GETFL) | O_NONBLOCK)
        output.reserveCapacity(1 << 16)
    }

    /// `initialize`, `notifications/initialized` and `tools/list`, as a host starts a session; the list
    /// must offer `echo` (through the proxy: the bench policy must allow it).
    func handshake() {
        let initialize =
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","#
            + #""capabilities":{},"clientInfo":{"name":"mcp-firewall-bench","version":"1"}}}"#
        let reply = request(Array(initialize.utf8), id: "1")
        check(reply, contains: #""protocolVersion""#, "initialize")
        output.append(contentsOf: #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.utf8 + [0x0A])
        let list = request(Array(#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#.utf8), id: "2")
        check(list, contains: #""name":"echo""#, "tools/list")
    }

    /// Makes `count` calls with `inFlight` outstanding; returns the seconds taken and, when asked, each
    /// call's round trip in microseconds (with one in flight: sequential latency).
    func run(calls count: Int, inFlight: Int, recordLatency: Bool = false) -> (seconds: Double, latencies: [Double]) {
        let base = nextID
        nextID += count
        // Send times by call; 0 once answered, so a second answer to one id is caught.
        var sentAt = [UInt64](repeating: 0, count: count)
        var latencies: [Double] = []
        if recordLatency { latencies.reserveCapacity(count) }
        var (sent, received) = (0, 0)
        let started = Self.now()
        var arrived = started
        while true {
            while let line = input.nextLine() {
                guard let index = replyIndex(line, base: base, count: count) else { continue }
                guard sentAt[index] != 0 else { fail("a second answer for call \(base + index)") }
                if recordLatency { latencies.append(Double(arrived - sentAt[index]) / 1000) }
                sentAt[index] = 0
                received += 1
            }
            if received == count { break }
            if sent < count, sent - received < inFlight {
                let stamp = Self.now()
                while sent < count, sent - received < inFlight {
                    appendCall(id: base + sent)
                    sentAt[sent] = stamp
                    sent += 1
                }
            }
            writePending()
            awaitChild()
            if recordLatency { arrived = Self.now() }
        }
        calls += count
        return (Double(Self.now() - started) / 1e9, latencies)
    }

    /// One `tools/call`; returns the reply (against `echo-server --result-bytes N`: N bytes of text).
    func call() -> [UInt8] {
        let id = nextID
        nextID += 1
        appendCall(id: id)
        let reply = request(nil, id: String(id))
        check(reply, contains: #""result""#, "tools/call")
        calls += 1
        return reply
    }

    /// Closes the child's stdin, reads what it still writes until it closes stdout, and reaps it.
    func finish() async -> ChildProcess.Termination {
        process.closeStdin()
        var ready = pollfd(fd: fromChild, events: Int16(POLLIN), revents: 0)
        while poll(&ready, 1, 30_000) > 0, input.fill(from: fromChild) > 0 {
            while input.nextLine() != nil {}
        }
        close(fromChild)
        return await process.shutDown(grace: .seconds(10))
    }

    /// Sends `frame` (if given; a call may already be queued) and returns the reply whose id is `id`.
    private func request(_ frame: [UInt8]?, id: String) -> [UInt8] {
        if let frame { output.append(contentsOf: frame + [0x0A]) }
        while true {
            while let line = input.nextLine() {
                // A request or notification from the child is not an answer, whatever its id.
                if LineScan.contains(#""method""#, in: line) { continue }
                if let range = LineScan.value(of: #""id""#, in: line), line[range].elementsEqual(id.utf8) {
                    return Array(line)
                }
            }
            writePending()
            awaitChild()
        }
    }

    private func appendCall(id: Int) {
        let slot = output.count + idOffset
        output.append(contentsOf: callFrame)
        var value = id
        for position in stride(from: slot + idDigits - 1, through: slot, by: -1) {
            output[position] = UInt8(ascii: "0") + UInt8(value % 10)
            value /= 10
        }
    }

    /// The index of the call `line` answers; nil for a message from the child that is not an answer.
    private func replyIndex(_ line: UnsafeBufferPointer<UInt8>, base: Int, count: Int) -> Int? {
        if LineScan.contains(#""method""#, in: line) { return nil }
        guard LineScan.contains(#""result""#, in: line), !LineScan.contains(#""error""#, in: line),
            let range = LineScan.value(of: #""id""#, in: line), let id = LineScan.integer(line, range),
            (base..<(base + count)).contains(id)
        else { fail("not a result for an outstanding call: \(String(decoding: line.prefix(300), as: UTF8.self))") }
        return id - base
    }

    /// Writes as much of the queue as the pipe takes now.
    private func writePending() {
        while written < output.count {
            let count = output.withUnsafeBytes { write(toChild, $0.baseAddress! + written, $0.count - written) }
            if count > 0 {
                written += count
            } else if errno == EAGAIN {
                return
            } else if errno != EINTR {
                fail("cannot write to the child: \(String(cString: strerror(errno)))")
            }
        }
        output.removeAll(keepingCapacity: true)
        written = 0
    }

    /// Waits until the child's stdout is readable (then reads once) or, while a write is queued, its
    /// stdin has room.
    private func awaitChild() {
        var ready = [
            pollfd(fd: fromChild, events: Int16(POLLIN), revents: 0),
            pollfd(fd: toChild, events: written < output.count ? Int16(POLLOUT) : 0, revents: 0),
        ]
        var count: Int32
        repeat { count = poll(&ready, 2, 60_000) } while count < 0 && errno == EINTR
        guard count > 0 else { fail("no answer from the child within 60 s") }
        guard ready[0].revents != 0 else { return }
        guard input.fill(from: fromChild) > 0 else { fail("the child closed its stdout") }
    }

    private func check(_ reply: [UInt8], contains needle: StaticString, _ what: String) {
        let found = reply.withUnsafeBufferPointer { line in
            LineScan.contains(needle, in: line) && !LineScan.contains(#""error""#, in: line)
        }
        guard found else { fail("\(what): unexpected answer \(String(decoding: reply.prefix(300), as: UTF8.self))") }
    }

    private func fail(_ message: String) -> Never {
        fatalError("pipelined client (pid \(process.pid)): \(message)")
    }

    private static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
