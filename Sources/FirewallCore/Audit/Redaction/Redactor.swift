import Crypto

/// Takes secrets out of what the audit log stores: values under sensitive key names, and well-known
/// secret formats anywhere inside string values.
///
/// It reads the bytes of one JSON value exactly as the proxy saw them and answers nil when there is
/// nothing to redact (nearly always: one pass, no copy), or new bytes, still valid JSON on one line,
/// with where each redaction was made. The policy never sees the redacted bytes: it judges the call as
/// sent, and only the audit record is redacted.
package struct Redactor: Sendable {
    /// What replaces a redacted value.
    package enum Marker: Sendable {
        /// `[REDACTED:<rule>]`.
        case mask
        /// `hmac:<base64url of the first 16 bytes of HMAC-SHA256(key, value)>`, so equal values correlate.
        case hmac(SymmetricKey)

        /// Keyed hashes under the key `bytes` (callers need not import Crypto).
        package static func hmac(key bytes: [UInt8]) -> Marker { .hmac(SymmetricKey(data: bytes)) }
    }

    /// The built-in rules, masked: what the proxy applies when the policy says nothing.
    package static let standard = Redactor(RedactionSettings())
    /// Nothing is redacted (the policy's `enabled: false`).
    package static let disabled = Redactor(RedactionSettings(enabled: false))

    /// Findings listed per redacted value; beyond this they are only counted.
    package static let findingLimit = 100

    /// The rules, built once and shared: a redactor is copied into every walk, and one reference is
    /// all a copy then costs.
    final class Rules: Sendable {
        let keyRules: KeyNameRules
        let formats: SecretFormat.Set
        let patterns: [RedactionPattern]

        init(keyRules: KeyNameRules, formats: SecretFormat.Set, patterns: [RedactionPattern]) {
            self.keyRules = keyRules
            self.formats = formats
            self.patterns = patterns
        }
    }

    /// False when the policy turned redaction off.
    package let isEnabled: Bool
    let rules: Rules
    let marker: Marker

    /// A redactor for `settings`; `marker` is the mask unless the caller has the HMAC key the policy names.
    package init(_ settings: RedactionSettings, marker: Marker = .mask) {
        let disabled = Set(settings.disabled)
        isEnabled = settings.enabled
        var formats = SecretFormat.Set.all
        for format in SecretFormat.allCases where disabled.contains(format.name) { formats.remove(format) }
        rules = Rules(
            keyRules: KeyNameRules(disabled: disabled, extra: settings.keys), formats: formats,
            patterns: settings.patterns.map { RedactionPattern(name: $0.name, regex: $0.regex) })
        self.marker = marker
    }

    /// Whether the policy added value patterns (they read decoded text).
    var hasPatterns: Bool { !rules.patterns.isEmpty }

    /// The key rule (index into `ruleName`) the raw JSON key bytes match.
    func keyRule(forRawKey raw: UnsafeBufferPointer<UInt8>) -> Int? { rules.keyRules.rule(forRawKey: raw) }

    /// The name of key rule `index`.
    func ruleName(_ index: Int) -> String { rules.keyRules.ruleNames[index] }

    /// Whether anything at all can be redacted.
    var hasRules: Bool {
        isEnabled && (!rules.keyRules.isEmpty || !rules.formats.isEmpty || !rules.patterns.isEmpty)
    }

    /// Redacts one JSON value (valid JSON, as the proxy's reader admitted it); nil when nothing changes.
    package func redact(json bytes: UnsafeBufferPointer<UInt8>) -> RedactionResult? {
        guard hasRules else { return nil }
        var walker = RedactionWalker(redactor: self, bytes: bytes, lenient: false, allowsEmbedded: true)
        do {
            try walker.walkDocument()
        } catch {
            // Not the JSON the caller vouched for: keep nothing rather than risk a secret.
            let replacement = quotedMarker(rule: "unreadable", value: bytes)
            return RedactionResult(
                bytes: replacement, findings: [RedactionFinding(path: "", rule: "unreadable")], omitted: 0)
        }
        guard !walker.edits.isEmpty else { return nil }
        return RedactionResult(bytes: walker.applied(), findings: walker.findings, omitted: walker.omitted)
    }

    /// `redact(json:)` for bytes in an array.
    package func redact(json bytes: [UInt8]) -> RedactionResult? {
        bytes.withUnsafeBufferPointer { redact(json: $0) }
    }

    /// Redacts text that may be the start of a JSON value (a truncated payload's prefix) or not JSON at
    /// all: JSON structure is followed as far as it goes, key rules included, and the rest is scanned for
    /// secret formats. Findings' paths point into that JSON; nil when nothing changes.
    package func redact(text: String) -> (text: String, findings: [RedactionFinding], omitted: Int)? {
        guard hasRules else { return nil }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer -> (String, [RedactionFinding], Int)? in
            var walker = RedactionWalker(redactor: self, bytes: buffer, lenient: true, allowsEmbedded: false)
            walker.walkLeniently()
            guard !walker.edits.isEmpty else { return nil }
            return (String(decoding: walker.applied(), as: UTF8.self), walker.findings, walker.omitted)
        }
    }

    /// The key rule `key` matches (`key:password`), if any: for keys that are not inside a JSON value
    /// (a grant's argument path, a command-line flag).
    package func keyRule(for key: String) -> String? {
        guard isEnabled, let rule = rules.keyRules.rule(forKey: key) else { return nil }
        return rules.keyRules.ruleNames[rule]
    }

    // MARK: - Markers

    /// The text that replaces `value`: the mask naming `rule`, or the keyed hash of `value`.
    func markerText(rule: String, value: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        switch marker {
        case .mask:
            return Array("[REDACTED:\(rule)]".utf8)
        case .hmac(let key):
            let code = HMAC<SHA256>.authenticationCode(for: value, using: key)
            return Array(("hmac:" + Base64URL.encode(Array(code.prefix(16)))).utf8)
        }
    }

    /// `markerText` as a JSON string.
    func quotedMarker(rule: String, value: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var writer = JSONWriter(capacity: 64)
        writer.string(String(decoding: markerText(rule: rule, value: value), as: UTF8.self))
        return writer.take()
    }

    /// The secrets in `text` (decoded string content, or raw content with `SecretScanner`'s `rawEscapes`),
    /// by the built-in formats and the policy's patterns.
    func spans(in text: UnsafeBufferPointer<UInt8>, rawEscapes: Bool = false, into spans: inout [SecretSpan]) {
        SecretScanner.scan(text, formats: rules.formats, rawEscapes: rawEscapes, into: &spans)
        guard !rules.patterns.isEmpty else { return }
        for pattern in rules.patterns { pattern.spans(in: text, into: &spans) }
        guard spans.count > 1 else { return }
        // Built-in and policy spans may overlap: in order, overlapping ones merged into the first.
        spans.sort { $0.range.lowerBound < $1.range.lowerBound }
        var merged: [SecretSpan] = []
        for span in spans {
            if let last = merged.last, span.range.lowerBound < last.range.upperBound {
                merged[merged.count - 1].range =
                    last.range.lowerBound..<max(last.range.upperBound, span.range.upperBound)
            } else {
                merged.append(span)
            }
        }
        spans = merged
    }
}

/// What a redaction changed: where (a JSON Pointer) and by which rule.
package struct RedactionFinding: Sendable, Hashable {
    /// A JSON Pointer (RFC 6901) to the value replaced, or holding the text that was.
    package var path: String
    /// `key:<name>` for a key rule, the format or pattern name for a value rule.
    package var rule: String
    /// When the value at `path` is a string holding a JSON document, the pointer inside that document.
    package var embedded: String?

    package init(path: String, rule: String, embedded: String? = nil) {
        self.path = path
        self.rule = rule
        self.embedded = embedded
    }
}

/// The redacted bytes of one JSON value, and what was redacted.
package struct RedactionResult: Sendable {
    package var bytes: [UInt8]
    /// At most `Redactor.findingLimit`, in document order.
    package var findings: [RedactionFinding]
    /// How many more redactions were made than `findings` lists.
    package var omitted: Int
}
