/// A compiled regular expression from a policy, matched anywhere in the value unless anchored.
package struct PolicyRegex: @unchecked Sendable {
    // `Regex<AnyRegexOutput>` is an immutable value once compiled; it is only read after `init`,
    // so sharing it across tasks is safe even though the standard library does not mark it Sendable.
    private let regex: Regex<AnyRegexOutput>
    package let source: String

    package init(_ source: String) throws {
        self.source = source
        // Unicode-scalar semantics, as globs use: by default a Regex matches whole characters, so a
        // zero-width joiner or a combining mark glued to a letter would hide a word from a deny rule.
        self.regex = try Regex(source).matchingSemantics(.unicodeScalar)
    }

    /// Whether the pattern matches anywhere in `text`; nil when matching itself failed.
    package func evaluate(_ text: String) -> Bool? {
        do {
            return try regex.firstMatch(in: text) != nil
        } catch {
            return nil
        }
    }

    /// `evaluate`, treating a failed match as no match (for analysis only, never for decisions).
    package func matches(_ text: String) -> Bool {
        evaluate(text) ?? false
    }
}

extension PolicyRegex {
    /// The non-empty matches in `text`, in order; none when matching fails.
    package func matchRanges(in text: String) -> [Range<String.Index>] {
        text.matches(of: regex).map(\.range).filter { !$0.isEmpty }
    }
}
