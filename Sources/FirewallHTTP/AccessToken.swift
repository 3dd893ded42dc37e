/// A random 256-bit secret written as base64url (43 characters, no padding), compared in constant time.
///
/// The web page's URL carries one (whoever holds the URL may answer); the page carries a second one
/// that every answer must repeat in a header, which a cross-site form or script cannot read.
package struct AccessToken: Sendable, CustomStringConvertible {
    /// The token as it appears in URLs and headers.
    package let text: String

    /// A fresh token from the system's cryptographically secure generator (`getrandom` on Linux).
    package init() {
        var generator = SystemRandomNumberGenerator()
        self.init(bytes: (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// A token made of `bytes` (tests use fixed ones).
    package init(bytes: [UInt8]) {
        text = Self.base64URL(bytes)
    }

    package var description: String { text }

    /// Whether `candidate` is this token, taking the same time for every candidate of the same length.
    package func matches(_ candidate: some StringProtocol) -> Bool {
        Self.constantTimeEquals(Array(candidate.utf8), Array(text.utf8))
    }

    /// Byte equality whose running time depends only on the lengths, never on where the inputs differ.
    package static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }

    /// RFC 4648 §5 base64url without padding.
    static func base64URL(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var value = 0
            for (offset, byte) in chunk.enumerated() { value |= Int(byte) << (16 - 8 * offset) }
            for position in 0...chunk.count { out.append(alphabet[(value >> (18 - 6 * position)) & 0x3F]) }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
