import Foundation

/// Memory figures of another process, from `/proc/<pid>/status`.
enum ProcessMemory {
    /// Resident set size now (`VmRSS`), in MiB.
    static func resident(_ pid: pid_t) -> Double { mebibytes(pid, "VmRSS:") }

    /// Peak resident set size so far (`VmHWM`), in MiB.
    static func peak(_ pid: pid_t) -> Double { mebibytes(pid, "VmHWM:") }

    private static func mebibytes(_ pid: pid_t, _ field: String) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
            let kilobytes = line.split(separator: " ").compactMap({ Double($0) }).first
        else { return .nan }
        return kilobytes / 1024
    }
}
