/// One secret found in a text: the bytes to replace and the rule that found them.
struct SecretSpan: Sendable, Equatable {
    var range: Range<Int>
    var rule: String
}

/// Finds the built-in `SecretFormat`s in UTF-8 text in one forward pass.
///
/// Matchers run only where a secret can start: at two bytes that begin one (`AK`, `gh`, `sk`, `ey`,
/// `Be`, `--`, `:/`, …; one bit lookup per byte, no branch on ordinary text), and for most formats only
/// at the start of a word. Every run of token characters a matcher measures is remembered, and each
/// search that can fail (a PEM block's end, OpenAI's marker) remembers where it failed, so no byte is
/// examined more than a bounded number of times: linear in the text's length, whatever it holds.
///
/// The text is either decoded string content, or (`rawEscapes`) a JSON string's raw content whose
/// only escapes are `\"`, `\\`, `\b`, `\f`, `\n`, `\r` and `\t`: each escape then separates words,
/// as the character it stands for would, and no token is taken to run through one (a private key
/// block's body may hold escaped line breaks; it is replaced whole escapes and all).
struct SecretScanner {
    let text: UnsafeBufferPointer<UInt8>
    let table: UnsafeBufferPointer<UInt16>
    let pairs: UnsafeBufferPointer<UInt8>
    let formats: SecretFormat.Set
    let rawEscapes: Bool
    var runStarts: (Int, Int, Int, Int, Int, Int) = (-1, -1, -1, -1, -1, -1)
    var runEnds: (Int, Int, Int, Int, Int, Int) = (-1, -1, -1, -1, -1, -1)
    /// No `-----END` at or after this offset.
    var noPEMEndFrom = Int.max
    /// The last search for `T3BlbkFJ`: the run it searched, from where, and what it found.
    var markerSearch: (runEnd: Int, from: Int, found: Int?) = (-1, Int.max, nil)

    /// Appends every secret in `text` to `spans`, in order, none overlapping.
    static func scan(
        _ text: UnsafeBufferPointer<UInt8>, formats: SecretFormat.Set, rawEscapes: Bool = false,
        into spans: inout [SecretSpan]
    ) {
        guard !formats.isEmpty, text.count >= 8 else { return }
        ByteClass.table.withUnsafeBufferPointer { table in
            (rawEscapes ? ByteClass.pairsAndEscapes : ByteClass.pairs).withUnsafeBufferPointer { pairs in
                var scanner = SecretScanner(
                    text: text, table: table, pairs: pairs, formats: formats, rawEscapes: rawEscapes)
                scanner.run(into: &spans)
            }
        }
    }

    private init(
        text: UnsafeBufferPointer<UInt8>, table: UnsafeBufferPointer<UInt16>, pairs: UnsafeBufferPointer<UInt8>,
        formats: SecretFormat.Set, rawEscapes: Bool
    ) {
        self.text = text
        self.table = table
        self.pairs = pairs
        self.formats = formats
        self.rawEscapes = rawEscapes
    }

