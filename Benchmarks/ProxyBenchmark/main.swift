// mcp-firewall-bench: what the firewall costs, measured against the same server called directly.
//
//   for p in mcp-firewall-bench mcp-firewall example-hr-server; do swift build -c release --product $p; done
//   .build/release/mcp-firewall-bench [--calls 5000] [--pipelined-calls 20000] [--in-flight 64] [--large-mb 10]
//       [--adversarial-mb 1] [--echo-calls 20000] [--soak-calls 100000] [--echo-only]
//   BENCH_AUDIT_SINK=http://127.0.0.1:PORT/ MCP_FIREWALL_AUDIT_SINK_SECRET=… .build/release/mcp-firewall-bench …
//       (the proxied runs with an audit sink shipping to a local collector)
//   .build/release/mcp-firewall-bench adversarial [MB]    # only the adversarial frames
//   .build/release/mcp-firewall-bench echo-server [--result-bytes N]    # the fast server the second table uses
//   .build/release/mcp-firewall-bench redaction    # audit redaction's cost on payloads with and without secrets
//
// Every figure is taken in one run, direct and proxied side by side, through the same client code. Two
// tables: against the example HR server (StdioClient, as a host would drive it), and against the raw echo
// server (PipelinedClient), where neither server nor client is the bottleneck. A default release run takes
// about 100 s on the project's 2-vCPU VM, most of it the example server's 10 MB calls of small numbers;
// `--echo-only` runs the echo table alone (about 15 s, the 100k-call soak through the proxy most of it).

import FirewallClient
import FirewallCore
import FirewallRelay
import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct Options {
    var calls = 5000
    var warmup = 500
    var pipelinedCalls = 20000
    var inFlight = 64
    var largeMegabytes = 10
    var largeRuns = 5
    var inProcessOnly = false
    var adversarialMegabytes = 1
    var echoCalls = 20000
    var soakCalls = 100_000
    var echoOnly = false

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let flag = iterator.next() {
            if flag == "--in-process-only" || flag == "--echo-only" {
                if flag == "--echo-only" { echoOnly = true } else { inProcessOnly = true }
                continue
            }
            let value = iterator.next().flatMap(Int.init) ?? 0
            switch flag {
            case "--calls": calls = value
            case "--warmup": warmup = value
            case "--pipelined-calls": pipelinedCalls = value
            case "--in-flight": inFlight = value
            case "--large-mb": largeMegabytes = value
            case "--large-runs": largeRuns = value
            case "--adversarial-mb": adversarialMegabytes = value
            case "--echo-calls": echoCalls = value
            case "--soak-calls": soakCalls = value
            default:
                FileHandle.standardError.write(Data("unknown option \(flag)\n".utf8))
                exit(64)
            }
        }
    }
}

if CommandLine.arguments.dropFirst().first == "bare-relay" {
    BareRelay.run(Array(CommandLine.arguments.dropFirst(2)))
}
if CommandLine.arguments.dropFirst().first == "echo-server" {
    EchoServer.run(Array(CommandLine.arguments.dropFirst(2)))
}
if CommandLine.arguments.dropFirst().first == "adversarial-shape" {
    AdversarialFrames.runShape(Array(CommandLine.arguments.dropFirst(2)))
}
if CommandLine.arguments.dropFirst().first == "redaction" {
    RedactionCost.report()
    exit(0)
}
if CommandLine.arguments.dropFirst().first == "adversarial" {
    let megabytes = CommandLine.arguments.dropFirst(2).first.flatMap(Int.init) ?? 1
    AdversarialFrames.report(executable: CommandLine.arguments[0], megabytes: megabytes)
    exit(0)
}
let options = Options(Array(CommandLine.arguments.dropFirst()))
let products = URL(
    fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        ?? CommandLine.arguments[0]
)
.deletingLastPathComponent().path
let server = [products + "/example-hr-server"]
let workFolder = NSTemporaryDirectory() + "mcp-firewall-bench-\(getpid())"
try FileManager.default.createDirectory(atPath: workFolder, withIntermediateDirectories: true)
let policyPath = workFolder + "/policy.yaml"
try """
version: 1
defaults: {read: allow, write: confirm, sensitive: deny}
tools:
  - name: [get_employee, get_personnel_file, echo]
    class: read
    tags: [BENCH]
""".write(toFile: policyPath, atomically: true, encoding: .utf8)
func proxyCommand(audit: String) -> [String] {
    [
        // Errors only: the policy names the HR server's tools, which the echo server does not list, and
        // nobody answers confirmations here; both warnings are true and beside the point of a benchmark.
        products + "/mcp-firewall", "proxy", "--policy", policyPath, "--audit", audit, "--no-terminal",
        "--log-level", "error",
    ]
        // BENCH_AUDIT_SINK=URL|stderr: the same runs with an audit sink on (its key in the environment).
        + (ProcessInfo.processInfo.environment["BENCH_AUDIT_SINK"].map { ["--audit-sink", $0] } ?? []) + ["--"]
}
let proxied =
    proxyCommand(audit: ProcessInfo.processInfo.environment["BENCH_AUDIT"] ?? (workFolder + "/audit.jsonl")) + server

