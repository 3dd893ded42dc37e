/// The matcher of each `SecretFormat`: given where a candidate starts, the span of the secret, or nil.
extension SecretScanner {
    mutating func atWordStart(_ index: Int) -> (SecretFormat, Range<Int>)? {
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
    func awsAccessKeyID(_ index: Int) -> Range<Int>? {
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
    func googleAPIKey(_ index: Int) -> Range<Int>? {
        let end = index + 39
        guard end <= text.count, has("AIza", at: index), all(index + 4..<end, ByteClass.base64URL) else { return nil }
        guard end == text.count || !isClass(text[end], ByteClass.base64URL) else { return nil }
        return index..<end
    }

    mutating func githubToken(_ index: Int) -> Range<Int>? {
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

    mutating func slackToken(_ index: Int) -> Range<Int>? {
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
    mutating func slackWebhook(_ index: Int) -> Range<Int>? {
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
    mutating func jwt(_ index: Int) -> Range<Int>? {
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
    mutating func stripeKey(_ index: Int) -> Range<Int>? {
        guard has("k_", at: index + 1),
            has("test_", at: index + 3) || has("live_", at: index + 3) || has("prod_", at: index + 3)
        else { return nil }
        let end = runEnd(from: index + 8, .alnum)
        return end - (index + 8) >= 10 ? index..<end : nil
    }

    mutating func anthropicKey(_ index: Int) -> Range<Int>? {
        guard has("sk-ant-", at: index) else { return nil }
        let end = runEnd(from: index + 7, .base64URL)
        return end - (index + 7) >= 32 ? index..<end : nil
    }

    mutating func openAIKey(_ index: Int) -> Range<Int>? {
        guard has("sk-", at: index) else { return nil }
        let start = index + 3
        let end = runEnd(from: start, .base64URL)
        guard end - start >= 40 else { return nil }
        if has("proj-", at: start) || has("svcacct-", at: start) || has("admin-", at: start) { return index..<end }
        return hasOpenAIMarker(in: start..<end) ? index..<end : nil
    }

    /// `Bearer` (any case), blanks, then a credential of 8 or more token characters holding a digit.
    mutating func bearerToken(_ index: Int) -> Range<Int>? {
        guard hasCaseless("bearer", at: index) else { return nil }
        guard let start = afterBlanks(index + 6) else { return nil }
        var end = runEnd(from: start, .bearer)
        while end < text.count, end - start < 4096, text[end] == UInt8(ascii: "=") { end += 1 }
        guard end - start >= 8 else { return nil }
        for position in start..<end where isClass(text[position], ByteClass.digit) { return start..<end }
        return nil
    }

    /// `Basic` (any case), blanks, then base64 that decodes to printable text holding a `:`.
    mutating func basicAuth(_ index: Int) -> Range<Int>? {
        guard hasCaseless("basic", at: index) else { return nil }
        guard let start = afterBlanks(index + 5) else { return nil }
        let digits = runEnd(from: start, .base64)
        var end = digits
        while end < text.count, end - digits < 2, text[end] == UInt8(ascii: "=") { end += 1 }
        guard end - start >= 8, digits - start <= 4096, decodesToUserAndPassword(start..<digits) else { return nil }
        return start..<end
    }

    /// The body of a `-----BEGIN … PRIVATE KEY-----` block, up to its `-----END` (or the end of the text).
    mutating func privateKeyBody(_ index: Int) -> Range<Int>? {
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
    static func isBlankEscape(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "n") || byte == UInt8(ascii: "r") || byte == UInt8(ascii: "t")
    }

    /// Whether the backslash at `index` starts an escape: an odd run of backslashes ends there.
    func endsEscape(at index: Int, from start: Int) -> Bool {
        var position = index
        while position >= start, text[position] == UInt8(ascii: "\\") { position -= 1 }
        return (index - position) % 2 == 1
    }

    static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
            || byte == UInt8(ascii: "\t")
    }

    /// The password in `scheme://user:password@`.
    func urlPassword(_ index: Int) -> Range<Int>? {
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
}
