import FirewallCore

extension ProxyConfiguration {
    /// The redactor the session's audit encoder applies: `redactor` when the caller built one (with the
    /// HMAC key a `mode: hmac` policy names), else the policy's rules with masks, which reveal less.
    package var auditRedactor: Redactor { redactor ?? Redactor(policy.audit.redaction) }
}
