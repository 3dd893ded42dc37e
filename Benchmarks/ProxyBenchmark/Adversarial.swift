import FirewallCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Frames built to be expensive to read: many keys, deep nesting, long escaped strings, line
/// separators that force a rewrite. Each is a `tools/call` from the client and a result from the
/// server of about `megabytes` MB, read through the same gate the relay uses. Peak memory is taken in
/// a child process per shape, so one shape's peak never hides another's.
enum AdversarialFrames {
    static let shapes = [
        "wide-object", "many-small-objects", "deep-nesting", "escaped-string", "line-separators",
        "number-array", "carriage-returns", "long-keys",
    ]

    /// The JSON value of `shape`, about `bytes` long, appended to `out` (built as bytes, so that making
    /// the frame does not itself raise the process's peak memory far above the frame).
    static func append(_ shape: String, bytes: Int, to out: inout [UInt8]) {
        func add(_ text: String) { out.append(contentsOf: text.utf8) }
        switch shape {
        case "wide-object":
            // 90k+ distinct keys in one object: the shape that froze the old O(n²) duplicate check.
            add("{")
            for index in 0..<(bytes / 11) { add(index == 0 ? "\"k\(index)\":0" : ",\"k\(index)\":0") }
            add("}")
        case "many-small-objects":
            add("[")
            for index in 0..<(bytes / 14) { add(index == 0 ? #"{"a":1,"b":2}"# : #",{"a":1,"b":2}"#) }
            add("]")
        case "deep-nesting":
            // 120 levels of objects and arrays (the parser allows 256), with a wide body at the bottom.
            for _ in 0..<120 { add(#"{"a":["#) }
            append("wide-object", bytes: bytes - 1200, to: &out)
            for _ in 0..<120 { add("]}") }
        case "escaped-string":
            add("\"")
            for _ in 0..<(bytes / 24) { add(#"\u00e9\ud83d\ude00\n\""#) }
            add("\"")
        case "line-separators":
            add("\"")
            for _ in 0..<(bytes / 11) { add("a\u{2028}b\u{2029}c\u{0085}") }
            add("\"")
        case "number-array":
            add("[1")
            for _ in 1..<(bytes / 2) { add(",1") }
            add("]")
        case "carriage-returns":
            add("[1\r")
            for _ in 1..<(bytes / 3) { add(",1\r") }
            add("]")
        case "long-keys":
            let key = String(repeating: "K", count: 1000)
            add("{")
            for index in 0..<(bytes / 1010) { add((index == 0 ? "\"" : ",\"") + key + "\(index)\":0") }
            add("}")
        default:
            preconditionFailure("unknown shape \(shape)")
        }
    }

    /// A client `tools/call` or a server result carrying `shape` (as arguments, or in an object).
    static func frame(_ shape: String, bytes: Int, client: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes + 256)
        out.append(
            contentsOf: (client
                ? #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"v":"#
                : #"{"jsonrpc":"2.0","id":1,"result":{"content":[],"structuredContent":{"v":"#).utf8)
        append(shape, bytes: bytes, to: &out)
        out.append(contentsOf: "}}}".utf8)
        return out
    }

    /// Runs in the child: reads one side's frame, prints `best-ms peak-extra-bytes frame-bytes`.
    static func runShape(_ arguments: [String]) -> Never {
        let shape = arguments[0]
        let bytes = (Int(arguments[1]) ?? 1) << 20
        let client = arguments.count < 3 || arguments[2] == "client"
        func read(_ frame: [UInt8]) {
            if client {
                guard (try? ClientMessage.decode(frame)) != nil else { preconditionFailure("\(shape) refused") }
            } else {
                guard case .result = ServerMessage.decode(frame).kind else { preconditionFailure("\(shape) dropped") }
            }
        }
        // Warm up on a small frame so the figures are the reading, not the first run of its code.
        read(frame(shape, bytes: 1 << 12, client: client))
        let input = frame(shape, bytes: bytes, client: client)
        let baseline = peakBytes()
        let clock = ContinuousClock()
        var best = Double.infinity
        for _ in 0..<5 { best = min(best, milliseconds(clock.measure { read(input) })) }
        print("\(best) \(max(0, peakBytes() - baseline)) \(input.count)")
        exit(0)
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    /// This process's peak resident memory, from /proc (`VmHWM`). Not `getrusage`: its `ru_maxrss`
    /// carries over the parent's peak into a child started with vfork, which is how Process starts one.
    static func peakBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = line.split(separator: " ").compactMap({ Int($0) }).first
        else { return 0 }
        return kilobytes * 1024
    }

    /// Prints one table row per shape, each side measured in a child process of its own.
    static func report(executable: String, megabytes: Int) {
        print(
            "| adversarial frame (\(megabytes) MB) | client frame read (ms) | server frame read (ms) "
                + "| peak extra memory, client / server |")
        print("| --- | --- | --- | --- |")
        for shape in shapes {
            let sides = ["client", "server"].map { side -> [Double] in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = ["adversarial-shape", shape, String(megabytes), side]
                let pipe = Pipe()
                process.standardOutput = pipe
                do { try process.run() } catch { preconditionFailure("cannot run \(executable): \(error)") }
                let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                let fields = output.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
                guard fields.count == 3 else { preconditionFailure("\(shape) \(side): \(output)") }
                return fields
            }
            func ratio(_ fields: [Double]) -> String { String(format: "%.2f×", fields[1] / fields[2]) }
            print(
                "| \(shape) | \(String(format: "%.2f", sides[0][0])) | \(String(format: "%.2f", sides[1][0])) | "
                    + "\(ratio(sides[0])) / \(ratio(sides[1])) |")
        }
    }
}
