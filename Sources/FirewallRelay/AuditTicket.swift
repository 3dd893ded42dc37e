/// The place of one enqueued audit batch in its file's order: a frame that must not leave before the
/// batch is written carries this ticket and waits for it.
///
/// Tickets count up from 1 in enqueue order, one per non-empty batch, so "everything up to ticket n is
/// durable" is a single number. `.none` (zero) is the ticket of nothing: waiting for it always succeeds.
package struct AuditTicket: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// The batch's sequence number in its writer; zero for `.none`.
    package let sequence: UInt64

    package init(_ sequence: UInt64) {
        self.sequence = sequence
    }

    /// Nothing to wait for.
    package static let none = AuditTicket(0)

    package static func < (lhs: AuditTicket, rhs: AuditTicket) -> Bool { lhs.sequence < rhs.sequence }

    package var description: String { "audit#\(sequence)" }
}
