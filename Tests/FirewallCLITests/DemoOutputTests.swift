import Testing

@testable import FirewallCLI

/// How the demo prints a result on one line.
struct DemoOutputTests {
    @Test func shortenCutsAfterTheLastWholeWordThatFits() {
        let text = (1...60).map { "word\($0)" }.joined(separator: " ")
        let short = DemoCommand.shorten(text)
        #expect(short.count <= 160)
        #expect(short.hasSuffix(" …"))
        let kept = String(short.dropLast(2))
        #expect(text.hasPrefix(kept + " "), "cut inside a word: \(short)")
    }

    @Test func shortenKeepsShortTextAndFlattensLines() {
        #expect(DemoCommand.shorten("one\ntwo") == "one two")
        let exact = String(repeating: "a", count: 160)
        #expect(DemoCommand.shorten(exact) == exact)
        // One word longer than the room is cut where the room ends.
        #expect(DemoCommand.shorten(String(repeating: "b", count: 200)) == String(repeating: "b", count: 158) + " …")
        // A cut that falls just before a space keeps the whole last word.
        let aligned = String(repeating: "c", count: 158) + " next"
        #expect(DemoCommand.shorten(aligned) == String(repeating: "c", count: 158) + " …")
    }
}
