/// Decides whether an object member's key names a secret, by whole segments of the key.
///
/// A key is lower-cased and split into segments at `_`, `-`, `.`, spaces and other punctuation, at
/// camelCase boundaries (`clientSecret`, `APIKey`) and between letters and digits. A rule names a
/// sequence of one to four segments; it matches a key that holds that sequence. So `user_password`,
/// `X-API-Key` and `refreshToken` match, while `passport`, `author`, `tokenizer` and `max_tokens` do not
/// (`tokens` is not `token`). A *qualifier* segment after the match (`token_type`, `secret_name`,
/// `password_length`) makes the key describe the secret rather than hold it, and `token` right after
/// a pagination word (`page_token`, `nextToken`) or `progress` (MCP's `progressToken`) is a cursor,
/// not a credential.
struct KeyNameRules: Sendable {
    /// A built-in rule: its name (after `key:`) and the segment sequences that name it.
    struct BuiltIn: Sendable {
        var name: String
        var sequences: [[String]]
        /// Segments that void a one-segment match when they come right before it.
        var notAfter: [String] = []
    }

    static let builtIns: [BuiltIn] = [
        BuiltIn(
            name: "password",
            sequences: [["password"], ["passwords"], ["passwd"], ["pwd"], ["passphrase"], ["passcode"]]),
        BuiltIn(name: "secret", sequences: [["secret"], ["secrets"], ["clientsecret"], ["secretkey"]]),
        BuiltIn(
            name: "token",
            sequences: [
                ["token"], ["accesstoken"], ["refreshtoken"], ["authtoken"], ["idtoken"], ["apitoken"],
                ["sessiontoken"], ["bearertoken"],
            ],
            notAfter: [
                "page", "next", "continuation", "sync", "cursor", "resume", "progress", "max", "min", "num", "total",
                "input", "output", "prompt", "completion",
            ]),
        BuiltIn(
            name: "api_key",
            sequences: [
                ["api", "key"], ["api", "keys"], ["apikey"], ["apikeys"], ["app", "key"], ["appkey"],
                ["client", "key"], ["service", "key"], ["account", "key"], ["auth", "key"], ["authkey"],
            ]),
        BuiltIn(name: "access_key", sequences: [["access", "key"], ["access", "keys"], ["accesskey"]]),
        BuiltIn(
            name: "private_key",
            sequences: [
                ["private", "key"], ["privatekey"], ["priv", "key"], ["privkey"], ["signing", "key"],
                ["encryption", "key"], ["master", "key"],
            ]),
        BuiltIn(name: "authorization", sequences: [["authorization"], ["auth"]]),
        BuiltIn(name: "cookie", sequences: [["cookie"], ["cookies"]]),
        BuiltIn(name: "credential", sequences: [["credential"], ["credentials"], ["creds"], ["cred"]]),
        BuiltIn(name: "bearer", sequences: [["bearer"]]),
        BuiltIn(
            name: "connection_string", sequences: [["connection", "string"], ["connectionstring"], ["conn", "str"]]),
    ]

    /// Segments that, after a match, say the key describes the secret instead of holding it.
    static let qualifiers = [
        "id", "ids", "name", "names", "type", "types", "kind", "count", "length", "len", "size", "limit", "hint",
        "policy", "policies", "url", "uri", "endpoint", "expiry", "expires", "expiration", "expired", "ttl", "arn",
        "version", "required", "enabled", "field", "label", "format", "usage", "budget", "index", "status", "method",
        "mode", "scheme", "provider", "strategy", "file", "path", "scope", "scopes", "location", "ref", "created",
        "updated", "at",
    ]

    /// The longest sequence a rule may name.
    static let maxSegments = 4

    private struct Pattern: Sendable {
        var segments: [Int16]
        var notAfter: [Int16]
        var rule: Int
    }

    private var table = SegmentTable()
    private var patternsByLast: [[Pattern]] = []
    private var isQualifier: [Bool] = []
    private var globs: [(pattern: GlobPattern, rule: Int)] = []
    /// Every rule's name as markers write it: `key:password`, `key:x-internal-*`.
    private(set) var ruleNames: [String] = []

