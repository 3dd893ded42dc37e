import Testing

@testable import FirewallCore

struct AuditSinkBackoffTests {
    @Test func theCeilingDoublesFromOneSecondToFiveMinutes() {
        let backoff = AuditSinkBackoff()
        let ceilings = (1...11).map { backoff.ceiling(attempt: $0) }
        #expect(Array(ceilings.prefix(9)) == [1, 2, 4, 8, 16, 32, 64, 128, 256].map { Duration.seconds($0) })
        #expect(Array(ceilings.suffix(2)) == [.seconds(300), .seconds(300)])
        #expect(backoff.ceiling(attempt: 10_000) == .seconds(300))
    }

    @Test func fullJitterDrawsAnywhereBelowTheCeiling() {
        let backoff = AuditSinkBackoff()
        #expect(backoff.delay(attempt: 3, unit: 0) == .zero)
        #expect(backoff.delay(attempt: 3, unit: 0.5) == .seconds(2))
        #expect(backoff.delay(attempt: 3, unit: 7) == .seconds(4))
    }

    @Test func retryAfterIsHonouredUpToTheCap() {
        let backoff = AuditSinkBackoff()
        #expect(backoff.delay(attempt: 1, unit: 0.1, retryAfter: .seconds(30)) == .seconds(30))
        #expect(backoff.delay(attempt: 1, unit: 0.1, retryAfter: .seconds(3600)) == .seconds(300))
        #expect(AuditSinkDelivery.retryAfter("120", now: 0) == .seconds(120))
        // Sun, 06 Nov 1994 08:49:37 GMT is 784111777.
        #expect(AuditSinkDelivery.retryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_767) == .seconds(10))
        #expect(AuditSinkDelivery.retryAfter("soon", now: 0) == nil)
    }

    @Test(arguments: [
        (200, "delivered"), (204, "delivered"), (408, "retry"), (429, "retry"), (500, "retry"), (503, "retry"),
        (400, "rejected"), (401, "rejected"), (404, "rejected"), (410, "rejected"), (302, "rejected"),
    ])
    func statusesAreDeliveredRetriedOrRejected(status: Int, expected: String) {
        let outcome = AuditSinkDelivery.classify(
            status: status, retryAfter: nil, body: Array("no\u{1B}[31m".utf8), now: 0)
        switch outcome {
        case .delivered: #expect(expected == "delivered")
        case .retry(let reason, _):
            #expect(expected == "retry")
            #expect(reason == "the collector answered \(status): no [31m")
        case .rejected(let reason):
            #expect(expected == "rejected")
            #expect(reason.hasPrefix("the collector answered \(status): no [31m"))
        }
    }

    @Test func a429CarriesItsRetryAfter() {
        #expect(
            AuditSinkDelivery.classify(status: 429, retryAfter: "7", body: [], now: 0)
                == .retry(reason: "the collector answered 429", after: .seconds(7)))
    }
}
