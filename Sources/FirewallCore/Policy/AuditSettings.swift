/// The policy's `audit:` block: how the audit log is written. Set once per policy, never per environment.
package struct AuditSettings: Sendable {
    package var redaction = RedactionSettings()

    package init(redaction: RedactionSettings = RedactionSettings()) {
        self.redaction = redaction
    }

    /// Layers combined (see `RedactionSettings.merging`).
    package func merging(_ other: AuditSettings) -> AuditSettings {
        AuditSettings(redaction: redaction.merging(other.redaction))
    }
}