func callFrame(_ id: Int, tool: String, arguments: String) -> [UInt8] {
    Array(
        #"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"\#(tool)","arguments":\#(arguments)}}"#
            .utf8)
}

func initialize(_ client: StdioClient) async {
    _ = await client.call(
        id: 0, method: "initialize",
        params: .object([
            .init("protocolVersion", .string("2025-11-25")), .init("capabilities", .object([])),
            .init("clientInfo", .object([.init("name", .string("bench")), .init("version", .string("1"))])),
        ])
    )
    client.send(Array(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.utf8))
}

/// Sequential round trips; returns per-call latencies in microseconds.
func latencies(_ client: StdioClient, count: Int, firstID: Int) async -> [Double] {
    var samples: [Double] = []
    samples.reserveCapacity(count)
    let clock = ContinuousClock()
    for index in 0..<count {
        let id = firstID + index
        let frame = callFrame(id, tool: "get_employee", arguments: #"{"employee_id":"E-1001"}"#)
        let elapsed = await clock.measure { _ = await client.request(frame, id: .number(String(id))) }
        samples.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
    }
    return samples
}

/// Calls per second with `inFlight` requests outstanding at all times.
func throughput(_ client: StdioClient, total: Int, inFlight: Int, firstID: Int) async -> Double {
    let clock = ContinuousClock()
    let perWorker = total / inFlight
    let elapsed = await clock.measure {
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<inFlight {
                group.addTask {
                    for index in 0..<perWorker {
                        let id = firstID + worker * perWorker + index
                        _ = await client.request(
                            callFrame(id, tool: "get_employee", arguments: #"{"employee_id":"E-1002"}"#),
                            id: .number(String(id)))
                    }
                }
            }
        }
    }
    return Double(perWorker * inFlight)
        / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

/// Median milliseconds to receive a result of `bytes` bytes.
func largeResult(_ client: StdioClient, bytes: Int, runs: Int, firstID: Int) async -> Double {
    var samples: [Double] = []
    let clock = ContinuousClock()
    for run in 0..<runs {
        let id = firstID + run
        let frame = callFrame(
            id, tool: "get_personnel_file", arguments: #"{"employee_id":"E-1001","size_bytes":\#(bytes)}"#)
        let elapsed = await clock.measure {
            let reply = await client.request(frame, id: .number(String(id)))
            precondition((reply?.count ?? 0) > bytes, "large result did not arrive whole")
        }
        samples.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
    }
    return samples.sorted()[samples.count / 2]
}

/// Median milliseconds for a call whose arguments are `bytes` of small numbers (the shape that costs
/// most per byte to read), answered by the server with an error for the unknown argument.
func largeCall(_ client: StdioClient, bytes: Int, runs: Int, firstID: Int) async -> Double {
    let padding = "[" + Array(repeating: "1", count: bytes / 2).joined(separator: ",") + "]"
    var samples: [Double] = []
    let clock = ContinuousClock()
    for run in 0..<runs {
        let id = firstID + run
        let frame = callFrame(
            id, tool: "get_employee", arguments: #"{"employee_id":"E-1001","padding":"# + padding + "}")
        let elapsed = await clock.measure {
            let reply = await client.request(frame, id: .number(String(id)))
            precondition(reply != nil, "the large call was not answered")
        }
        samples.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
    }
    return samples.sorted()[samples.count / 2]
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.down)))]
}

struct Run {
    var latency: [Double] = []
    var throughput = 0.0
    var large = 0.0
    var rss = 0.0
    var rssBeforeLarge = 0.0
    var call = 0.0
    var rssAfterCall = 0.0
}

