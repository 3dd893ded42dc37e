/// Formats Unix times as RFC 3339 UTC with microseconds, without Foundation's formatters.
package enum AuditTimestamp {
    /// Characters in `2026-11-25T21:04:28.123456Z`.
    static let length = 27

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

    /// The same text as `format` (for years 0 to 9999, four digits of the year otherwise), quoted as a
    /// JSON string, built directly as bytes.
    package static func quoted(_ seconds: Double) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: length + 2) { buffer, initialized in
            quote(seconds, at: buffer.baseAddress!)
            initialized = length + 2
        }
    }

    /// Writes the quoted text as the next value of `writer`, built in place (the audit's hot path).
    static func write(_ seconds: Double, to writer: inout JSONWriter) {
        writer.rawValue(upTo: length + 2) { out in
            quote(seconds, at: out)
            return length + 2
        }
    }

    private static func quote(_ seconds: Double, at out: UnsafeMutablePointer<UInt8>) {
        out[0] = UInt8(ascii: "\"")
        write(seconds, at: out + 1)
        out[length + 1] = UInt8(ascii: "\"")
    }

    /// Writes the `length` characters of the time at `out`.
    private static func write(_ seconds: Double, at out: UnsafeMutablePointer<UInt8>) {
        let totalMicros = Int64((seconds * 1_000_000).rounded(.down))
        var days = totalMicros / 86_400_000_000
        var micros = totalMicros % 86_400_000_000
        if micros < 0 {
            micros += 86_400_000_000
            days -= 1
        }
        let (year, month, day) = civil(fromDays: days)
        let secondsOfDay = micros / 1_000_000
        func put(_ value: Int64, at offset: Int, width: Int) {
            var value = value
            for index in stride(from: offset + width - 1, through: offset, by: -1) {
                out[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value % 10)
                value /= 10
            }
        }
        put(year, at: 0, width: 4)
        out[4] = UInt8(ascii: "-")
        put(month, at: 5, width: 2)
        out[7] = UInt8(ascii: "-")
        put(day, at: 8, width: 2)
        out[10] = UInt8(ascii: "T")
        put(secondsOfDay / 3600, at: 11, width: 2)
        out[13] = UInt8(ascii: ":")
        put(secondsOfDay % 3600 / 60, at: 14, width: 2)
        out[16] = UInt8(ascii: ":")
        put(secondsOfDay % 60, at: 17, width: 2)
        out[19] = UInt8(ascii: ".")
        put(micros % 1_000_000, at: 20, width: 6)
        out[26] = UInt8(ascii: "Z")
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
