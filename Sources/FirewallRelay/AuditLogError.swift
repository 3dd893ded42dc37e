/// The audit log could not be opened.
package struct AuditLogError: Error, Sendable, CustomStringConvertible {
    package var message: String
    package var description: String { message }
}
