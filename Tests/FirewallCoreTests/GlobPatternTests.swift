import Testing

@testable import FirewallCore

struct GlobPatternTests {
    static let matches: [(pattern: String, text: String)] = [
        ("get_weather", "get_weather"),
        ("*", ""),
        ("*", "anything at all"),
        ("github.*", "github.create_issue"),
        ("github.*", "github."),
        ("*_file", "read_file"),
        ("a*b*c", "a-b-b-c"),
        ("a*b*c", "abc"),
        ("**x", "yyx"),
        ("*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"),
        ("?", "é"),
        ("???", "日本語"),
        ("file?.txt", "file1.txt"),
        ("[abc]x", "bx"),
        ("[a-c]x", "cx"),
        ("[a-cx-z]", "y"),
        ("[!a-c]x", "dx"),
        ("[^a-c]x", "dx"),
        ("[]a]", "]"),
        ("[a-]", "-"),
        ("[é-ë]", "ê"),
        (#"\*"#, "*"),
        (#"a\?b"#, "a?b"),
        (#"\[x]"#, "[x]"),
        (#"\\"#, #"\"#),
        ("café", "café"),
        ("🔥*", "🔥fire"),
        ("tools/*", "tools/call"),
    ]

    @Test(arguments: matches)
    func matchesTheWholeString(_ pattern: String, text: String) throws {
        #expect(try GlobPattern(pattern).matches(text))
    }

    static let mismatches: [(pattern: String, text: String)] = [
        ("get_weather", "get_weather2"),
        ("get_weather", "xget_weather"),
        ("github.*", "githubx"),
        ("github.*", "GitHub.get_file"),
        ("github.*", "github"),
        ("?", ""),
        ("?", "ab"),
        ("a*b*c", "a-b-b-"),
        ("*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        ("[abc]x", "dx"),
        ("[!a-c]x", "bx"),
        ("[^a-c]x", "ax"),
        (#"\*"#, "x"),
        (#"a\?b"#, "axb"),
        ("café", "cafe\u{301}"),
        ("cafe\u{301}", "café"),
        ("?", "e\u{301}"),
        ("file?.txt", "file.txt"),
    ]

    @Test(arguments: mismatches)
    func rejectsStringsThatDoNotMatchTheWholePattern(_ pattern: String, text: String) throws {
        #expect(try !GlobPattern(pattern).matches(text))
    }

    @Test(arguments: [
        ("[abc", "unclosed `[`"), ("x[", "unclosed `[`"), ("[]", "unclosed `[`"), ("[!]", "unclosed `[`"),
        ("[z-a]", "range z-a is reversed"), (#"abc\"#, #"ends with a lone `\`"#),
    ])
    func rejectsMalformedPatterns(_ pattern: String, message: String) {
        let error = #expect(throws: GlobPatternError.self) { try GlobPattern(pattern) }
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "no error")")
    }

    @Test func reportsWhetherAPatternIsALiteralName() throws {
        #expect(try GlobPattern("get_weather").isLiteral)
        #expect(try GlobPattern(#"a\*b"#).isLiteral)
        #expect(try !GlobPattern("github.*").isLiteral)
        #expect(try !GlobPattern("a?").isLiteral)
        #expect(try !GlobPattern("[ab]").isLiteral)
        #expect(try GlobPattern("x*").description == "x*")
    }
}
