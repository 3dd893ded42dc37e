import Foundation
import Testing

@testable import FirewallCore

/// Every built-in secret format, found inside a longer string, and the near misses each one leaves.
struct SecretFormatTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var rule: String
        /// The text around the secret; `{}` marks where it goes.
        var text: String
        var secret: String

        var testDescription: String { rule }
    }

    static let positives: [Case] = [
        Case(rule: "aws_access_key_id", text: "key={} region=eu", secret: FakeSecret.aws),
        Case(rule: "aws_access_key_id", text: "{}", secret: "ASIA" + "Y34FZKBOKMUTVV7A"),
        Case(rule: "github_token", text: "git clone https://{}@github.com/o/r", secret: FakeSecret.github),
        Case(rule: "github_token", text: "token: {}", secret: FakeSecret.githubFineGrained),
        Case(rule: "github_token", text: "({})", secret: "ghs_" + FakeSecret.repeated("Q9w", toLength: 36)),
        Case(rule: "slack_token", text: "SLACK={}", secret: FakeSecret.slack),
        Case(rule: "slack_token", text: "{}", secret: "xapp-" + "1-A0123-" + FakeSecret.repeated("9f8e", toLength: 30)),
        Case(
            rule: "slack_webhook_url", text: "post to https://hooks.slack.com/services/{} now",
            secret: FakeSecret.slackWebhookPath),
        Case(
            rule: "private_key", text: "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----",
            secret: FakeSecret.pemBody),
        Case(rule: "private_key", text: "-----BEGIN OPENSSH PRIVATE KEY-----\r\n{}", secret: FakeSecret.pemBody),
        Case(rule: "jwt", text: "id_token {} end", secret: FakeSecret.jwt),
        Case(rule: "stripe_key", text: "{}", secret: FakeSecret.stripe),
        Case(rule: "stripe_key", text: "use {}.", secret: "rk_" + "test_" + FakeSecret.repeated("51Hq", toLength: 30)),
        Case(rule: "google_api_key", text: "?key={}&q=1", secret: FakeSecret.google),
        Case(rule: "anthropic_key", text: "ANTHROPIC_API_KEY={}", secret: FakeSecret.anthropic),
        Case(rule: "openai_key", text: "{}", secret: FakeSecret.openAIProject),
        Case(rule: "openai_key", text: "k {} k", secret: FakeSecret.openAILegacy),
        Case(rule: "bearer_token", text: "Authorization: Bearer {}", secret: FakeSecret.bearer),
        Case(rule: "bearer_token", text: "curl -H 'authorization: bearer {}'", secret: FakeSecret.jwt),
        Case(rule: "basic_auth", text: "Authorization: Basic {}", secret: FakeSecret.basic),
        Case(rule: "url_password", text: "postgres://app:{}@db.internal:5432/prod", secret: "hunter2"),
    ]

    @Test(arguments: positives)
    func redactsTheSecretInsideTheString(_ example: Case) throws {
        let text = example.text.replacingOccurrences(of: "{}", with: example.secret)
        let input = JSONValue.object([.init("note", .string(text))]).compactText
        let result = try #require(try redact(input), "\(example.rule) not found in \(text)")
        #expect(!result.text.contains(example.secret))
        #expect(result.findings == [RedactionFinding(path: "/note", rule: example.rule)])
        // The text around the secret stays.
        let expected = text.replacingOccurrences(of: example.secret, with: "[REDACTED:\(example.rule)]")
        #expect(try json(result.text)["note"]?.stringValue == expected)
    }

    static let nearMisses: [String] = [
        "AKIA" + "IOSFODNN7EXAMPL",  // 15 characters after the prefix
        "AKIA" + "IOSFODNN7EXAMPLE1",  // part of a longer word
        "akia" + "iosfodnn7example",
        "ghp_" + FakeSecret.repeated("a1B2c3", toLength: 35),
        "ghx_" + FakeSecret.repeated("a1B2c3", toLength: 36),
        "xoxb-" + "not-a-token",
        "https://hooks.slack.com/other/" + FakeSecret.slackWebhookPath,
        "-----BEGIN PUBLIC KEY-----\n" + FakeSecret.pemBody + "\n-----END PUBLIC KEY-----",
        "-----BEGIN CERTIFICATE-----\n" + FakeSecret.pemBody,
        "eyJhbGciOiJIUzI1NiJ9",
        "the eyes have it. eyebrows.",
        "pk_" + "live_" + FakeSecret.repeated("4eC39HqLyj", toLength: 24),
        "sk_" + "live_" + "short",
        "AIza" + FakeSecret.repeated("SyD-9tSrke72PouQMnMX", toLength: 34),  // a 35-character Google-like string
        "AIza" + FakeSecret.repeated("SyD-9tSrke72PouQMnMX", toLength: 36),
        "sk-ant-" + "short",
        "sk-" + FakeSecret.repeated("Ab1", toLength: 48),  // no OpenAI marker
        "Bearer tokens are a kind of access token",
        "bearer authentication is described in RFC 6750",
        "Basic information about the account",
        "Basic " + "YWJjZGVmZ2g=",  // base64 of "abcdefgh": no colon
        "https://example.com/a@b",
        "mailto:someone@example.com",
        "user:pass@host without a scheme",
        "max_tokens tokenizer passport author",
    ]

    @Test(arguments: nearMisses)
    func leavesNearMissesAlone(_ text: String) throws {
        #expect(try redact(JSONValue.object([.init("note", .string(text))]).compactText) == nil, "\(text)")
    }

    @Test func disablingARuleByNameLeavesItsSecrets() throws {
        let redactor = Redactor(RedactionSettings(disabled: ["jwt"]))
        let input = JSONValue.object([.init("note", .string(FakeSecret.jwt + " " + FakeSecret.aws))]).compactText
        let result = try #require(try redact(input, with: redactor))
        #expect(result.text.contains(FakeSecret.jwt))
        #expect(!result.text.contains(FakeSecret.aws))
    }

    @Test func findsEverySecretOfAStringInOrder() throws {
        let text = "\(FakeSecret.github) and \(FakeSecret.aws), then \(FakeSecret.github)"
        let result = try #require(try redact(JSONValue.array([.string(text)]).compactText))
        #expect(result.findings.map(\.rule) == ["github_token", "aws_access_key_id", "github_token"])
        #expect(
            try json(result.text)[0]?.stringValue
                == "[REDACTED:github_token] and [REDACTED:aws_access_key_id], then [REDACTED:github_token]")
    }

    /// Text built to make a careless matcher rescan (each matcher remembers the runs and failed
    /// searches it has seen, so these stay linear; a quadratic matcher would take minutes here).
    @Test(
        arguments: [
            ("sk-", nil), ("-----BEGIN RSA PRIVATE KEY-----", "private_key"), ("ey", nil), ("Bearer 1", nil),
            ("xoxb-1", "slack_token"), ("a://", nil), ("ghp_", nil), ("AKIA", nil), ("-", nil),
        ] as [(String, String?)])
    func handlesRepetitiveText(_ piece: String, _ rule: String?) throws {
        let text = String(repeating: piece, count: 200_000 / piece.count)
        let result = try redact(JSONValue.array([.string(text)]).compactText)
        #expect(result?.findings.first?.rule == rule, "\(piece)")
    }
}

extension JSONValue {
    /// Compact JSON text of the value.
    var compactText: String {
        var writer = JSONWriter()
        writer.value(self)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
