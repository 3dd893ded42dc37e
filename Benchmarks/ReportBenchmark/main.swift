// mcp-firewall-report-bench: times `mcp-firewall report` on synthetic audit logs of growing size.
//
//   swift build -c release --product mcp-firewall-report-bench --product mcp-firewall
//   .build/release/mcp-firewall-report-bench [--events 100000,1000000] [--binary PATH] [--keep]
//
// For each size it writes a synthetic log, runs the real CLI (`report LOG -o OUT`) as a child process,
// and prints the wall time, the child's peak resident memory and the sizes of the log and the report.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The command line of the benchmark.
struct BenchOptions {
    var events = [100_000, 1_000_000]
    var binary: String?
    var keep = false
    var formats = ["html"]

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--events": events = (iterator.next() ?? "").split(separator: ",").compactMap { Int($0) }
            case "--binary": binary = iterator.next()
            case "--format": formats = (iterator.next() ?? "html").split(separator: ",").map(String.init)
            case "--keep": keep = true
            default:
                print(
                    "usage: mcp-firewall-report-bench [--events N[,N…]] [--format html,json,markdown] [--binary PATH] [--keep]"
                )
                exit(argument == "--help" || argument == "-h" ? 0 : 64)
            }
        }
    }
}

/// Runs `argv` to completion; returns its exit status, wall seconds and peak RSS in bytes.
func measure(_ argv: [String]) -> (status: Int32, seconds: Double, peakBytes: Int) {
    var start = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    var pid: pid_t = 0
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    let cArgs = argv.map { strdup($0) } + [nil]
    defer { cArgs.forEach { free($0) } }
    guard posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ) == 0 else {
        print("cannot start \(argv[0])")
        exit(1)
    }
    var status: Int32 = 0
    var usage = rusage()
    wait4(pid, &status, 0, &usage)
    var end = timespec()
    clock_gettime(CLOCK_MONOTONIC, &end)
    let seconds = Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
    #if os(Linux)
    let peak = usage.ru_maxrss * 1024
    #else
    let peak = usage.ru_maxrss
    #endif
    return ((status >> 8) & 0xFF, seconds, peak)
}

/// The size of the file at `path`.
func fileSize(_ path: String) -> Int {
    var info = stat()
    return stat(path, &info) == 0 ? Int(info.st_size) : 0
}

func megabytes(_ bytes: Int) -> String {
    let value = Double(bytes) / 1_048_576
    return value < 10 ? String(Int(value * 10) / 10) + "." + String(Int(value * 10) % 10) : String(Int(value.rounded()))
}

let options = BenchOptions(Array(CommandLine.arguments.dropFirst()))
let selfPath: String = {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/exe", &buffer, 4095)
    guard count > 0 else { return CommandLine.arguments[0] }
    return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}()
let binary =
    options.binary ?? String(selfPath[..<(selfPath.lastIndex(of: "/") ?? selfPath.startIndex)]) + "/mcp-firewall"
guard access(binary, X_OK) == 0 else {
    print("mcp-firewall not found at \(binary); build it or pass --binary")
    exit(1)
}
var template = Array("/tmp/mcp-firewall-report-bench-XXXXXX".utf8CString)
guard let folderPointer = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { exit(1) }
let folder = String(cString: folderPointer)

print("mcp-firewall report: synthetic logs, \(binary)")
print("| events | log MB | format | time s | events/s | peak RSS MB | report MB |")
print("|---:|---:|---|---:|---:|---:|---:|")
var failed = false
for events in options.events {
    let log = folder + "/audit-\(events).jsonl"
    let logBytes = SyntheticAuditLog.write(events: events, to: log)
    for format in options.formats {
        let output = folder + "/report-\(events).\(format)"
        let run = measure([binary, "report", log, "-o", output, "--format", format, "--title", "bench \(events)"])
        if run.status != 0 { failed = true }
        let rate = Int(Double(events) / max(run.seconds, 0.000_001))
        print(
            "| \(events) | \(megabytes(logBytes)) | \(format) | \(String(Int(run.seconds * 100) / 100)).\(String(Int(run.seconds * 100) % 100).leftPadded(to: 2)) "
                + "| \(rate) | \(megabytes(run.peakBytes)) | \(megabytes(fileSize(output))) |"
                + (run.status == 0 ? "" : " exit \(run.status)"))
        if !options.keep { unlink(output) }
    }
    if !options.keep { unlink(log) }
}
if !options.keep { rmdir(folder) } else { print("kept in \(folder)") }
exit(failed ? 1 : 0)