    /// The built-in rules except those named in `disabled` (as `key:NAME`), and `extra`: the user's
    /// entries, each a segment sequence (`ssn`, `employee_number`) or, with `*`, `?` or `[`, a glob
    /// over the whole lower-cased key (`x-internal-*`). Entries must have passed `validate`.
    init(disabled: Set<String> = [], extra: [String] = []) {
        for qualifier in Self.qualifiers {
            let segment = id(for: Array(qualifier.utf8))
            isQualifier[Int(segment)] = true
        }
        for builtIn in Self.builtIns where !disabled.contains("key:" + builtIn.name) {
            let rule = ruleNames.count
            ruleNames.append("key:" + builtIn.name)
            let voiding = builtIn.notAfter.map { id(for: Array($0.utf8)) }
            for sequence in builtIn.sequences {
                add(sequence.map { Array($0.utf8) }, notAfter: sequence.count == 1 ? voiding : [], rule: rule)
            }
        }
        for entry in extra {
            let rule = ruleNames.count
            ruleNames.append("key:" + entry)
            if Self.isGlob(entry) {
                if let pattern = try? GlobPattern(entry.lowercased()) { globs.append((pattern, rule)) }
            } else {
                add(Self.segments(of: entry), notAfter: [], rule: rule)
            }
        }
    }

    /// Why `entry` cannot be a key rule, or nil when it can.
    static func validate(_ entry: String) -> String? {
        if isGlob(entry) {
            do {
                _ = try GlobPattern(entry.lowercased())
            } catch {
                return error.message
            }
            return nil
        }
        let count = segments(of: entry).count
        if count == 0 { return "`\(entry)` names no key segment (letters or digits)" }
        if count > maxSegments {
            return
                "`\(entry)` has \(count) segments; a key rule names at most \(maxSegments) (use a glob such as `\(entry)*`)"
        }
        return nil
    }

    static func isGlob(_ entry: String) -> Bool { entry.contains(where: { "*?[".contains($0) }) }

    /// The lower-cased segments of `key`, as the matcher sees them.
    static func segments(of key: String) -> [[UInt8]] {
        normalized(key).split(separator: UInt8(ascii: "_")).map(Array.init)
    }

    var isEmpty: Bool { ruleNames.isEmpty }

    // MARK: - Matching

    /// The rule the key whose raw JSON bytes (between the quotes) are `raw` matches, if any.
    ///
    /// Keys with escapes (`p\u0061ssword`) or non-ASCII characters are decoded first; the common plain
    /// ASCII key is matched where it lies, with no allocation.
    func rule(forRawKey raw: UnsafeBufferPointer<UInt8>) -> Int? {
        var plain = true
        for byte in raw where byte >= 0x80 || byte == UInt8(ascii: "\\") {
            plain = false
            break
        }
        guard plain else {
            guard let key = Self.decode(raw) else { return nil }
            return rule(forKey: key)
        }
        if let rule = rule(forSegmentsIn: raw) { return rule }
        guard !globs.isEmpty else { return nil }
        return globRule(String(decoding: raw, as: UTF8.self))
    }

    /// The rule `key` (already decoded) matches, if any.
    func rule(forKey key: String) -> Int? {
        let normal = Self.normalized(key)
        if let rule = normal.withUnsafeBufferPointer({ rule(forSegmentsIn: $0) }) { return rule }
        return globs.isEmpty ? nil : globRule(key)
    }

    private func globRule(_ key: String) -> Int? {
        let lowered = key.lowercased()
        return globs.first { $0.pattern.matches(lowered) }?.rule
    }

