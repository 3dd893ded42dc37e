/// The policy's `audit.redaction:` block, checked: what the audit log redacts, and what it writes instead.
///
/// The defaults redact every built-in key rule and secret format with a mask; a policy adds key names
/// and patterns, turns single rules off by name, switches to keyed hashes, or turns redaction off
/// altogether, each only by saying so.
package struct RedactionSettings: Sendable {
    /// What replaces a redacted value.
    package enum Mode: String, Sendable, CaseIterable {
        /// `[REDACTED:<rule>]`.
        case mask
        /// `hmac:<base64url of the first 16 bytes of HMAC-SHA256(key, value)>`: equal values correlate.
        case hmac
    }

    /// Where the HMAC key comes from: never the policy itself.
    package enum KeySource: Sendable, Equatable, CustomStringConvertible {
        /// An environment variable holding the key.
        case environment(String)
        /// A file holding the key (relative paths are resolved against the policy file's folder).
        case file(String)

        package var description: String {
            switch self {
            case .environment(let name): "$\(name)"
            case .file(let path): path
            }
        }
    }

    /// A value rule of the policy's own: a regular expression matched inside string values.
    package struct Pattern: Sendable {
        package var name: String
        package var regex: PolicyRegex
        package var location: SourceLocation?

        package init(name: String, regex: PolicyRegex, location: SourceLocation? = nil) {
            self.name = name
            self.regex = regex
            self.location = location
        }
    }

    /// False only when the policy says `enabled: false` (every layer, when layered).
    package var enabled = true
    package var mode = Mode.mask
    /// Required for `.hmac`; the loader refuses `mode: hmac` without one.
    package var keySource: KeySource?
    /// Extra key names: segment sequences (`ssn`) or globs over the lower-cased key (`x-internal-*`).
    package var keys: [String] = []
    package var patterns: [Pattern] = []
    /// Built-in rules turned off, by name (`jwt`, `key:token`).
    package var disabled: [String] = []
    /// Where `enabled`, `mode` and each `disable` entry are written, for diagnostics and layering.
    package var locations: [String: SourceLocation] = [:]

    package init(
        enabled: Bool = true, mode: Mode = .mask, keySource: KeySource? = nil, keys: [String] = [],
        patterns: [Pattern] = [], disabled: [String] = []
    ) {
        self.enabled = enabled
        self.mode = mode
        self.keySource = keySource
        self.keys = keys
        self.patterns = patterns
        self.disabled = disabled
    }

    /// The name of every built-in rule, as markers write it and `disable:` names it: the key rules
    /// (`key:password`, …) then the secret formats (`aws_access_key_id`, …).
    package static let builtInRuleNames: [String] =
        KeyNameRules.builtIns.map { "key:" + $0.name } + SecretFormat.allCases.map(\.name)

    /// Combines two layers so that neither can loosen the other: redaction stays on unless both turn it
    /// off, a built-in rule stays on unless both turn it off, keys and patterns are united; two layers
    /// that state different modes get the mask (it reveals less), and the HMAC key is the first layer's.
    package func merging(_ other: RedactionSettings) -> RedactionSettings {
        var merged = self
        merged.enabled = enabled || other.enabled
        let mine = locations["mode"] != nil
        let theirs = other.locations["mode"] != nil
        switch (mine, theirs) {
        case (false, true):
            merged.mode = other.mode
            merged.keySource = other.keySource
        case (true, true) where mode != other.mode:
            merged.mode = .mask
            merged.keySource = nil
        default:
            break
        }
        if merged.mode == .hmac, merged.keySource == nil { merged.keySource = other.keySource }
        merged.keys += other.keys.filter { !keys.contains($0) }
        merged.patterns += other.patterns.filter { theirs in
            !patterns.contains { $0.name == theirs.name && $0.regex.source == theirs.regex.source }
        }
        merged.disabled = disabled.filter(other.disabled.contains)
        merged.locations.merge(other.locations) { first, _ in first }
        return merged
    }
}
