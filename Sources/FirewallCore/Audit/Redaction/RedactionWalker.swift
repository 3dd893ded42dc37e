/// One forward walk over the bytes of a JSON value, collecting the edits redaction makes, in order.
///
/// Nothing is copied unless something is redacted: keys are matched where they lie, string values are
/// scanned where they lie (or, when they hold escapes, decoded into one reused buffer), and the path to
/// the current value is kept as byte ranges, spelled out as a JSON Pointer only for a finding.
struct RedactionWalker {
    /// Bytes `range` of the input become `replacement`.
    struct Edit {
        var range: Range<Int>
        var replacement: [UInt8]
    }

    /// Why the walk stopped early: malformed (or, in lenient mode, cut-off) JSON at `offset`.
    struct Stop: Error {
        var offset: Int
    }

    private enum Step {
        case key(Range<Int>)
        case index(Int)
    }

    /// Deeper than the proxy's reader admits (256), for text that no reader checked.
    static let maxDepth = 300

    let redactor: Redactor
    let bytes: UnsafeBufferPointer<UInt8>
    /// The input may be cut off or not JSON at all (a truncated payload's prefix).
    let lenient: Bool
    /// Whether string values holding a JSON document are walked as JSON too (one level).
    let allowsEmbedded: Bool
    private var index = 0
    private var path: [Step] = []
    private(set) var edits: [Edit] = []
    private(set) var findings: [RedactionFinding] = []
    private(set) var omitted = 0
    var scratch: [UInt8] = []
    private var spans: [SecretSpan] = []
    /// Keys seen so far; from the 16th on, the answers for short keys are remembered (`keyCache`).
    var keysSeen = 0
    var keyCache: [CachedKey] = []

    /// A key of up to 16 bytes, packed, and the rule it matched (-1: none).
    struct CachedKey {
        var low: UInt64 = 0
        var high: UInt64 = 0
        var length = 0
        var rule: Int16 = -1
    }

    init(redactor: Redactor, bytes: UnsafeBufferPointer<UInt8>, lenient: Bool, allowsEmbedded: Bool) {
        self.redactor = redactor
        self.bytes = bytes
        self.lenient = lenient
        self.allowsEmbedded = allowsEmbedded
    }

    /// Walks exactly one JSON value (surrounding whitespace allowed).
    mutating func walkDocument() throws(Stop) {
        skipWhitespace()
        try walkValue(depth: 0)
        skipWhitespace()
        guard index == bytes.count else { throw Stop(offset: index) }
    }

    /// Walks as much JSON as there is, then scans whatever is left (not JSON) for secret formats.
    mutating func walkLeniently() {
        do throws(Stop) {
            skipWhitespace()
            guard let first = peek(), first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else {
                throw Stop(offset: index)
            }
            try walkDocument()
        } catch {
            path = []
            if error.offset < bytes.count { scanText(from: error.offset) }
        }
    }

