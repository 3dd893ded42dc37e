/// Formats Unix times as RFC 3339 UTC with microseconds, without Foundation's formatters.
package enum AuditTimestamp {
    /// `2026-11-25T21:04:28.123456Z` for `seconds` since the Unix epoch.
    package static func format(_ seconds: Double) -> String {
        let totalMicros = Int64((seconds * 1_000_000).rounded(.down))
        var days = totalMicros / 86_400_000_000
        var micros = totalMicros % 86_400_000_000
        if micros < 0 {
            micros += 86_400_000_000
            days -= 1
        }
        let (year, month, day) = civil(fromDays: days)
        let secondsOfDay = micros / 1_000_000
        let fraction = micros % 1_000_000
        return
            "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondsOfDay / 3600, 2)):\(pad(secondsOfDay % 3600 / 60, 2)):\(pad(secondsOfDay % 60, 2)).\(pad(fraction, 6))Z"
    }

    /// Howard Hinnant's days-to-civil algorithm.
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
