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

    /// The same text as `format`, quoted as a JSON string, built directly as bytes (hot path).
    package static func quoted(_ seconds: Double) -> [UInt8] {
        let totalMicros = Int64((seconds * 1_000_000).rounded(.down))
        var days = totalMicros / 86_400_000_000
        var micros = totalMicros % 86_400_000_000
        if micros < 0 {
            micros += 86_400_000_000
            days -= 1
        }
        let (year, month, day) = civil(fromDays: days)
        let secondsOfDay = micros / 1_000_000
        var out = [UInt8](repeating: 0, count: 29)
        out[0] = UInt8(ascii: "\"")
        func put(_ value: Int64, at offset: Int, width: Int) {
            var value = value
            for index in stride(from: offset + width - 1, through: offset, by: -1) {
                out[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
        }
        put(year, at: 1, width: 4)
        out[5] = UInt8(ascii: "-")
        put(month, at: 6, width: 2)
        out[8] = UInt8(ascii: "-")
        put(day, at: 9, width: 2)
        out[11] = UInt8(ascii: "T")
        put(secondsOfDay / 3600, at: 12, width: 2)
        out[14] = UInt8(ascii: ":")
        put(secondsOfDay % 3600 / 60, at: 15, width: 2)
        out[17] = UInt8(ascii: ":")
        put(secondsOfDay % 60, at: 18, width: 2)
        out[20] = UInt8(ascii: ".")
        put(micros % 1_000_000, at: 21, width: 6)
        out[27] = UInt8(ascii: "Z")
        out[28] = UInt8(ascii: "\"")
        return out
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
