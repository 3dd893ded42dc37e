import FirewallAuditSinks
import FirewallCore
import FirewallRelay
import Logging

/// Builds the audit sinks of a proxy run from the policy's `audit.sinks` and the `--audit-sink` flags.
enum AuditSinkSetup {
    /// Every sink the policy configures, then every flag's that the policy does not already configure
    /// (a flag naming the policy's URL, or `stderr` with a policy stderr sink, adds nothing).
    static func settings(policy: [AuditSinkSettings], flags: [String]) throws(AuditSinkError) -> [AuditSinkSettings] {
        var all = policy
        for spec in flags {
            let sink = try AuditSinkSettings(spec: spec)
            let known = all.contains { existing in
                switch (existing.target, sink.target) {
                case (.stderr, .stderr): true
                case (.http(let a), .http(let b)): a.url == b.url
                default: false
                }
            }
            if !known { all.append(sink) }
        }
        return all
    }

    /// The sinks themselves; throws when one cannot work (an HMAC key or header variable unset).
    static func sinks(
        _ settings: [AuditSinkSettings], environment: [String: String], logger: Logger
    ) throws(AuditSinkError) -> [ConfiguredAuditSink] {
        var sinks: [ConfiguredAuditSink] = []
        for setting in settings {
            switch setting.target {
            case .stderr(let format):
                sinks.append(.init(sink: StderrAuditSink(name: setting.name, format: format), settings: setting))
            case .http(let http):
                let sink = try HTTPAuditSink(name: setting.name, http: http, environment: environment, logger: logger)
                sinks.append(.init(sink: sink, settings: setting))
            }
        }
        return sinks
    }

    /// The variables the sinks read secrets from: the MCP server must not inherit them.
    static func withheldEnvironment(_ settings: [AuditSinkSettings]) -> Set<String> {
        var names: Set<String> = []
        for setting in settings {
            guard case .http(let http) = setting.target else { continue }
            names.insert(http.secretEnvironmentVariable)
            for header in http.headers {
                if case .environment(let variable) = header.value { names.insert(variable) }
            }
        }
        return names
    }
}
