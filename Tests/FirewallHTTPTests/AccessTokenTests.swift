import FirewallHTTP
import Testing

/// The URL and CSRF secrets.
struct AccessTokenTests {
    @Test(arguments: [
        ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"),
        ("foobar", "Zm9vYmFy"),
    ])
    func encodesBase64URLWithoutPadding(input: String, expected: String) {
        #expect(AccessToken(bytes: Array(input.utf8)).text == expected)
    }

    @Test func usesTheURLSafeAlphabet() {
        #expect(AccessToken(bytes: [0xFB, 0xFF, 0xBF]).text == "-_-_")
    }

    @Test func freshTokensAre256BitsAndDiffer() {
        let first = AccessToken()
        let second = AccessToken()
        #expect(first.text.count == 43)
        #expect(first.text != second.text)
        #expect(first.text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }

    @Test func matchesOnlyTheExactToken() {
        let token = AccessToken(bytes: Array("0123456789abcdef0123456789abcdef".utf8))
        #expect(token.matches(token.text))
        #expect(!token.matches(token.text.dropLast()))
        #expect(!token.matches(token.text + "A"))
        #expect(!token.matches(String(token.text.dropLast()) + "x"))
        #expect(!token.matches(""))
    }
}
