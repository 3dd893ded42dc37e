/// Rules that name a tool the server does not list: almost always a typo (`udpate_salary`), and a
/// typo in a deny rule is a hole. Checked once the server's first complete `tools/list` is known, and
/// offline against the tool lists recorded in audit logs (`policy check --tools-from`).
package enum UnmatchedToolNames {
    package struct Finding: Sendable, Equatable {
        /// The literal name as the rule writes it.
        package var name: String
        package var rule: SourceLocation
        /// The listed tool it most likely means, if one is close.
        package var suggestion: String?

        /// "p.yaml:7:5: rule names `udpate_salary`, which the server does not list; did you mean `update_salary`?"
        package var message: String {
            let hint = suggestion.map { "; did you mean `\($0)`?" } ?? ""
            return "\(rule): rule names `\(name)`, which the server does not list\(hint)"
        }
    }

    /// Every literal `name:` of `policy`'s rules that matches none of `listed`, in rule order. Glob
    /// patterns are left alone: `github.*` may rightly match nothing on this server.
    package static func check(_ policy: Policy, listed: [String]) -> [Finding] {
        let known = Set(listed)
        var findings: [Finding] = []
        var seen: Set<String> = []
        for rule in policy.rules {
            for pattern in rule.patterns where pattern.isLiteral && !known.contains(pattern.source) {
                guard seen.insert("\(rule.location)\u{0}\(pattern.source)").inserted else { continue }
                findings.append(
                    Finding(
                        name: pattern.source, rule: rule.location,
                        suggestion: suggestion(for: pattern.source, in: listed)))
            }
        }
        return findings
    }

    /// The listed name `name` most likely means: the same name in another case or with other
    /// separators, a namespaced name ending in it (`github.create_issue`), else the nearest by edit
    /// distance if it is close (at most a quarter of the name, and at most 3 edits).
    static func suggestion(for name: String, in listed: [String]) -> String? {
        let folded = fold(name)
        if let same = listed.first(where: { fold($0) == folded }) { return same }
        let suffixes = [".", "_", "-", "/", ":"].map { $0 + name }
        if let namespaced = listed.first(where: { tool in suffixes.contains { tool.hasSuffix($0) } }) {
            return namespaced
        }
        let limit = min(3, max(1, name.unicodeScalars.count / 4))
        let scored = listed.map { ($0, distance(folded, fold($0), limit: limit)) }.filter { $0.1 <= limit }
        return scored.min { $0.1 < $1.1 }?.0
    }

    /// Lowercase ASCII letters, with `-`, `.` and spaces read as `_`.
    private static func fold(_ name: String) -> [Unicode.Scalar] {
        name.unicodeScalars.map { scalar in
            if ("A"..."Z").contains(scalar) { return Unicode.Scalar(scalar.value + 32)! }
            return ["-", ".", " "].contains(scalar) ? "_" : scalar
        }
    }

    /// Levenshtein distance, giving up (returning `limit + 1`) once it must exceed `limit`.
    private static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], limit: Int) -> Int {
        guard abs(a.count - b.count) <= limit else { return limit + 1 }
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            if current.min()! > limit { return limit + 1 }
            previous = current
        }
        return previous[b.count]
    }
}