    /// The input with every edit made.
    func applied() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + edits.count * 16)
        var position = 0
        for edit in edits {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[position..<edit.range.lowerBound]))
            out.append(contentsOf: edit.replacement)
            position = edit.range.upperBound
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[position...]))
        return out
    }

    // MARK: - Values

    private mutating func walkValue(depth: Int) throws(Stop) {
        guard let byte = peek() else { throw Stop(offset: index) }
        switch byte {
        case UInt8(ascii: "{"): try walkObject(depth: depth + 1)
        case UInt8(ascii: "["): try walkArray(depth: depth + 1)
        case UInt8(ascii: "\""): try walkString()
        default: try skipScalar()
        }
    }

    private mutating func walkObject(depth: Int) throws(Stop) {
        guard depth <= Self.maxDepth else { throw Stop(offset: index) }
        index += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        // A JSON Schema's `properties` names fields and describes them: `"password": {"type": "string"}` in
        // a tool's input schema is no secret. Its object values are walked, not replaced.
        let describesFields: Bool
        if case .key(let parent)? = path.last {
            describesFields = UnsafeBufferPointer(rebasing: bytes[parent]).elementsEqual("properties".utf8)
        } else {
            describesFields = false
        }
        path.append(.index(0))
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw Stop(offset: index) }
            let (close, _) = try Self.stringEnd(bytes, from: index, lenient: lenient)
            guard close < bytes.count else { throw Stop(offset: bytes.count) }
            let key = (index + 1)..<close
            index = close + 1
            path[path.count - 1] = .key(key)
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw Stop(offset: index) }
            index += 1
            skipWhitespace()
            if let rule = keyRule(key), !(describesFields && peek() == UInt8(ascii: "{")) {
                try redactMember(rule: redactor.ruleName(rule))
            } else {
                try walkValue(depth: depth)
            }
            skipWhitespace()
            guard let next = peek() else { throw Stop(offset: index) }
            index += 1
            if next == UInt8(ascii: "}") { break }
            guard next == UInt8(ascii: ",") else { throw Stop(offset: index - 1) }
        }
        path.removeLast()
    }

    private mutating func walkArray(depth: Int) throws(Stop) {
        guard depth <= Self.maxDepth else { throw Stop(offset: index) }
        index += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return
        }
        path.append(.index(0))
        var position = 0
        while true {
            path[path.count - 1] = .index(position)
            skipWhitespace()
            try walkValue(depth: depth)
            skipWhitespace()
            guard let next = peek() else { throw Stop(offset: index) }
            index += 1
            if next == UInt8(ascii: "]") { break }
            guard next == UInt8(ascii: ",") else { throw Stop(offset: index - 1) }
            position += 1
        }
        path.removeLast()
    }

    /// A member whose key a rule names: its value goes whole, unless it is `true`, `false`, `null` or
    /// `""`, which hold no secret.
    private mutating func redactMember(rule: String) throws(Stop) {
        let start = index
        guard let byte = peek() else { throw Stop(offset: index) }
        switch byte {
        case UInt8(ascii: "\""):
            let (close, escaped) = try Self.stringEnd(bytes, from: index, lenient: lenient)
            index = min(close + 1, bytes.count)
            let content = (start + 1)..<close
            guard !content.isEmpty else { return }
            let whole = start..<index
            if escaped == .none {
                replace(whole, rule: rule, value: UnsafeBufferPointer(rebasing: bytes[content]))
            } else {
                withDecoded(content) { walker, text in
                    walker.replace(whole, rule: rule, value: text)
                    return true
                }
            }
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            do {
                index = try JSONParser.valueEnd(bytes, from: start, limit: bytes.count, rules: .structureOnly)
            } catch {
                guard lenient else { throw Stop(offset: start) }
                // Cut off inside the value: everything from here on goes.
                index = bytes.count
            }
            replace(start..<index, rule: rule, value: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            try skipScalar()
        default:
            try skipScalar()
            replace(start..<index, rule: rule, value: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        }
    }

    /// A string value no key rule took: secret formats inside it are replaced, the rest kept.
    ///
    /// Most strings are scanned where they lie: those without escapes, and those whose escapes are only
    /// quotes, backslashes and control characters (`\n`), which the scanner reads as word breaks. A string
    /// with `\/` or `\u` (which can spell any character of a secret), one a policy pattern must read, and
    /// one that may hold a JSON document are decoded first.
    private mutating func walkString() throws(Stop) {
        let start = index
        let (close, escapes) = try Self.stringEnd(bytes, from: index, lenient: lenient)
        index = min(close + 1, bytes.count)
        let content = (start + 1)..<close
        // No built-in format is shorter than 8 bytes; a policy pattern may be.
        guard content.count >= 8 || redactor.hasPatterns, !content.isEmpty else { return }
        let replacing = start..<index
        let raw = UnsafeBufferPointer(rebasing: bytes[content])
        if allowsEmbedded, Self.mayHoldJSON(raw) {
            if escapes == .none {
                if redactEmbedded(raw, replacing: replacing) { return }
            } else if withDecoded(content, { $0.redactEmbedded($1, replacing: replacing) }) {
                return
            }
        }
        if escapes == .none || (escapes == .simple && !redactor.hasPatterns) {
            redactFormats(in: raw, replacing: replacing, at: content.lowerBound, rawEscapes: escapes == .simple)
        } else {
            withDecoded(content) { walker, text in
                walker.redactFormats(in: text, replacing: replacing, at: nil, rawEscapes: false)
                return true
            }
        }
    }

    /// Whether a string's raw content starts (after blanks) with `{` or `[`.
    private static func mayHoldJSON(_ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        var position = 0
        while position < raw.count {
            switch raw[position] {
            case UInt8(ascii: "{"), UInt8(ascii: "["): return true
            case UInt8(ascii: " "), UInt8(ascii: "\t"): position += 1
            case UInt8(ascii: "\\"):
                guard position + 1 < raw.count,
                    [UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t")].contains(raw[position + 1])
                else { return false }
                position += 2
            default: return false
            }
        }
        return false
    }

    /// When `text` (a string's content) is itself a JSON document, walks it as one: true when it was.
    private mutating func redactEmbedded(_ text: UnsafeBufferPointer<UInt8>, replacing range: Range<Int>) -> Bool {
        var first = 0
        while first < text.count, JSONParser.isWhitespace(text[first]) { first += 1 }
        guard first < text.count, text[first] == UInt8(ascii: "{") || text[first] == UInt8(ascii: "[") else {
            return false
        }
        var inner = RedactionWalker(redactor: redactor, bytes: text, lenient: false, allowsEmbedded: false)
        guard (try? inner.walkDocument()) != nil else { return false }
        guard !inner.edits.isEmpty else { return true }
        let redacted = inner.applied()
        var writer = JSONWriter(capacity: redacted.count + 16)
        writer.string(String(decoding: redacted, as: UTF8.self))
        edits.append(Edit(range: range, replacement: writer.take()))
        let here = pointer()
        for finding in inner.findings {
            record(RedactionFinding(path: here, rule: finding.rule, embedded: finding.path))
        }
        omitted += inner.omitted
        return true
    }

    /// Replaces the secret formats in `text` (a string's content). When `text` is the input's own bytes
    /// from offset `raw`, each secret is replaced where it lies (`rawEscapes`: the bytes hold simple
    /// escapes, read as word breaks); otherwise the string is written anew from its decoded content.
    private mutating func redactFormats(
        in text: UnsafeBufferPointer<UInt8>, replacing range: Range<Int>, at raw: Int?, rawEscapes: Bool
    ) {
        var found: [SecretSpan] = []
        swap(&found, &spans)
        defer {
            found.removeAll(keepingCapacity: true)
            swap(&found, &spans)
        }
        redactor.spans(in: text, rawEscapes: rawEscapes, into: &found)
        guard !found.isEmpty else { return }
        let here = pointer()
        if let raw {
            // The marker is plain ASCII: it can go straight into the string's bytes.
            for span in found {
                let marker = redactor.markerText(
                    rule: span.rule, value: UnsafeBufferPointer(rebasing: text[span.range]))
                edits.append(
                    Edit(range: (raw + span.range.lowerBound)..<(raw + span.range.upperBound), replacement: marker))
                record(RedactionFinding(path: here, rule: span.rule))
            }
            return
        }
        var content: [UInt8] = []
        content.reserveCapacity(text.count)
        var position = 0
        for span in found {
            content.append(contentsOf: UnsafeBufferPointer(rebasing: text[position..<span.range.lowerBound]))
            content.append(
                contentsOf: redactor.markerText(rule: span.rule, value: UnsafeBufferPointer(rebasing: text[span.range]))
            )
            position = span.range.upperBound
            record(RedactionFinding(path: here, rule: span.rule))
        }
        content.append(contentsOf: UnsafeBufferPointer(rebasing: text[position...]))
        var writer = JSONWriter(capacity: content.count + 16)
        writer.string(String(decoding: content, as: UTF8.self))
        edits.append(Edit(range: range, replacement: writer.take()))
    }

    /// Replaces `range` with the marker for `rule` (a JSON string); `value` is what an HMAC covers.
    private mutating func replace(_ range: Range<Int>, rule: String, value: UnsafeBufferPointer<UInt8>) {
        edits.append(Edit(range: range, replacement: redactor.quotedMarker(rule: rule, value: value)))
        record(RedactionFinding(path: pointer(), rule: rule))
    }

    /// Scans the raw bytes from `start` as text (not JSON) and replaces each secret in place.
    private mutating func scanText(from start: Int) {
        var found: [SecretSpan] = []
        redactor.spans(in: UnsafeBufferPointer(rebasing: bytes[start...]), into: &found)
        for span in found {
            let range = (span.range.lowerBound + start)..<(span.range.upperBound + start)
            let marker = redactor.markerText(rule: span.rule, value: UnsafeBufferPointer(rebasing: bytes[range]))
            edits.append(Edit(range: range, replacement: marker))
            record(RedactionFinding(path: "", rule: span.rule))
        }
    }

    private mutating func record(_ finding: RedactionFinding) {
        if findings.count < Redactor.findingLimit {
            findings.append(finding)
        } else {
            omitted += 1
        }
    }

    // MARK: - Scalars and whitespace

    /// Skips a number or `true`, `false`, `null`.
    private mutating func skipScalar() throws(Stop) {
        let start = index
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "t"), UInt8(ascii: "r"), UInt8(ascii: "u"),
                UInt8(ascii: "f"), UInt8(ascii: "a"), UInt8(ascii: "l"), UInt8(ascii: "s"), UInt8(ascii: "n"):
                index += 1
            default:
                guard index > start else { throw Stop(offset: start) }
                return
            }
        }
        guard index > start, !lenient || Self.isWholeScalar(bytes[start..<index]) else { throw Stop(offset: start) }
    }

    /// Whether a scalar that runs to the end of lenient input is a whole literal or number.
    private static func isWholeScalar(_ scalar: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        scalar.elementsEqual("true".utf8) || scalar.elementsEqual("false".utf8) || scalar.elementsEqual("null".utf8)
            || scalar.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") || $0 == UInt8(ascii: "-") }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, JSONParser.isWhitespace(bytes[index]) { index += 1 }
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    // MARK: - Paths

    /// The JSON Pointer (RFC 6901) to the current value.
    private func pointer() -> String {
        var text = ""
        for step in path {
            text += "/"
            switch step {
            case .index(let position):
                text += String(position)
            case .key(let raw):
                let rawKey = UnsafeBufferPointer(rebasing: bytes[raw])
                let key = KeyNameRules.decode(rawKey) ?? String(decoding: rawKey, as: UTF8.self)
                text += AuditRedactions.escape(key)
            }
        }
        return text
    }
}
