import FirewallCore
import FirewallRelay
import Synchronization

/// An audit sink for tests: every attempt goes to `deliver` (scripted, or another sink), and is
/// recorded with its outcome.
package final class RecordingAuditSink: AuditSink {
    package struct Attempt: Sendable {
        package var batch: AuditLineBatch
        package var outcome: AuditSinkDelivery
    }

    package let name: String
    private let attempts = Mutex<[Attempt]>([])
    private let handler: @Sendable (_ attempt: Int, _ batch: AuditLineBatch) async -> AuditSinkDelivery

    /// `deliver` is told the attempt's number (1-based, over the sink's life) and the batch.
    package init(
        name: String = "test",
        deliver: @escaping @Sendable (_ attempt: Int, _ batch: AuditLineBatch) async -> AuditSinkDelivery = { _, _ in
            .delivered
        }
    ) {
        self.name = name
        self.handler = deliver
    }

    package func deliver(_ batch: AuditLineBatch) async -> AuditSinkDelivery {
        let number = attempts.withLock { $0.count } + 1
        let outcome = await handler(number, batch)
        attempts.withLock { $0.append(Attempt(batch: batch, outcome: outcome)) }
        return outcome
    }

    /// Every attempt so far, in order.
    package var tried: [Attempt] { attempts.withLock { $0 } }

    /// The lines of every delivered batch, in order.
    package var deliveredLines: [String] {
        tried.filter { $0.outcome == .delivered }.flatMap { attempt in
            attempt.batch.lines.map { String(decoding: $0, as: UTF8.self) }
        }
    }
}