    /// Splits `bytes` into segments and runs the patterns over them, the last match winning.
    ///
    /// Bytes from 0x80 are letters without case (the slow path lower-cases and splits non-ASCII keys
    /// before they get here).
    private func rule(forSegmentsIn bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var candidate = -1
        var history: (Int16, Int16, Int16) = (-1, -1, -1)
        var low: UInt64 = 0
        var high: UInt64 = 0
        var length = 0
        var start = 0
        func finish(_ end: Int) {
            guard length > 0 else { return }
            let segment =
                length <= 16
                ? table.lookup(low: low, high: high, length: length)
                : table.lookupLong(Array(bytes[start..<end]).map(Self.lowered))
            if segment >= 0 {
                if isQualifier[Int(segment)] { candidate = -1 }
                for pattern in patternsByLast[Int(segment)] where matches(pattern, history) {
                    candidate = pattern.rule
                    break
                }
            }
            history = (segment, history.0, history.1)
            low = 0
            high = 0
            length = 0
        }
        var previous = CharacterKind.separator
        let count = bytes.count
        for index in 0..<count {
            let byte = bytes[index]
            let kind = CharacterKind(byte)
            if kind == .separator {
                finish(index)
                previous = .separator
                continue
            }
            if length > 0 {
                let boundary =
                    (kind == .upper && (previous == .lower || previous == .digit))
                    || (kind == .upper && previous == .upper && index + 1 < count
                        && CharacterKind(bytes[index + 1]) == .lower)
                    || ((kind == .digit) != (previous == .digit))
                if boundary { finish(index) }
            }
            if length == 0 { start = index }
            let lowered = Self.lowered(byte)
            if length < 8 {
                low |= UInt64(lowered) << (8 * UInt64(length))
            } else if length < 16 {
                high |= UInt64(lowered) << (8 * UInt64(length - 8))
            }
            length += 1
            previous = kind
        }
        finish(count)
        return candidate >= 0 ? candidate : nil
    }

    private func matches(_ pattern: Pattern, _ history: (Int16, Int16, Int16)) -> Bool {
        let segments = pattern.segments
        switch segments.count {
        case 1: return !pattern.notAfter.contains(history.0)
        case 2: return segments[0] == history.0 && !pattern.notAfter.contains(history.1)
        case 3: return segments[0] == history.1 && segments[1] == history.0 && !pattern.notAfter.contains(history.2)
        default: return segments[0] == history.2 && segments[1] == history.1 && segments[2] == history.0
        }
    }

    // MARK: - Building

    private mutating func add(_ sequence: [[UInt8]], notAfter: [Int16], rule: Int) {
        guard !sequence.isEmpty, sequence.count <= Self.maxSegments else { return }
        let ids = sequence.map { id(for: $0) }
        let pattern = Pattern(segments: ids, notAfter: notAfter, rule: rule)
        var list = patternsByLast[Int(ids.last!)]
        list.append(pattern)
        // Longer sequences first: `x_api_key` is tried before `api_key`.
        list.sort { $0.segments.count > $1.segments.count }
        patternsByLast[Int(ids.last!)] = list
    }

    /// The id of a lower-case segment, assigning the next one when it is new.
    private mutating func id(for segment: [UInt8]) -> Int16 {
        if let known = table.find(segment) { return known }
        let next = Int16(patternsByLast.count)
        table.insert(segment, id: next)
        patternsByLast.append([])
        isQualifier.append(false)
        return next
    }

    // MARK: - Normalising

    private enum CharacterKind: Equatable {
        case upper, lower, digit, separator

        init(_ byte: UInt8) {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): self = .upper
            case UInt8(ascii: "a")...UInt8(ascii: "z"), 0x80...0xFF: self = .lower
            case UInt8(ascii: "0")...UInt8(ascii: "9"): self = .digit
            default: self = .separator
            }
        }

        init(_ scalar: Unicode.Scalar) {
            if scalar.isASCII {
                self.init(UInt8(scalar.value))
            } else if scalar.properties.isUppercase {
                self = .upper
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                self = .lower
            } else {
                self = .separator
            }
        }
    }

    private static func lowered(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    /// `key` lower-cased (Unicode case mapping: the Kelvin sign becomes `k`), with `_` at every segment
    /// boundary, including the camelCase ones its capitals showed.
    static func normalized(_ key: String) -> [UInt8] {
        let scalars = Array(key.unicodeScalars)
        var out: [UInt8] = []
        out.reserveCapacity(key.utf8.count + 4)
        var previous = CharacterKind.separator
        for (index, scalar) in scalars.enumerated() {
            let kind = CharacterKind(scalar)
            guard kind != .separator else {
                if previous != .separator { out.append(UInt8(ascii: "_")) }
                previous = .separator
                continue
            }
            if previous != .separator {
                let next = index + 1 < scalars.count ? CharacterKind(scalars[index + 1]) : .separator
                let boundary =
                    (kind == .upper && (previous == .lower || previous == .digit))
                    || (kind == .upper && previous == .upper && next == .lower)
                    || ((kind == .digit) != (previous == .digit))
                if boundary { out.append(UInt8(ascii: "_")) }
            }
            if scalar.isASCII {
                out.append(lowered(UInt8(scalar.value)))
            } else {
                out.append(contentsOf: scalar.properties.lowercaseMapping.utf8)
            }
            previous = kind
        }
        return out
    }

    /// The key a JSON string's raw bytes spell, escapes resolved; nil when they are not a valid string.
    static func decode(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
        var quoted = [UInt8](repeating: UInt8(ascii: "\""), count: raw.count + 2)
        for (offset, byte) in raw.enumerated() { quoted[offset + 1] = byte }
        return quoted.withUnsafeBufferPointer { try? JSONParser.string($0, at: 0) }
    }
}

