/// The exact decimal value of a number as written, compared without rounding.
///
/// Policy comparisons (`gt`, `lt`, `equals`) run on this, never on `Double`: through a double,
/// 9007199254740993 equals 9007199254740992 and 0.30000000000000001 equals 0.3, so a value just past
/// a bound would compare equal to it while the server reads it past.
package struct ExactNumber: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The number as written (JSON literal, or the policy's text).
    package let text: String
    private let negative: Bool
    /// Significant digits (ASCII), no leading or trailing zeros; empty for zero.
    private let digits: [UInt8]
    /// The value is `0.<digits> × 10^exponent`.
    private let exponent: Int

    /// Reads a JSON number literal (`-12.50e3`); nil when `text` is not one.
    package init?(_ text: String) {
        var bytes = Array(text.utf8)[...]
        var negative = false
        if bytes.first == UInt8(ascii: "-") {
            negative = true
            bytes = bytes.dropFirst()
        }
        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
        let integer = bytes.prefix(while: isDigit)
        guard !integer.isEmpty, integer.count == 1 || integer.first != 0x30 else { return nil }
        bytes = bytes.dropFirst(integer.count)
        var fraction: ArraySlice<UInt8> = []
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            fraction = bytes.prefix(while: isDigit)
            guard !fraction.isEmpty else { return nil }
            bytes = bytes.dropFirst(fraction.count)
        }
        var written = 0
        if let marker = bytes.first, marker == UInt8(ascii: "e") || marker == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            var exponentNegative = false
            if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                exponentNegative = sign == UInt8(ascii: "-")
                bytes = bytes.dropFirst()
            }
            let exponentDigits = bytes.prefix(while: isDigit)
            guard !exponentDigits.isEmpty else { return nil }
            bytes = bytes.dropFirst(exponentDigits.count)
            // Saturate: an exponent past 10^15 is past every frame's digits, so order is still exact.
            for digit in exponentDigits {
                written = min(written * 10 + Int(digit - 0x30), 1_000_000_000_000_000)
            }
            if exponentNegative { written = -written }
        }
        guard bytes.isEmpty else { return nil }
        var all = Array(integer) + Array(fraction)
        var point = integer.count + written
        let leading = all.prefix { $0 == 0x30 }.count
        all.removeFirst(leading)
        point -= leading
        while all.last == 0x30 { all.removeLast() }
        self.text = text
        self.digits = all
        self.negative = negative && !all.isEmpty
        self.exponent = all.isEmpty ? 0 : point
    }

    /// The exact value of a double (its shortest round-trip text).
    package init?(_ value: Double) {
        guard value.isFinite else { return nil }
        let text = value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        self.init(text)
    }

    package var description: String { text }

    /// The nearest double, for estimates only (lint), never for decisions.
    package var doubleValue: Double { Double(text) ?? .nan }

    package static func == (lhs: ExactNumber, rhs: ExactNumber) -> Bool {
        lhs.negative == rhs.negative && lhs.exponent == rhs.exponent && lhs.digits == rhs.digits
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(negative)
        hasher.combine(exponent)
        hasher.combine(digits)
    }

    package static func < (lhs: ExactNumber, rhs: ExactNumber) -> Bool {
        if lhs.negative != rhs.negative { return lhs.negative }
        let magnitudeLess = lhs.magnitudeLess(than: rhs)
        return lhs.negative ? rhs.magnitudeLess(than: lhs) : magnitudeLess
    }

    private func magnitudeLess(than other: ExactNumber) -> Bool {
        if digits.isEmpty || other.digits.isEmpty { return digits.isEmpty && !other.digits.isEmpty }
        if exponent != other.exponent { return exponent < other.exponent }
        return digits.lexicographicallyPrecedes(other.digits)
    }
}

extension JSONValue {
    /// The exact value, when this is a number.
    package var exactNumber: ExactNumber? {
        if case .number(let literal) = self { return ExactNumber(literal) }
        return nil
    }
}
