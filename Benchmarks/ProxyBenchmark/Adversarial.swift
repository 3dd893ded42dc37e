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

    /// The JSON value of `shape`, about `bytes` long.
    static func value(_ shape: String, bytes: Int) -> String {
        switch shape {
        case "wide-object":
            // 120k+ distinct keys in one object: the shape that froze the old O(n²) duplicate check.
            let count = bytes / 11
            return "{" + (0..<count).map { "\"k\($0)\":0" }.joined(separator: ",") + "}"
        case "many-small-objects":
            return "[" + Array(repeating: #"{"a":1,"b":2}"#, count: bytes / 14).joined(separator: ",") + "]"
        case "deep-nesting":
            // As deep as the parser allows (256), with a wide body at the bottom.
            let inner = value("wide-object", bytes: bytes - 512)
            return String(repeating: #"{"a":["#, count: 120) + inner + String(repeating: "]}", count: 120)
        case "escaped-string":
            return "\"" + String(repeating: #"\u00e9\ud83d\ude00\n\""#, count: bytes / 24) + "\""
        case "line-separators":
            return "\"" + String(repeating: "a\u{2028}b\u{2029}c\u{0085}", count: bytes / 11) + "\""
        case "number-array":
            return "[" + Array(repeating: "1", count: bytes / 2).joined(separator: ",") + "]"
        case "carriage-returns":
            return "[" + Array(repeating: "1\r", count: bytes / 3).joined(separator: ",") + "]"
        case "long-keys":
            let key = String(repeating: "K", count: 1000)
            return "{" + (0..<(bytes / 1010)).map { "\"\(key)\($0)\":0" }.joined(separator: ",") + "}"
        default:
            preconditionFailure("unknown shape \(shape)")
        }
    }

    static func frames(_ shape: String, bytes: Int) -> (client: [UInt8], server: [UInt8]) {
        let body = value(shape, bytes: bytes)
        let argument = body.hasPrefix("{") ? body : #"{"v":"# + body + "}"
        let client =
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":"#
            + argument + "}}"
        let server = #"{"jsonrpc":"2.0","id":1,"result":{"content":[],"structuredContent":"# + argument + "}}"
        return (Array(client.utf8), Array(server.utf8))
    }

    /// Runs in the child: reads both frames, prints `ms-client ms-server peak-delta-bytes frame-bytes`.
    static func runShape(_ arguments: [String]) -> Never {
        let shape = arguments[0]
        let bytes = (Int(arguments[1]) ?? 1) << 20
        let (client, server) = frames(shape, bytes: bytes)
        // Warm up once on a small frame so the numbers are the parse, not first-touch of the code.
        _ = try? ClientMessage.decode(frames(shape, bytes: 1 << 12).client)
        let baseline = peakBytes()
        let clock = ContinuousClock()
        var clientMs = Double.infinity
        var serverMs = Double.infinity
        for _ in 0..<5 {
            let elapsed = clock.measure {
                guard (try? ClientMessage.decode(client)) != nil else { preconditionFailure("\(shape) refused") }
            }
            clientMs = min(clientMs, milliseconds(elapsed))
            let serverElapsed = clock.measure {
                guard case .result = ServerMessage.decode(server).kind else { preconditionFailure("\(shape) dropped") }
            }
            serverMs = min(serverMs, milliseconds(serverElapsed))
        }
        let peak = max(0, peakBytes() - baseline)
        print("\(clientMs) \(serverMs) \(peak) \(client.count)")
        exit(0)
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    static func peakBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
    }

    /// Prints one table row per shape, each measured in a child process.
    static func report(executable: String, megabytes: Int) {
        print(
            "| adversarial frame (\(megabytes) MB) | client frame read (ms) | server frame read (ms) | peak memory / frame |"
        )
        print("| --- | --- | --- | --- |")
        for shape in shapes {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["adversarial-shape", shape, String(megabytes)]
            let pipe = Pipe()
            process.standardOutput = pipe
            do { try process.run() } catch { preconditionFailure("cannot run \(executable): \(error)") }
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let fields = output.split(separator: " ").compactMap {
                Double($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            guard fields.count == 4 else { preconditionFailure("\(shape): \(output)") }
            print(
                "| \(shape) | \(String(format: "%.2f", fields[0])) | \(String(format: "%.2f", fields[1])) | "
                    + "\(String(format: "%.2f", fields[2] / fields[3]))× |")
        }
    }
}
