import Foundation

extension EchoBenchmark {
    /// The targets the relay rewrite must meet (docs/design/relay-state-machine.md, section 7).
    enum Target {
        static let addedLatencyMicros = 50.0
        static let throughputRatio = 0.9
        static let cpuMicros = 5.0
        static let idleRSSMiB = 24.0
        /// How much RSS may grow between the soak's early mark and its end and still count as flat.
        static let soakGrowthMiB = 1.0
    }

    /// Prints the echo-server table, the proxy's figures against the targets, each marked met or missed.
    /// Figures from a debug build say nothing about the targets; the marks are printed all the same.
    func printTable(_ figures: [Figures], cpuMicros: Double) {
        let (direct, floor, proxy) = (figures[0], figures[1], figures[2])
        func fmt(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
        func mark(_ met: Bool) -> String { met ? "met" : "**missed**" }
        func row(_ cells: String...) { print("| " + cells.joined(separator: " | ") + " |") }
        func median(_ values: [Double]) -> Double { values.isEmpty ? .nan : values[values.count / 2] }
        func percentile(_ sorted: [Double], _ p: Double) -> Double {
            sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.down)))]
        }

        func added(_ a: Double, _ b: Double) -> String { String(format: "%+.1f", b - a) }
        func ratio(_ a: Double, _ b: Double) -> String { "\(fmt(b / a, 2))×" }
        row(
            "against the echo server", "direct", "bare relay (floor)", "mcp-firewall", "mcp-firewall vs direct",
            "mcp-firewall vs floor", "target", "status")
        row("---", "---", "---", "---", "---", "---", "---", "---")
        for (label, p) in [("p50", 0.5), ("p95", 0.95), ("p99", 0.99)] {
            let (a, f, b) = (percentile(direct.latency, p), percentile(floor.latency, p), percentile(proxy.latency, p))
            let isTarget = p == 0.5
            row(
                "sequential latency \(label) (µs)", fmt(a), fmt(f), fmt(b), added(a, b), added(f, b),
                isTarget ? "≤ +\(fmt(Target.addedLatencyMicros, 0)) µs vs direct" : "",
                isTarget ? mark(b - a <= Target.addedLatencyMicros) : "")
        }
        let (a, f, b) = (median(direct.throughput), median(floor.throughput), median(proxy.throughput))
        row(
            "throughput, \(options.inFlight) in flight (calls/s, median of \(Self.throughputRounds) rounds)", fmt(a, 0),
            fmt(f, 0), fmt(b, 0), ratio(a, b), ratio(f, b), "≥ \(fmt(Target.throughputRatio, 1))× direct",
            mark(b / a >= Target.throughputRatio))
        let soakRate = (direct.soakThroughput, floor.soakThroughput, proxy.soakThroughput)
        row(
            "throughput over the \(options.soakCalls)-call soak (calls/s)", fmt(soakRate.0, 0), fmt(soakRate.1, 0),
            fmt(soakRate.2, 0), ratio(soakRate.0, soakRate.2), ratio(soakRate.1, soakRate.2), "", "")
        row(
            "firewall CPU per allowed, audited call, in process (µs)", "", "", fmt(cpuMicros), "", "",
            "≤ \(fmt(Target.cpuMicros, 0)) µs", mark(cpuMicros <= Target.cpuMicros))
        row(
            "idle RSS after initialize (MiB)", "\(fmt(direct.idleRSS)) (server)", "\(fmt(floor.idleRSS)) (relay)",
            "\(fmt(proxy.idleRSS)) (proxy)", "", "", "≤ \(fmt(Target.idleRSSMiB, 0)) MiB",
            mark(proxy.idleRSS <= Target.idleRSSMiB))
        let copy = Double(options.largeMegabytes)
        func rise(_ figures: Figures) -> Double { figures.peakAfterLarge - figures.peakBeforeLarge }
        row(
            "peak RSS rise for a \(options.largeMegabytes) MB result (MiB)", "\(fmt(rise(direct))) (server)",
            "\(fmt(rise(floor))) (relay)", "\(fmt(rise(proxy))) (proxy)", "", "",
            "≤ \(fmt(copy, 1)) MiB (one copy)", mark(rise(proxy) <= copy))
        let large = (direct.largeMillis, floor.largeMillis, proxy.largeMillis)
        row(
            "\(options.largeMegabytes) MB result (ms, median of \(max(1, options.largeRuns)))", fmt(large.0),
            fmt(large.1), fmt(large.2), ratio(large.0, large.2), ratio(large.1, large.2), "", "")
        func soak(_ figures: Figures) -> String { "\(fmt(figures.soakEarlyRSS)) → \(fmt(figures.soakLateRSS))" }
        let growth = proxy.soakLateRSS - proxy.soakEarlyRSS
        row(
            "RSS after \(soakMark) → \(options.soakCalls) calls (MiB)", soak(direct), soak(floor), soak(proxy),
            "", "", "flat (proxy \(added(0, growth)); ≤ +\(fmt(Target.soakGrowthMiB, 0)) MiB)",
            mark(growth <= Target.soakGrowthMiB))
        print("")
        print(
            "echo server: \(options.calls) sequential calls per set-up (\(Self.latencyRounds) interleaved rounds, "
                + "after \(options.warmup) warm-up), \(options.echoCalls) pipelined (\(Self.throughputRounds) rounds), "
                + "a soak of \(options.soakCalls) and \(max(1, options.largeRuns)) large results on fresh processes; "
                + "every proxied call allowed and audited, checked against the audit log's session_end counts")
    }
}
