/// A shell-style glob: `*` any run of characters, `?` one character, `[abc]`/`[a-z]`/`[!x]` a set.
///
/// The whole string must match. Matching works on Unicode scalars so that a tool name with
/// non-ASCII characters is compared exactly as written.
package struct GlobPattern: Sendable, Hashable, CustomStringConvertible {
    private enum Token: Sendable, Hashable {
        case literal(Unicode.Scalar)
        case any
        case star
        case set(ranges: [ClosedRange<Unicode.Scalar>], negated: Bool)
    }

    package let source: String
    private let tokens: [Token]
    /// For a pattern with no wildcard, the one string it names, as UTF-8: compared as bytes, which for
    /// valid UTF-8 is comparing the scalars.
    private let literalUTF8: [UInt8]?

    /// True when the pattern has no wildcard and so names exactly one string.
    package var isLiteral: Bool { tokens.allSatisfy { if case .literal = $0 { true } else { false } } }

    package var description: String { source }

    /// Compiles `source`; throws a message naming the problem for an unclosed or empty set.
    package init(_ source: String) throws(GlobPatternError) {
        self.source = source
        var tokens: [Token] = []
        let scalars = Array(source.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "*":
                if tokens.last != .star { tokens.append(.star) }
                index += 1
            case "?":
                tokens.append(.any)
                index += 1
            case "[":
                var cursor = index + 1
                var negated = false
                if cursor < scalars.count, scalars[cursor] == "!" || scalars[cursor] == "^" {
                    negated = true
                    cursor += 1
                }
                var ranges: [ClosedRange<Unicode.Scalar>] = []
                var first = true
                while cursor < scalars.count, scalars[cursor] != "]" || first {
                    let low = scalars[cursor]
                    if cursor + 2 < scalars.count, scalars[cursor + 1] == "-", scalars[cursor + 2] != "]" {
                        let high = scalars[cursor + 2]
                        guard low <= high else {
                            throw GlobPatternError(message: "range \(low)-\(high) is reversed in glob `\(source)`")
                        }
                        ranges.append(low...high)
                        cursor += 3
                    } else {
                        ranges.append(low...low)
                        cursor += 1
                    }
                    first = false
                }
                guard cursor < scalars.count else {
                    throw GlobPatternError(message: "unclosed `[` in glob `\(source)`")
                }
                tokens.append(.set(ranges: ranges, negated: negated))
                index = cursor + 1
            case "\\":
                guard index + 1 < scalars.count else {
                    throw GlobPatternError(message: "glob `\(source)` ends with a lone `\\`")
                }
                tokens.append(.literal(scalars[index + 1]))
                index += 2
            default:
                tokens.append(.literal(scalar))
                index += 1
            }
        }
        self.tokens = tokens
        var literal: [UInt8]? = []
        for token in tokens {
            guard case .literal(let scalar) = token else {
                literal = nil
                break
            }
            literal?.append(contentsOf: String(Character(scalar)).utf8)
        }
        self.literalUTF8 = literal
    }

    /// Whether `text` matches the whole pattern.
    package func matches(_ text: String) -> Bool {
        if let literalUTF8 {
            var text = text
            return text.withUTF8 { $0.elementsEqual(literalUTF8) }
        }
        let scalars = Array(text.unicodeScalars)
        // Iterative matcher with single-star backtracking: linear in practice, no recursion.
        var t = 0
        var s = 0
        var starToken = -1
        var starScalar = 0
        while s < scalars.count {
            if t < tokens.count {
                switch tokens[t] {
                case .star:
                    starToken = t
                    starScalar = s
                    t += 1
                    continue
                case .any:
                    t += 1
                    s += 1
                    continue
                case .literal(let expected) where expected == scalars[s]:
                    t += 1
                    s += 1
                    continue
                case .set(let ranges, let negated) where ranges.contains { $0.contains(scalars[s]) } != negated:
                    t += 1
                    s += 1
                    continue
                default:
                    break
                }
            }
            guard starToken >= 0 else { return false }
            t = starToken + 1
            starScalar += 1
            s = starScalar
        }
        while t < tokens.count, tokens[t] == .star { t += 1 }
        return t == tokens.count
    }
}

/// A glob that does not compile.
package struct GlobPatternError: Error, Sendable {
    package var message: String
}
