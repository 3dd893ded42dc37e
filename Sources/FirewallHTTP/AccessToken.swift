import FirewallCore

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
        text = Base64URL.encode(bytes)
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
}
