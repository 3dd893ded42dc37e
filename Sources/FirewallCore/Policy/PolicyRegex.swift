/// A compiled regular expression from a policy, matched anywhere in the value unless anchored.
package struct PolicyRegex: @unchecked Sendable {
    // `Regex<AnyRegexOutput>` is an immutable value once compiled; it is only read after `init`,
    // so sharing it across tasks is safe even though the standard library does not mark it Sendable.
    private let regex: Regex<AnyRegexOutput>
    package let source: String

    package init(_ source: String) throws {
        self.source = source
        self.regex = try Regex(source)
    }

    package func matches(_ text: String) -> Bool {
        (try? regex.firstMatch(in: text)) != nil
    }
}
