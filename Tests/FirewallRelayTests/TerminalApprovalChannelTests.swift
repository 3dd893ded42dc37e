import FirewallCore
import Testing

@testable import FirewallRelay

/// What the person at the terminal is shown.
struct TerminalApprovalChannelTests {
    @Test func everyArgumentStaysVisibleHoweverLongTheOthersAre() {
        let arguments: JSONValue = .object([
            .init("content", .string("# harmless notes\n" + String(repeating: "x", count: 5000))),
            .init("path", .string("/home/me/.ssh/authorized_keys")),
        ])
        let lines = ApprovalSummary.argumentLines(arguments)
        #expect(lines.count == 2)
        #expect(lines[1] == #" "path":"/home/me/.ssh/authorized_keys"}"#)
        #expect(lines[0].contains("characters omitted"))
        #expect(lines[0].count < 400)
    }

    @Test func controlAndFormatCharactersAreShownEscaped() {
        let text = ApprovalSummary.sanitize("a\u{1B}[2Jb\u{202E}c\u{9B}")
        #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x202E || $0.value == 0x9B })
        #expect(text == #"a\u001b[2Jb\u202ec\u009b"#)
    }
}
