/// When a sink tries a failed delivery again: exponential backoff with full jitter.
///
/// Attempt n (1 for the first retry) waits a uniformly random time in `[0, min(cap, base · 2ⁿ⁻¹)]`,
/// so that many proxies whose collector came back do not all retry at once. A `Retry-After` the
/// collector sent is honoured instead, up to the cap. The random draw is the caller's, so the
/// schedule is tested without clocks.
package struct AuditSinkBackoff: Sendable, Equatable {
    package var base: Duration
    package var cap: Duration

    package init(base: Duration = .seconds(1), cap: Duration = .seconds(300)) {
        self.base = base
        self.cap = cap
    }

    /// The longest wait before retry `attempt` (1-based).
    package func ceiling(attempt: Int) -> Duration {
        let doublings = min(max(attempt - 1, 0), 40)
        let grown = base * Double(1 << UInt64(doublings))
        return min(cap, grown)
    }

    /// The wait before retry `attempt`: `unit` (in [0, 1)) of the ceiling, or `retryAfter` when given.
    package func delay(attempt: Int, unit: Double, retryAfter: Duration? = nil) -> Duration {
        if let retryAfter { return min(cap, max(.zero, retryAfter)) }
        return ceiling(attempt: attempt) * min(max(unit, 0), 1)
    }
}

/// What one delivery attempt came to, as a sink reports it to its runner.
package enum AuditSinkDelivery: Sendable, Equatable {
    /// The collector has the batch.
    case delivered
    /// A failure worth retrying (network, timeout, 408, 429, 5xx), with the collector's `Retry-After`.
    case retry(reason: String, after: Duration?)
    /// The collector refused the batch (another 4xx, a redirect): retrying the same bytes will not help
    /// until someone fixes the collector or the configuration.
    case rejected(reason: String)

    /// How an HTTP answer is taken: 2xx delivered; 408, 429 and 5xx retried (honouring `Retry-After`);
    /// everything else (other 4xx, 3xx: redirects are not followed) rejected, naming the status and the
    /// start of the body.
    package static func classify(status: Int, retryAfter: String?, body: [UInt8], now: Double) -> AuditSinkDelivery {
        if (200..<300).contains(status) { return .delivered }
        let excerpt = Self.excerpt(body)
        let reason = "the collector answered \(status)" + (excerpt.isEmpty ? "" : ": \(excerpt)")
        if status == 408 || status == 429 || (500..<600).contains(status) {
            return .retry(reason: reason, after: retryAfter.flatMap { Self.retryAfter($0, now: now) })
        }
        if (300..<400).contains(status) {
            return .rejected(reason: reason + " (redirects are not followed)")
        }
        return .rejected(reason: reason)
    }

    /// `Retry-After` as seconds (`120`) or an HTTP date (`Wed, 21 Oct 2026 07:28:00 GMT`).
    package static func retryAfter(_ text: String, now: Double) -> Duration? {
        let trimmed = text.trimmingSpaces
        if let seconds = Int(trimmed), seconds >= 0 { return .seconds(seconds) }
        guard let date = HTTPDate.parse(trimmed) else { return nil }
        return .milliseconds(Int64(max(0, date - now) * 1000))
    }

    /// The first 200 characters of a response body, one line, control characters removed.
    static func excerpt(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(800), as: UTF8.self)
        let cleaned = String(
            text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
        let trimmed = cleaned.trimmingSpaces
        return trimmed.count > 200 ? String(trimmed.prefix(200)) + "…" : trimmed
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        let scalars = unicodeScalars.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }
        return String(String.UnicodeScalarView(scalars.reversed()))
    }
}

/// IMF-fixdate (RFC 9110 §5.6.7), the form `Retry-After` dates take: `Sun, 06 Nov 1994 08:49:37 GMT`.
enum HTTPDate {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Seconds since 1970, nil for anything else.
    static func parse(_ text: String) -> Double? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]),
            let month = months.firstIndex(of: String(parts[2])),
            let year = Int(parts[3])
        else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3, (1...31).contains(day), year >= 1970, clock[0] < 24, clock[1] < 60, clock[2] < 61
        else { return nil }
        return Double(daysFromCivil(year: year, month: month + 1, day: day)) * 86_400
            + Double(clock[0] * 3600 + clock[1] * 60 + clock[2])
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
