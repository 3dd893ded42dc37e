/// Reading the log's RFC 3339 UTC timestamps (`2026-11-25T21:27:40.516703Z`) for display.
package enum TimestampText {
    /// The time of day to the millisecond (`21:27:40.516`), or the text unchanged when it is not a timestamp.
    package static func time(_ timestamp: String) -> String {
        guard let at = timestamp.firstIndex(of: "T") else { return timestamp }
        return String(timestamp[timestamp.index(after: at)...].prefix(12))
    }

    /// Seconds since the Unix epoch, for `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
    package static func seconds(_ timestamp: String) -> Double? {
        let bytes = Array(timestamp.utf8)
        guard bytes.count >= 19, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54 || bytes[10] == 0x20,
            bytes[13] == 0x3A, bytes[16] == 0x3A
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month)
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == 0x2E {
            var scale = 0.1
            index += 1
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                fraction += Double(bytes[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
        }
        var offset = 0
        if index + 6 <= bytes.count, bytes[index] == 0x2B || bytes[index] == 0x2D,
            let hours = number((index + 1)..<(index + 3)), let minutes = number((index + 4)..<(index + 6))
        {
            offset = (hours * 3600 + minutes * 60) * (bytes[index] == 0x2D ? -1 : 1)
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second - offset) + fraction
    }

    /// "37 ms", "12.4 s", "3 min 5 s", "2 h 1 min" between two timestamps; nil when either does not parse.
    package static func span(from first: String, to last: String) -> String? {
        guard let start = seconds(first), let end = seconds(last), end >= start else { return nil }
        let elapsed = end - start
        switch elapsed {
        case ..<1: return "\(Int((elapsed * 1000).rounded())) ms"
        case ..<60: return "\((elapsed * 10).rounded() / 10) s"
        case ..<3600: return "\(Int(elapsed) / 60) min \(Int(elapsed) % 60) s"
        default: return "\(Int(elapsed) / 3600) h \(Int(elapsed) % 3600 / 60) min"
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let shifted = month <= 2 ? year - 1 : year
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
