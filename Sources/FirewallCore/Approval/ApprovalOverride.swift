/// An `approval:` block as written in one place (top level, an environment, a rule): only the
/// settings it states, each with its location for diagnostics.
package struct ApprovalOverride: Sendable, Equatable {
    package var channels: [ApprovalSettings.Channel]?
    package var race: Bool?
    package var timeout: Duration?
    package var onTimeout: ApprovalSettings.OnTimeout?
    package var unattended: Policy.Unattended?
    package var remember: ApprovalSettings.Remember?
    package var rememberArguments: [String]?
    package var command: ApprovalSettings.CommandHook?
    package var webhook: ApprovalSettings.Webhook?
    /// Where each stated setting is written (`unattended`, `remember`, `on_timeout`…).
    package var locations: [String: SourceLocation] = [:]

    package init() {}

    package var isEmpty: Bool { self == ApprovalOverride() }
}

extension ApprovalSettings {
    /// These settings with every setting `override` states replacing the current one.
    package func applying(_ override: ApprovalOverride) -> ApprovalSettings {
        var result = self
        if let channels = override.channels { result.channels = channels }
        if let race = override.race { result.race = race }
        if let timeout = override.timeout { result.timeout = timeout }
        if let onTimeout = override.onTimeout { result.onTimeout = onTimeout }
        if let unattended = override.unattended { result.unattended = unattended }
        if let remember = override.remember { result.remember = remember }
        if let arguments = override.rememberArguments { result.rememberArguments = arguments }
        if let command = override.command { result.command = command }
        if let webhook = override.webhook { result.webhook = webhook }
        return result
    }

    /// These settings with `override` applied, where the override picks channels and the timeout
    /// but can only make `unattended`, `on_timeout` and `remember` stricter: how a rule's own
    /// `approval:` block and a tighten-only environment apply.
    package func tightened(by override: ApprovalOverride?) -> ApprovalSettings {
        guard let override, !override.isEmpty else { return self }
        var result = applying(override)
        result.keepStricter(than: self)
        return result
    }

    /// Makes `unattended`, `on_timeout` and `remember` at least as strict as `floor`'s, and binds grants to
    /// every argument either binds them to.
    private mutating func keepStricter(than floor: ApprovalSettings) {
        unattended = max(unattended, floor.unattended)
        onTimeout = max(onTimeout, floor.onTimeout)
        remember = min(remember, floor.remember)
        rememberArguments = Array(Set(rememberArguments).union(floor.rememberArguments)).sorted()
    }

    /// The stricter combination of two layers' settings: the shorter timeout, the stricter
    /// `unattended`/`on_timeout`/`remember`, only channels both allow (in this layer's order), and
    /// every argument either binds grants to. Hooks and webhooks: this layer's, else the other's.
    package func merging(_ other: ApprovalSettings) -> ApprovalSettings {
        var merged = self
        merged.keepStricter(than: other)
        merged.timeout = min(timeout, other.timeout)
        merged.race = race || other.race
        switch (channels, other.channels) {
        case (nil, let theirs): merged.channels = theirs
        case (let mine?, nil): merged.channels = mine
        case (let mine?, let theirs?): merged.channels = mine.filter(theirs.contains)
        }
        merged.command = command ?? other.command
        merged.webhook = webhook ?? other.webhook
        return merged
    }
}

extension ApprovalOverride {
    /// Two layers' overrides for the same environment, combined the way `ApprovalSettings.merging` does.
    package func merging(_ other: ApprovalOverride) -> ApprovalOverride {
        var merged = self
        merged.timeout = [timeout, other.timeout].compactMap { $0 }.min()
        merged.onTimeout = [onTimeout, other.onTimeout].compactMap { $0 }.max()
        merged.unattended = [unattended, other.unattended].compactMap { $0 }.max()
        merged.remember = [remember, other.remember].compactMap { $0 }.min()
        if let theirs = other.rememberArguments {
            merged.rememberArguments = Array(Set(rememberArguments ?? []).union(theirs)).sorted()
        }
        if let theirs = other.race { merged.race = (race ?? false) || theirs }
        if let theirs = other.channels { merged.channels = channels.map { $0.filter(theirs.contains) } ?? theirs }
        merged.command = command ?? other.command
        merged.webhook = webhook ?? other.webhook
        merged.locations.merge(other.locations) { mine, _ in mine }
        return merged
    }
}