    mutating func run(into spans: inout [SecretSpan]) {
        let count = text.count
        let base = UnsafeRawPointer(text.baseAddress!)
        var index = 0
        // Just past an escape: a word starts here whatever the byte before it is.
        var afterEscape = 0
        while index + 1 < count {
            // Four positions per round while none of them starts a secret (or, raw, an escape): each test
            // is one 16-bit load and one bit of the pair table.
            if index + 5 <= count {
                let hit =
                    startsSecret(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt16.self)))
                    | startsSecret(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: index + 1, as: UInt16.self)))
                    | startsSecret(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: index + 2, as: UInt16.self)))
                    | startsSecret(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: index + 3, as: UInt16.self)))
                if hit == 0 {
                    index += 4
                    continue
                }
            }
            let first = text[index]
            if rawEscapes, first == UInt8(ascii: "\\") {
                index += 2
                afterEscape = index
                continue
            }
            guard startsSecret(UInt16(first) | UInt16(text[index + 1]) << 8) != 0 else {
                index += 1
                continue
            }
            let wordStart = index == afterEscape || !isClass(text[index - 1], ByteClass.word)
            if let (format, span) = match(at: index, wordStart: wordStart) {
                spans.append(SecretSpan(range: span, rule: format.name))
                index = resume(after: span.upperBound)
                continue
            }
            index += 1
        }
    }

    mutating func match(at index: Int, wordStart: Bool) -> (SecretFormat, Range<Int>)? {
        switch text[index] {
        case UInt8(ascii: "-"): formats.contains(.privateKey) ? privateKeyBody(index).map { (.privateKey, $0) } : nil
        case UInt8(ascii: ":"): formats.contains(.urlPassword) ? urlPassword(index).map { (.urlPassword, $0) } : nil
        default: wordStart ? atWordStart(index) : nil
        }
    }

    /// Where scanning goes on after a match ending at `end`: past the rest of a word it ended inside.
    func resume(after end: Int) -> Int {
        var index = end
        guard index > 0, index < text.count, isClass(text[index - 1], ByteClass.word) else { return index }
        while index < text.count, isClass(text[index], ByteClass.word) { index += 1 }
        return index
    }

    /// Non-zero when the two bytes `pair` holds (the first in the low byte) can start a secret (`sk`, `ey`,
    /// `gh`, `AK`, `Be`, `--`, …) or, raw, are an escape: one bit lookup, so the matchers run for few
    /// words of ordinary text.
    @inline(__always)
    func startsSecret(_ pair: UInt16) -> UInt8 {
        pairs[Int(pair >> 3)] & (1 << UInt8(pair & 7))
    }

    // MARK: - Helpers

    enum Run: Int {
        case alnum, base64URL, word, slack, base64, bearer

        var mask: UInt16 {
            switch self {
            case .alnum: ByteClass.alnum
            case .base64URL: ByteClass.base64URL
            case .word: ByteClass.word
            case .slack: ByteClass.slack
            case .base64: ByteClass.base64
            case .bearer: ByteClass.bearer
            }
        }
    }

    /// The end of the run of `run`'s characters starting at `start` (remembered, so a run is walked once).
    mutating func runEnd(from start: Int, _ run: Run) -> Int {
        guard start < text.count else { return text.count }
        let (knownStart, knownEnd) = memo(run)
        if knownStart >= 0, start >= knownStart, start <= knownEnd { return knownEnd }
        var end = start
        let mask = run.mask
        while end < text.count, table[Int(text[end])] & mask != 0 { end += 1 }
        setMemo(run, start, end)
        return end
    }

    func memo(_ run: Run) -> (Int, Int) {
        switch run {
        case .alnum: (runStarts.0, runEnds.0)
        case .base64URL: (runStarts.1, runEnds.1)
        case .word: (runStarts.2, runEnds.2)
        case .slack: (runStarts.3, runEnds.3)
        case .base64: (runStarts.4, runEnds.4)
        case .bearer: (runStarts.5, runEnds.5)
        }
    }

    mutating func setMemo(_ run: Run, _ start: Int, _ end: Int) {
        switch run {
        case .alnum: (runStarts.0, runEnds.0) = (start, end)
        case .base64URL: (runStarts.1, runEnds.1) = (start, end)
        case .word: (runStarts.2, runEnds.2) = (start, end)
        case .slack: (runStarts.3, runEnds.3) = (start, end)
        case .base64: (runStarts.4, runEnds.4) = (start, end)
        case .bearer: (runStarts.5, runEnds.5) = (start, end)
        }
    }

    /// Whether `T3BlbkFJ` ("OpenAI" in base64) occurs in `range`, reusing the last search of the same run.
    mutating func hasOpenAIMarker(in range: Range<Int>) -> Bool {
        if markerSearch.runEnd == range.upperBound, range.lowerBound >= markerSearch.from {
            guard let found = markerSearch.found else { return false }
            if found >= range.lowerBound { return true }
        }
        var position = range.lowerBound
        while position + 8 <= range.upperBound {
            if text[position] == UInt8(ascii: "T"), has("T3BlbkFJ", at: position) {
                markerSearch = (range.upperBound, range.lowerBound, position)
                return true
            }
            position += 1
        }
        markerSearch = (range.upperBound, range.lowerBound, nil)
        return false
    }

    /// Whether the base64 digits in `range` decode to printable text with a `:` in it (`user:password`).
    func decodesToUserAndPassword(_ range: Range<Int>) -> Bool {
        var value: UInt32 = 0
        var bits = 0
        var sawColon = false
        for position in range {
            let byte = text[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): digit = UInt32(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): digit = UInt32(byte - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): digit = 62
            default: digit = 63
            }
            value = (value << 6) | digit
            bits += 6
            if bits >= 8 {
                bits -= 8
                let decoded = UInt8((value >> UInt32(bits)) & 0xFF)
                guard decoded >= 0x20, decoded != 0x7F else { return false }
                if decoded == UInt8(ascii: ":") { sawColon = true }
            }
        }
        return sawColon
    }

    /// The offset after one to eight spaces or tabs at `index`, or nil when there are none.
    func afterBlanks(_ index: Int) -> Int? {
        var position = index
        while position < text.count, position - index < 8,
            text[position] == UInt8(ascii: " ") || text[position] == UInt8(ascii: "\t")
        {
            position += 1
        }
        return position > index && position < text.count ? position : nil
    }

    func isClass(_ byte: UInt8, _ mask: UInt16) -> Bool { table[Int(byte)] & mask != 0 }

    func all(_ range: Range<Int>, _ mask: UInt16) -> Bool {
        for position in range where table[Int(text[position])] & mask == 0 { return false }
        return true
    }

    func has(_ literal: StaticString, at index: Int) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index >= 0, index + count <= text.count else { return false }
        let bytes = literal.utf8Start
        for offset in 0..<count where text[index + offset] != bytes[offset] { return false }
        return true
    }

    /// `has`, ignoring ASCII case; `literal` is lower-case.
    func hasCaseless(_ literal: StaticString, at index: Int) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index >= 0, index + count <= text.count else { return false }
        let bytes = literal.utf8Start
        for offset in 0..<count where Self.lower(text[index + offset]) != bytes[offset] { return false }
        return true
    }

    /// Whether the bytes from `start` to `end` end with `literal` (lower-case), ignoring ASCII case.
    func hasCaselessSuffix(_ literal: StaticString, endingAt end: Int, from start: Int) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard end - start >= count else { return false }
        return hasCaseless(literal, at: end - count)
    }

    static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}
