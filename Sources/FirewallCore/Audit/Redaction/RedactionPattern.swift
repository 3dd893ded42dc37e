/// A value rule from the policy (`audit.redaction.patterns`): a regular expression matched inside
/// string values.
///
/// A regular expression can backtrack, so it never sees more than `window` bytes at once: a long string
/// is matched in windows that overlap by `overlap` bytes, and a match longer than the overlap may be
/// missed where two windows meet.
struct RedactionPattern: Sendable {
    static let window = 4096
    static let overlap = 256

    var name: String
    var regex: PolicyRegex

    /// Appends the spans of `text` (UTF-8) the expression matches.
    func spans(in text: UnsafeBufferPointer<UInt8>, into spans: inout [SecretSpan]) {
        var start = 0
        while start < text.count {
            var end = min(text.count, start + Self.window)
            // Windows start and end on character boundaries (never on a UTF-8 continuation byte).
            while end < text.count, text[end] & 0xC0 == 0x80 { end += 1 }
            let piece = String(decoding: UnsafeBufferPointer(rebasing: text[start..<end]), as: UTF8.self)
            for range in regex.matchRanges(in: piece) {
                let lower = start + piece.utf8.distance(from: piece.startIndex, to: range.lowerBound)
                let upper = start + piece.utf8.distance(from: piece.startIndex, to: range.upperBound)
                if let last = spans.last, last.rule == name, lower < last.range.upperBound { continue }
                spans.append(SecretSpan(range: lower..<upper, rule: name))
            }
            guard end < text.count else { break }
            var next = end - Self.overlap
            while next < text.count, text[next] & 0xC0 == 0x80 { next += 1 }
            start = max(next, start + 1)
        }
    }
}
