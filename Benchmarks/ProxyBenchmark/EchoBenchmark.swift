import FirewallCore
import Foundation

/// The second table: direct, bare relay and mcp-firewall in front of the echo server, driven by the
/// pipelined client, so that the figures are the proxy's cost and not the server's.
///
/// Three phases, each on fresh processes so that "after N calls" counts from the session's start:
/// sequential latency and pipelined throughput in interleaved rounds (drift in the machine's speed hits
/// every set-up alike), then a soak per set-up for RSS at an early mark and at the end, then a server
/// whose every result is large, for the rise in peak RSS one such result causes.
struct EchoBenchmark {
    /// One way of reaching the echo server.
    struct Setup {
        var name: String
        /// The command line for a server started with `server` arguments, auditing to `audit` if it audits.
        var argv: (_ server: [String], _ audit: String) -> [String]
        var audits: Bool
    }

    /// Everything measured for one set-up.
    struct Figures {
        /// Sequential round trips in microseconds, sorted.
        var latency: [Double] = []
        /// Calls per second with `inFlight` outstanding, one figure per round.
        var throughput: [Double] = []
        /// RSS after `initialize` and `tools/list`, before any call (MiB).
        var idleRSS = 0.0
        var soakEarlyRSS = 0.0
        var soakLateRSS = 0.0
        /// Calls per second over the whole soak: one long run, beside the short interleaved rounds.
        var soakThroughput = 0.0
        var peakBeforeLarge = 0.0
        var peakAfterLarge = 0.0
        /// Median milliseconds for one large result.
        var largeMillis = 0.0
    }

    let setups: [Setup]
    let options: Options
    let workFolder: String
    static let latencyRounds = 10
    static let throughputRounds = 5
    /// The soak's early mark: RSS there against RSS at the end shows growth per call.
    var soakMark: Int { min(10_000, options.soakCalls / 10) }

    /// Direct, through the bare relay, and through `proxy(auditPath)`, each to `bench echo-server`.
    init(bench: String, proxy: @escaping (String) -> [String], options: Options, workFolder: String) {
        let echo = [bench, "echo-server"]
        setups = [
            Setup(name: "direct", argv: { server, _ in echo + server }, audits: false),
            Setup(name: "bare relay", argv: { server, _ in [bench, "bare-relay"] + echo + server }, audits: false),
            Setup(name: "mcp-firewall", argv: { server, audit in proxy(audit) + echo + server }, audits: true),
        ]
        self.options = options
        self.workFolder = workFolder
    }

    func measure() async throws -> [Figures] {
        var figures = [Figures](repeating: Figures(), count: setups.count)
        let clients = try setups.indices.map { try start($0, phase: "rounds") }
        for (index, client) in clients.enumerated() {
            client.handshake()
            figures[index].idleRSS = ProcessMemory.resident(client.process.pid)
            _ = client.run(calls: options.warmup, inFlight: 1)
        }
        for _ in 0..<Self.latencyRounds {
            for (index, client) in clients.enumerated() {
                let calls = max(1, options.calls / Self.latencyRounds)
                figures[index].latency += client.run(calls: calls, inFlight: 1, recordLatency: true).latencies
            }
        }
        for _ in 0..<Self.throughputRounds {
            for (index, client) in clients.enumerated() {
                let calls = max(options.inFlight, options.echoCalls / Self.throughputRounds)
                figures[index].throughput.append(
                    Double(calls) / client.run(calls: calls, inFlight: options.inFlight).seconds)
            }
        }
        for (index, client) in clients.enumerated() {
            figures[index].latency.sort()
            figures[index].throughput.sort()
            await finish(client, index, phase: "rounds")
        }
        for index in setups.indices {
            let client = try start(index, phase: "soak")
            client.handshake()
            let early = client.run(calls: soakMark, inFlight: options.inFlight).seconds
            figures[index].soakEarlyRSS = ProcessMemory.resident(client.process.pid)
            let late = client.run(calls: options.soakCalls - soakMark, inFlight: options.inFlight).seconds
            figures[index].soakLateRSS = ProcessMemory.resident(client.process.pid)
            figures[index].soakThroughput = Double(options.soakCalls) / (early + late)
            await finish(client, index, phase: "soak")
        }
        let bytes = options.largeMegabytes << 20
        for index in setups.indices {
            let client = try start(index, phase: "large", server: ["--result-bytes", String(bytes)])
            client.handshake()
            figures[index].peakBeforeLarge = ProcessMemory.peak(client.process.pid)
            var millis: [Double] = []
            for _ in 0..<max(1, options.largeRuns) {
                let started = ContinuousClock.now
                let reply = client.call()
                millis.append(Self.milliseconds(ContinuousClock.now - started))
                guard reply.count > bytes else { fatalError("the \(bytes)-byte result arrived with \(reply.count)") }
            }
            figures[index].peakAfterLarge = ProcessMemory.peak(client.process.pid)
            figures[index].largeMillis = millis.sorted()[millis.count / 2]
            await finish(client, index, phase: "large")
        }
        return figures
    }

    private func auditPath(_ index: Int, phase: String) -> String {
        workFolder + "/echo-\(phase)-\(index).jsonl"
    }

    private func start(_ index: Int, phase: String, server: [String] = []) throws -> PipelinedClient {
        try PipelinedClient(argv: setups[index].argv(server, auditPath(index, phase: phase)))
    }

    /// Ends the session; for the proxy, its `session_end` record must count every call made as allowed.
    private func finish(_ client: PipelinedClient, _ index: Int, phase: String) async {
        let termination = await client.finish()
        guard termination == .exited(0) else { fatalError("\(setups[index].name) (\(phase)) ended: \(termination)") }
        guard setups[index].audits else { return }
        let path = auditPath(index, phase: phase)
        let counts = Self.sessionEndCounts(path)
        guard counts?.calls == client.calls, counts?.allowed == client.calls else {
            fatalError("\(path): session_end counts \(String(describing: counts)), but \(client.calls) calls were made")
        }
        // A soak's audit log runs to tens of MB; the figure was all it was kept for.
        try? FileManager.default.removeItem(atPath: path)
    }

    /// `counts.calls` and `counts.allowed` of the last `session_end` record in the audit log at `path`.
    static func sessionEndCounts(_ path: String) -> (calls: Int, allowed: Int)? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        // The record is the log's last line: read the tail, not the whole log.
        guard let size = try? handle.seekToEnd(), (try? handle.seek(toOffset: size > 65536 ? size - 65536 : 0)) != nil,
            let tail = try? handle.readToEnd()
        else { return nil }
        let line = tail.split(separator: 0x0A).last { $0.range(of: Data(#""event":"session_end""#.utf8)) != nil }
        guard let line, let record = try? JSONParser.parse(Array(line)),
            let calls = record["counts"]?["calls"]?.doubleValue, let allowed = record["counts"]?["allowed"]?.doubleValue
        else { return nil }
        return (Int(calls), Int(allowed))
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
