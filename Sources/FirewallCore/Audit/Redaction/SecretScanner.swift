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
    private let text: UnsafeBufferPointer<UInt8>
    private let table: UnsafeBufferPointer<UInt16>
    private let pairs: UnsafeBufferPointer<UInt8>
    private let formats: SecretFormat.Set
    private let rawEscapes: Bool
    private var runStarts: (Int, Int, Int, Int, Int, Int) = (-1, -1, -1, -1, -1, -1)
    private var runEnds: (Int, Int, Int, Int, Int, Int) = (-1, -1, -1, -1, -1, -1)
    /// No `-----END` at or after this offset.
    private var noPEMEndFrom = Int.max
    /// The last search for `T3BlbkFJ`: the run it searched, from where, and what it found.
    private var markerSearch: (runEnd: Int, from: Int, found: Int?) = (-1, Int.max, nil)

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

    private mutating func run(into spans: inout [SecretSpan]) {
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

    private mutating func match(at index: Int, wordStart: Bool) -> (SecretFormat, Range<Int>)? {
        switch text[index] {
        case UInt8(ascii: "-"): formats.contains(.privateKey) ? privateKeyBody(index).map { (.privateKey, $0) } : nil
        case UInt8(ascii: ":"): formats.contains(.urlPassword) ? urlPassword(index).map { (.urlPassword, $0) } : nil
        default: wordStart ? atWordStart(index) : nil
        }
    }

    /// Where scanning goes on after a match ending at `end`: past the rest of a word it ended inside.
    private func resume(after end: Int) -> Int {
        var index = end
        guard index > 0, index < text.count, isClass(text[index - 1], ByteClass.word) else { return index }
        while index < text.count, isClass(text[index], ByteClass.word) { index += 1 }
        return index
    }

    /// Non-zero when the two bytes `pair` holds (the first in the low byte) can start a secret (`sk`, `ey`,
    /// `gh`, `AK`, `Be`, `--`, …) or, raw, are an escape: one bit lookup, so the matchers run for few
    /// words of ordinary text.
    @inline(__always)
    private func startsSecret(_ pair: UInt16) -> UInt8 {
        pairs[Int(pair >> 3)] & (1 << UInt8(pair & 7))
    }

    // MARK: - Matchers

    private mutating func atWordStart(_ index: Int) -> (SecretFormat, Range<Int>)? {
        switch text[index] {
        case UInt8(ascii: "A"):
            if formats.contains(.awsAccessKeyID), let span = awsAccessKeyID(index) { return (.awsAccessKeyID, span) }
            if formats.contains(.googleAPIKey), let span = googleAPIKey(index) { return (.googleAPIKey, span) }
        case UInt8(ascii: "g"):
            if formats.contains(.githubToken), let span = githubToken(index) { return (.githubToken, span) }
        case UInt8(ascii: "x"):
            if formats.contains(.slackToken), let span = slackToken(index) { return (.slackToken, span) }
        case UInt8(ascii: "h"):
            if formats.contains(.slackWebhookURL), let span = slackWebhook(index) { return (.slackWebhookURL, span) }
        case UInt8(ascii: "e"):
            if formats.contains(.jwt), let span = jwt(index) { return (.jwt, span) }
        case UInt8(ascii: "s"):
            if formats.contains(.stripeKey), let span = stripeKey(index) { return (.stripeKey, span) }
            if formats.contains(.anthropicKey), let span = anthropicKey(index) { return (.anthropicKey, span) }
            if formats.contains(.openAIKey), let span = openAIKey(index) { return (.openAIKey, span) }
        case UInt8(ascii: "r"):
            if formats.contains(.stripeKey), let span = stripeKey(index) { return (.stripeKey, span) }
        case UInt8(ascii: "B"), UInt8(ascii: "b"):
            if formats.contains(.bearerToken), let span = bearerToken(index) { return (.bearerToken, span) }
            if formats.contains(.basicAuth), let span = basicAuth(index) { return (.basicAuth, span) }
        default:
            break
        }
        return nil
    }

    /// `(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}` ending a word.
    private func awsAccessKeyID(_ index: Int) -> Range<Int>? {
        let end = index + 20
        guard end <= text.count else { return nil }
        let prefixed =
            has("AKIA", at: index) || has("ASIA", at: index) || has("ABIA", at: index) || has("ACCA", at: index)
            || (has("A3T", at: index) && isClass(text[index + 3], ByteClass.upperAlnum))
        guard prefixed, all(index + 4..<end, ByteClass.base32Upper) else { return nil }
        guard end == text.count || !isClass(text[end], ByteClass.word) else { return nil }
        return index..<end
    }

    /// `AIza` and exactly 35 of `[A-Za-z0-9_-]`.
    private func googleAPIKey(_ index: Int) -> Range<Int>? {
        let end = index + 39
        guard end <= text.count, has("AIza", at: index), all(index + 4..<end, ByteClass.base64URL) else { return nil }
        guard end == text.count || !isClass(text[end], ByteClass.base64URL) else { return nil }
        return index..<end
    }

    private mutating func githubToken(_ index: Int) -> Range<Int>? {
        if has("github_pat_", at: index) {
            let end = runEnd(from: index + 11, .word)
            return end - (index + 11) >= 82 ? index..<end : nil
        }
        guard index + 4 <= text.count, has("gh", at: index), text[index + 3] == UInt8(ascii: "_") else { return nil }
        switch text[index + 2] {
        case UInt8(ascii: "p"), UInt8(ascii: "o"), UInt8(ascii: "u"), UInt8(ascii: "s"), UInt8(ascii: "r"):
            let end = runEnd(from: index + 4, .alnum)
            return end - (index + 4) >= 36 ? index..<end : nil
        default:
            return nil
        }
    }

    private mutating func slackToken(_ index: Int) -> Range<Int>? {
        let start = index + 5
        guard start < text.count else { return nil }
        let prefixed: Bool
        if has("xox", at: index), text[index + 4] == UInt8(ascii: "-") {
            switch text[index + 3] {
            case UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "e"), UInt8(ascii: "o"), UInt8(ascii: "p"),
                UInt8(ascii: "r"), UInt8(ascii: "s"):
                prefixed = true
            default:
                prefixed = false
            }
        } else {
            prefixed = has("xapp-", at: index)
        }
        guard prefixed, isClass(text[start], ByteClass.digit) else { return nil }
        let end = runEnd(from: start, .slack)
        return end - start >= 20 ? index..<end : nil
    }

    /// The path after `hooks.slack.com/services/` (or `workflows/`, `triggers/`): the part that is the secret.
    private mutating func slackWebhook(_ index: Int) -> Range<Int>? {
        guard has("hooks.slack.com/", at: index) else { return nil }
        var start = index + 16
        if has("services/", at: start) {
            start += 9
        } else if has("workflows/", at: start) {
            start += 10
        } else if has("triggers/", at: start) {
            start += 9
        } else {
            return nil
        }
        let end = runEnd(from: start, .base64)
        return end - start >= 20 ? start..<end : nil
    }

    /// `ey` + 17 or more URL-safe base64, `.ey` + 17 or more, then `.` and the signature (possibly empty).
    private mutating func jwt(_ index: Int) -> Range<Int>? {
        guard has("ey", at: index) else { return nil }
        let header = runEnd(from: index, .base64URL)
        guard header - index >= 19, header < text.count, text[header] == UInt8(ascii: "."),
            has("ey", at: header + 1)
        else { return nil }
        let claims = runEnd(from: header + 1, .base64URL)
        guard claims - (header + 1) >= 19, claims < text.count, text[claims] == UInt8(ascii: ".") else { return nil }
        var end = runEnd(from: claims + 1, .base64URL)
        var padding = 0
        while padding < 2, end < text.count, text[end] == UInt8(ascii: "=") {
            end += 1
            padding += 1
        }
        return index..<end
    }

    /// `(sk|rk)_(test|live|prod)_` and 10 or more letters and digits.
    private mutating func stripeKey(_ index: Int) -> Range<Int>? {
        guard has("k_", at: index + 1),
            has("test_", at: index + 3) || has("live_", at: index + 3) || has("prod_", at: index + 3)
        else { return nil }
        let end = runEnd(from: index + 8, .alnum)
        return end - (index + 8) >= 10 ? index..<end : nil
    }

    private mutating func anthropicKey(_ index: Int) -> Range<Int>? {
        guard has("sk-ant-", at: index) else { return nil }
        let end = runEnd(from: index + 7, .base64URL)
        return end - (index + 7) >= 32 ? index..<end : nil
    }

    private mutating func openAIKey(_ index: Int) -> Range<Int>? {
        guard has("sk-", at: index) else { return nil }
        let start = index + 3
        let end = runEnd(from: start, .base64URL)
        guard end - start >= 40 else { return nil }
        if has("proj-", at: start) || has("svcacct-", at: start) || has("admin-", at: start) { return index..<end }
        return hasOpenAIMarker(in: start..<end) ? index..<end : nil
    }

    /// `Bearer` (any case), blanks, then a credential of 8 or more token characters holding a digit.
    private mutating func bearerToken(_ index: Int) -> Range<Int>? {
        guard hasCaseless("bearer", at: index) else { return nil }
        guard let start = afterBlanks(index + 6) else { return nil }
        var end = runEnd(from: start, .bearer)
        while end < text.count, end - start < 4096, text[end] == UInt8(ascii: "=") { end += 1 }
        guard end - start >= 8 else { return nil }
        for position in start..<end where isClass(text[position], ByteClass.digit) { return start..<end }
        return nil
    }

    /// `Basic` (any case), blanks, then base64 that decodes to printable text holding a `:`.
    private mutating func basicAuth(_ index: Int) -> Range<Int>? {
        guard hasCaseless("basic", at: index) else { return nil }
        guard let start = afterBlanks(index + 5) else { return nil }
        let digits = runEnd(from: start, .base64)
        var end = digits
        while end < text.count, end - digits < 2, text[end] == UInt8(ascii: "=") { end += 1 }
        guard end - start >= 8, digits - start <= 4096, decodesToUserAndPassword(start..<digits) else { return nil }
        return start..<end
    }

    /// The body of a `-----BEGIN … PRIVATE KEY-----` block, up to its `-----END` (or the end of the text).
    private mutating func privateKeyBody(_ index: Int) -> Range<Int>? {
        guard hasCaseless("-----begin", at: index) else { return nil }
        var close = index + 10
        let limit = min(text.count, close + 105)
        while close < limit, !has("-----", at: close) {
            guard isClass(text[close], ByteClass.pemHeader) else { return nil }
            close += 1
        }
        guard close < limit else { return nil }
        var header = close
        while header > index + 10, text[header - 1] == UInt8(ascii: " ") { header -= 1 }
        let names =
            hasCaselessSuffix("private key", endingAt: header, from: index + 10)
            || hasCaselessSuffix("private key block", endingAt: header, from: index + 10)
        guard names else { return nil }
        let body = close + 5
        guard body < text.count else { return nil }
        var end = text.count
        if body < noPEMEndFrom {
            var position = body
            while position + 8 <= text.count {
                if text[position] == UInt8(ascii: "-"), hasCaseless("-----end", at: position) {
                    end = position
                    break
                }
                position += 1
            }
            if end == text.count { noPEMEndFrom = body }
        }
        // The line breaks around the body stay, so the block still reads as one.
        var start = body
        while start < end {
            if Self.isBlank(text[start]) {
                start += 1
            } else if rawEscapes, start + 1 < end, text[start] == UInt8(ascii: "\\"),
                Self.isBlankEscape(text[start + 1])
            {
                start += 2
            } else {
                break
            }
        }
        while end > start {
            if Self.isBlank(text[end - 1]) {
                end -= 1
            } else if rawEscapes, end - 2 >= start, Self.isBlankEscape(text[end - 1]),
                endsEscape(at: end - 2, from: start)
            {
                end -= 2
            } else {
                break
            }
        }
        return start < end ? start..<end : nil
    }

    /// `n`, `r` or `t`: the letter of an escaped line break or tab.
    private static func isBlankEscape(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "n") || byte == UInt8(ascii: "r") || byte == UInt8(ascii: "t")
    }

    /// Whether the backslash at `index` starts an escape: an odd run of backslashes ends there.
    private func endsEscape(at index: Int, from start: Int) -> Bool {
        var position = index
        while position >= start, text[position] == UInt8(ascii: "\\") { position -= 1 }
        return (index - position) % 2 == 1
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
            || byte == UInt8(ascii: "\t")
    }

    /// The password in `scheme://user:password@`.
    private func urlPassword(_ index: Int) -> Range<Int>? {
        guard index > 0, isClass(text[index - 1], ByteClass.word), has("://", at: index) else { return nil }
        let start = index + 3
        var position = start
        var colon: Int?
        let limit = min(text.count, start + 256)
        while position < limit, isClass(text[position], ByteClass.userinfo) {
            if colon == nil, text[position] == UInt8(ascii: ":") { colon = position }
            position += 1
        }
        guard position < text.count, text[position] == UInt8(ascii: "@"), let colon, colon + 1 < position else {
            return nil
        }
        return (colon + 1)..<position
    }

    // MARK: - Helpers

    private enum Run: Int {
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
    private mutating func runEnd(from start: Int, _ run: Run) -> Int {
        guard start < text.count else { return text.count }
        let (knownStart, knownEnd) = memo(run)
        if knownStart >= 0, start >= knownStart, start <= knownEnd { return knownEnd }
        var end = start
        let mask = run.mask
        while end < text.count, table[Int(text[end])] & mask != 0 { end += 1 }
        setMemo(run, start, end)
        return end
    }

    private func memo(_ run: Run) -> (Int, Int) {
        switch run {
        case .alnum: (runStarts.0, runEnds.0)
        case .base64URL: (runStarts.1, runEnds.1)
        case .word: (runStarts.2, runEnds.2)
        case .slack: (runStarts.3, runEnds.3)
        case .base64: (runStarts.4, runEnds.4)
        case .bearer: (runStarts.5, runEnds.5)
        }
    }

    private mutating func setMemo(_ run: Run, _ start: Int, _ end: Int) {
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
    private mutating func hasOpenAIMarker(in range: Range<Int>) -> Bool {
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
    private func decodesToUserAndPassword(_ range: Range<Int>) -> Bool {
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
    private func afterBlanks(_ index: Int) -> Int? {
        var position = index
        while position < text.count, position - index < 8,
            text[position] == UInt8(ascii: " ") || text[position] == UInt8(ascii: "\t")
        {
            position += 1
        }
        return position > index && position < text.count ? position : nil
    }

    private func isClass(_ byte: UInt8, _ mask: UInt16) -> Bool { table[Int(byte)] & mask != 0 }

    private func all(_ range: Range<Int>, _ mask: UInt16) -> Bool {
        for position in range where table[Int(text[position])] & mask == 0 { return false }
        return true
    }

    private func has(_ literal: StaticString, at index: Int) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index >= 0, index + count <= text.count else { return false }
        let bytes = literal.utf8Start
        for offset in 0..<count where text[index + offset] != bytes[offset] { return false }
        return true
    }

    /// `has`, ignoring ASCII case; `literal` is lower-case.
    private func hasCaseless(_ literal: StaticString, at index: Int) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index >= 0, index + count <= text.count else { return false }
        let bytes = literal.utf8Start
        for offset in 0..<count where Self.lower(text[index + offset]) != bytes[offset] { return false }
        return true
    }

    /// Whether the bytes from `start` to `end` end with `literal` (lower-case), ignoring ASCII case.
    private func hasCaselessSuffix(_ literal: StaticString, endingAt end: Int, from start: Int) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard end - start >= count else { return false }
        return hasCaseless(literal, at: end - count)
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}

/// The character classes the secret matchers test, one table lookup per byte.
enum ByteClass {
    static let word: UInt16 = 1 << 0
    static let alnum: UInt16 = 1 << 1
    static let base64URL: UInt16 = 1 << 2
    static let base32Upper: UInt16 = 1 << 5
    static let base64: UInt16 = 1 << 6
    static let bearer: UInt16 = 1 << 7
    static let upperAlnum: UInt16 = 1 << 8
    static let slack: UInt16 = 1 << 9
    static let userinfo: UInt16 = 1 << 10
    static let pemHeader: UInt16 = 1 << 11
    static let digit: UInt16 = 1 << 12

    /// The two-byte starts of the secrets, as bits indexed by `first | second << 8`.
    static let pairs: [UInt8] = pairTable(escapes: false)
    /// `pairs`, and every escape (a backslash and any byte) of a JSON string's raw content.
    static let pairsAndEscapes: [UInt8] = pairTable(escapes: true)

    private static func pairTable(escapes: Bool) -> [UInt8] {
        var bits = [UInt8](repeating: 0, count: 65536 / 8)
        func set(_ first: UInt8, _ second: UInt8) {
            let pair = Int(first) | Int(second) << 8
            bits[pair >> 3] |= 1 << UInt8(pair & 7)
        }
        let starts = [
            "AK", "AS", "AB", "AC", "A3", "AI", "gh", "gi", "xo", "xa", "ho", "ey", "sk", "rk", "Be", "BE", "be", "bE",
            "Ba", "BA", "ba", "bA", "--", ":/",
        ]
        for start in starts {
            let bytes = Array(start.utf8)
            set(bytes[0], bytes[1])
        }
        if escapes {
            for second in 0...255 { set(UInt8(ascii: "\\"), UInt8(second)) }
        }
        return bits
    }

    static let table: [UInt16] = (0..<256).map { value in
        let byte = UInt8(value)
        let upper = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")
        let lower = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")
        let digitByte = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        let alnumByte = upper || lower || digitByte
        func among(_ characters: String) -> Bool { characters.utf8.contains(byte) }
        var bits: UInt16 = 0
        if alnumByte || byte == UInt8(ascii: "_") { bits |= word }
        if alnumByte { bits |= alnum }
        if alnumByte || among("_-") { bits |= base64URL }
        if upper || among("234567") { bits |= base32Upper }
        if alnumByte || among("+/") { bits |= base64 }
        if alnumByte || among("-._~+/") { bits |= bearer }
        if upper || digitByte { bits |= upperAlnum }
        if alnumByte || byte == UInt8(ascii: "-") { bits |= slack }
        if alnumByte || among("-._~%!$&'()*+,;=:") { bits |= userinfo }
        if alnumByte || among(" _-") { bits |= pemHeader }
        if digitByte { bits |= digit }
        return bits
    }
}
