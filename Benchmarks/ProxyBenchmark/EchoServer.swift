#if canImport(Glibc)
import Glibc
#endif

/// `mcp-firewall-bench echo-server [--result-bytes N]`: an MCP server fast enough not to be the
/// bottleneck, so that the direct baseline shows what the proxy itself costs.
///
/// Raw JSON lines and byte scans, no JSON library: one 64 KiB read, then for every complete line the
/// `"id"` value's bytes and the method, canned answers for `initialize`, `tools/list` (one tool, `echo`)
/// and `tools/call`, and every reply that read produced in one `writev`. A call's result is
/// `{"content":[{"type":"text","text":"ok"}],"isError":false}`, or a text of N bytes when the server
/// was started with `--result-bytes N` or the call's arguments carry `"size_bytes":N`.
struct EchoServer: ~Copyable {
    private let resultBytes: Int
    private var input = LineBuffer()
    private var replies = EchoReplies()

    private let head = Array(#"{"jsonrpc":"2.0","id":"#.utf8)
    private let tail = Array("}\n".utf8)
    private let initialized = Array(
        (#","result":{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"#
            + #""serverInfo":{"name":"mcp-firewall-bench-echo","version":"1"}}"#).utf8)
    private let toolList = Array(
        (#","result":{"tools":[{"name":"echo","description":"Answers ok.","inputSchema":{"type":"object"},"#
            + #""annotations":{"readOnlyHint":true}}]}"#).utf8)
    private let canned = Array(#","result":{"content":[{"type":"text","text":"ok"}],"isError":false}"#.utf8)
    private let textHead = Array(#","result":{"content":[{"type":"text","text":""#.utf8)
    private let textTail = Array(#""}],"isError":false}"#.utf8)
    private let empty = Array(#","result":{}"#.utf8)
    private let unknown = Array(#","error":{"code":-32601,"message":"method not found"}"#.utf8)

    static func run(_ arguments: [String]) -> Never {
        var resultBytes = 0
        if let flag = arguments.firstIndex(of: "--result-bytes"), flag + 1 < arguments.count {
            resultBytes = Int(arguments[flag + 1]) ?? 0
        }
        signal(SIGPIPE, SIG_IGN)
        var server = EchoServer(resultBytes: resultBytes)
        server.serve()
        exit(0)
    }

    private init(resultBytes: Int) {
        self.resultBytes = resultBytes
    }

    /// Answers until stdin ends or stdout is closed.
    private mutating func serve() {
        while input.fill(from: 0) > 0 {
            while let line = input.nextLine() { answer(line) }
            guard replies.flush(to: 1) else { return }
        }
    }

    private mutating func answer(_ line: UnsafeBufferPointer<UInt8>) {
        // A line without a method is a response, one without an id a notification: neither is answered.
        guard let method = LineScan.value(of: #""method""#, in: line),
            let id = LineScan.value(of: #""id""#, in: line)
        else { return }
        replies.append(head)
        replies.append(line, id)
        switch UnsafeBufferPointer(rebasing: line[method]) {
        case let name where name.elementsEqual(#""tools/call""#.utf8):
            var size = resultBytes
            if let value = LineScan.value(of: #""size_bytes""#, in: line) {
                size = LineScan.integer(line, value) ?? size
            }
            if size > 0 {
                replies.append(textHead)
                replies.appendFiller(count: size)
                replies.append(textTail)
            } else {
                replies.append(canned)
            }
        case let name where name.elementsEqual(#""initialize""#.utf8): replies.append(initialized)
        case let name where name.elementsEqual(#""tools/list""#.utf8): replies.append(toolList)
        case let name where name.elementsEqual(#""ping""#.utf8): replies.append(empty)
        default: replies.append(unknown)
        }
        replies.append(tail)
    }
}