/// Lower-case key segments to small ids: open addressing over segments packed into two words.
///
/// Segments of up to 16 bytes (every built-in one) are looked up with two multiplications and a compare,
/// no hashing of strings and no allocation; longer ones (only from the policy's `keys:`) go to a dictionary.
private struct SegmentTable: Sendable {
    private var lows = [UInt64](repeating: 0, count: 512)
    private var highs = [UInt64](repeating: 0, count: 512)
    private var lengths = [UInt8](repeating: 0, count: 512)
    private var ids = [Int16](repeating: -1, count: 512)
    private var long: [[UInt8]: Int16] = [:]
    private var count = 0

    private static func pack(_ segment: [UInt8]) -> (UInt64, UInt64) {
        var low: UInt64 = 0
        var high: UInt64 = 0
        for (offset, byte) in segment.enumerated() {
            if offset < 8 {
                low |= UInt64(byte) << (8 * UInt64(offset))
            } else {
                high |= UInt64(byte) << (8 * UInt64(offset - 8))
            }
        }
        return (low, high)
    }

    private func slot(_ low: UInt64, _ high: UInt64, _ length: Int) -> Int {
        let mixed = (low &* 0x9E37_79B9_7F4A_7C15) ^ (high &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(length)
        return Int(truncatingIfNeeded: mixed >> 32) & (lows.count - 1)
    }

    func find(_ segment: [UInt8]) -> Int16? {
        let found = segment.count <= 16 ? lookupPacked(segment) : (long[segment] ?? -1)
        return found >= 0 ? found : nil
    }

    private func lookupPacked(_ segment: [UInt8]) -> Int16 {
        let (low, high) = Self.pack(segment)
        return lookup(low: low, high: high, length: segment.count)
    }

    func lookup(low: UInt64, high: UInt64, length: Int) -> Int16 {
        var index = slot(low, high, length)
        while lengths[index] != 0 {
            if lows[index] == low, highs[index] == high, Int(lengths[index]) == length { return ids[index] }
            index = (index + 1) & (lows.count - 1)
        }
        return -1
    }

    func lookupLong(_ segment: [UInt8]) -> Int16 { long.isEmpty ? -1 : (long[segment] ?? -1) }

    mutating func insert(_ segment: [UInt8], id: Int16) {
        guard segment.count <= 16 else {
            long[segment] = id
            return
        }
        // Keep the load under a quarter: a policy's own keys can only add a few dozen segments.
        if (count + 1) * 4 > lows.count { grow() }
        let (low, high) = Self.pack(segment)
        var index = slot(low, high, segment.count)
        while lengths[index] != 0 { index = (index + 1) & (lows.count - 1) }
        lows[index] = low
        highs[index] = high
        lengths[index] = UInt8(segment.count)
        ids[index] = id
        count += 1
    }

    private mutating func grow() {
        let old = zip(zip(lows, highs), zip(lengths, ids)).filter { $0.1.0 != 0 }
        let size = lows.count * 2
        lows = [UInt64](repeating: 0, count: size)
        highs = [UInt64](repeating: 0, count: size)
        lengths = [UInt8](repeating: 0, count: size)
        ids = [Int16](repeating: -1, count: size)
        for ((low, high), (length, id)) in old {
            var index = slot(low, high, Int(length))
            while lengths[index] != 0 { index = (index + 1) & (lows.count - 1) }
            lows[index] = low
            highs[index] = high
            lengths[index] = length
            ids[index] = id
        }
    }
}