/// Measures the three set-ups side by side. Latency rounds are interleaved (direct, relay, proxy,
/// direct, …) so that drift in the machine's speed hits all three alike.
func measureAll(_ setups: [[String]]) async throws -> [Run] {
    try await StdioClient.with(argv: setups[0]) { direct in
        try await StdioClient.with(argv: setups[1]) { relay in
            try await StdioClient.with(argv: setups[2]) { proxy in
                let clients = [direct, relay, proxy]
                var runs = [Run](repeating: Run(), count: clients.count)
                for client in clients {
                    await initialize(client)
                    _ = await latencies(client, count: options.warmup, firstID: 1_000_000)
                }
                let rounds = 10
                for round in 0..<rounds {
                    for (index, client) in clients.enumerated() {
                        runs[index].latency += await latencies(
                            client, count: options.calls / rounds, firstID: 2_000_000 + round * options.calls)
                    }
                }
                for (index, client) in clients.enumerated() {
                    runs[index].latency.sort()
                    runs[index].throughput = await throughput(
                        client, total: options.pipelinedCalls, inFlight: options.inFlight, firstID: 30_000_000)
                    runs[index].rssBeforeLarge = ProcessMemory.peak(client.process.pid)
                    runs[index].call = await largeCall(
                        client, bytes: options.largeMegabytes << 20, runs: options.largeRuns, firstID: 50_000_000)
                    runs[index].rssAfterCall = ProcessMemory.peak(client.process.pid)
                    runs[index].large = await largeResult(
                        client, bytes: options.largeMegabytes << 20, runs: options.largeRuns, firstID: 40_000_000)
                    runs[index].rss = ProcessMemory.peak(client.process.pid)
                }
                return runs
            }
        }
    }
}

let inProcess = try InProcessCost.measure(
    policyPath: policyPath, calls: options.calls)
if options.inProcessOnly {
    print("firewall CPU per allowed call, in process: \(inProcess.perCallMicros) µs")
    exit(0)
}
let echo = EchoBenchmark(
    bench: products + "/mcp-firewall-bench", proxy: proxyCommand, options: options, workFolder: workFolder)
if options.echoOnly {
    echo.printTable(try await echo.measure(), cpuMicros: inProcess.perCallMicros)
    exit(0)
}
AdversarialFrames.report(executable: products + "/mcp-firewall-bench", megabytes: options.adversarialMegabytes)
print("")
let runs = try await measureAll([server, [products + "/mcp-firewall-bench", "bare-relay"] + server, proxied])
let (direct, floor, proxy) = (runs[0], runs[1], runs[2])
func fmt(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
func row(_ cells: String...) { print("| " + cells.joined(separator: " | ") + " |") }
row("measure", "direct", "bare relay (floor)", "mcp-firewall", "mcp-firewall vs direct", "mcp-firewall vs floor")
row("---", "---", "---", "---", "---", "---")
for (label, p) in [("p50", 0.5), ("p95", 0.95), ("p99", 0.99)] {
    let (a, f, b) = (percentile(direct.latency, p), percentile(floor.latency, p), percentile(proxy.latency, p))
    row("latency \(label) (µs)", fmt(a), fmt(f), fmt(b), "+\(fmt(b - a))", "+\(fmt(b - f))")
}
row(
    "throughput, \(options.inFlight) in flight (calls/s)", fmt(direct.throughput, 0), fmt(floor.throughput, 0),
    fmt(proxy.throughput, 0), "\(fmt(proxy.throughput / direct.throughput * 100)) %",
    "\(fmt(proxy.throughput / floor.throughput * 100)) %")
row(
    "\(options.largeMegabytes) MB result (ms, median of \(options.largeRuns))", fmt(direct.large), fmt(floor.large),
    fmt(proxy.large), "\(fmt(proxy.large / direct.large, 2))×", "\(fmt(proxy.large / floor.large, 2))×")
row(
    "\(options.largeMegabytes) MB call of small numbers (ms, median of \(options.largeRuns))", fmt(direct.call),
    fmt(floor.call), fmt(proxy.call), "\(fmt(proxy.call / direct.call, 2))×", "\(fmt(proxy.call / floor.call, 2))×")
row("firewall CPU per allowed call, in process (µs)", "", "", fmt(inProcess.perCallMicros), "", "")
row(
    "peak RSS before the large results (MiB)", "\(fmt(direct.rssBeforeLarge)) (server)",
    "\(fmt(floor.rssBeforeLarge)) (relay)", "\(fmt(proxy.rssBeforeLarge)) (proxy)", "", "")
row(
    "peak RSS after the large calls (MiB)", "\(fmt(direct.rssAfterCall)) (server)",
    "\(fmt(floor.rssAfterCall)) (relay)", "\(fmt(proxy.rssAfterCall)) (proxy)", "", "")
row("peak RSS (MiB)", "\(fmt(direct.rss)) (server)", "\(fmt(floor.rss)) (relay)", "\(fmt(proxy.rss)) (proxy)", "", "")
print("")
print(
    "\(options.calls) sequential calls per set-up (10 interleaved rounds, after \(options.warmup) warm-up), "
        + "\(options.pipelinedCalls) pipelined; every proxied call allowed and audited "
        + "(\(inProcess.auditBytes / max(1, options.calls)) audit bytes per call)")
print("")
echo.printTable(try await echo.measure(), cpuMicros: inProcess.perCallMicros)
