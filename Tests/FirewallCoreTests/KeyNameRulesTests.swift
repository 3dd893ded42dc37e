import Testing

@testable import FirewallCore

/// Which key names the built-in key rules take, and which look alike but are not secrets.
struct KeyNameRulesTests {
    static let sensitive: [(String, String)] = [
        ("password", "key:password"), ("user_password", "key:password"), ("newPassword", "key:password"),
        ("PASSWORD", "key:password"), ("db-passwd", "key:password"), ("pwd", "key:password"),
        ("password2", "key:password"), ("passphrase", "key:password"),
        ("secret", "key:secret"), ("client_secret", "key:secret"), ("clientSecret", "key:secret"),
        ("aws_secret_access_key", "key:access_key"), ("webhookSecret", "key:secret"),
        ("token", "key:token"), ("access_token", "key:token"), ("accessToken", "key:token"),
        ("refresh-token", "key:token"), ("id_token", "key:token"), ("sessionToken", "key:token"),
        ("X-Auth-Token", "key:token"), ("accesstoken", "key:token"),
        ("api_key", "key:api_key"), ("apiKey", "key:api_key"), ("APIKey", "key:api_key"),
        ("X-API-Key", "key:api_key"), ("x-api-key", "key:api_key"), ("apikey", "key:api_key"),
        ("OPENAI_API_KEY", "key:api_key"), ("access_key", "key:access_key"), ("accessKey", "key:access_key"),
        ("private_key", "key:private_key"), ("privateKey", "key:private_key"), ("signing.key", "key:private_key"),
        ("Authorization", "key:authorization"), ("proxy-authorization", "key:authorization"),
        ("auth", "key:authorization"), ("Cookie", "key:cookie"), ("Set-Cookie", "key:cookie"),
        ("cookies", "key:cookie"), ("credentials", "key:credential"), ("gcpCredential", "key:credential"),
        ("bearer", "key:bearer"), ("connection_string", "key:connection_string"),
        ("ConnectionString", "key:connection_string"),
    ]

    static let notSecrets = [
        "passport", "passport_number", "author", "authorName", "authority", "authenticated", "tokenizer",
        "max_tokens", "maxTokens", "max_output_tokens", "prompt_tokens", "input_tokens", "tokens", "token_type",
        "tokenType", "token_count", "tokenCount", "nextPageToken", "page_token", "next_token", "cursor",
        "progressToken",
        "api_key_id", "apiKeyName", "secret_name", "SecretId", "secretArn", "auth_type", "oauth", "credential_id",
        "password_length", "passwordPolicy", "cookie_name", "keyboard", "monkey", "key", "keys", "pass",
        "session_id", "AWS_ACCESS_KEY_ID", "employee_id", "description", "", "___",
    ]

    @Test(arguments: sensitive)
    func takesSensitiveKeyNames(_ key: String, _ rule: String) {
        #expect(Redactor.standard.keyRule(for: key) == rule, "\(key)")
    }

    @Test(arguments: notSecrets)
    func leavesLookalikesAlone(_ key: String) {
        #expect(Redactor.standard.keyRule(for: key) == nil, "\(key)")
    }

    /// Keys are compared decoded: `\u0061` is `a`, and Unicode case mapping applies (U+212A KELVIN SIGN
    /// lower-cases to `k`).
    @Test func comparesKeysAfterUnescapingAndCaseMapping() throws {
        for raw in [
            #"p\u0061ssword"#, #"\u0070\u0061\u0073\u0073\u0077\u006f\u0072\u0064"#, "TO\u{212A}EN", #"a\/token"#,
        ] {
            let result = try #require(try redact(#"{"\#(raw)":"hunter2"}"#), "\(raw)")
            #expect(!result.text.contains("hunter2"), "\(raw)")
        }
    }

    @Test func findsSegmentsInEveryKeyStyle() {
        #expect(
            KeyNameRules.segments(of: "XMLHttpRequest").map { String(decoding: $0, as: UTF8.self) } == [
                "xml", "http", "request",
            ])
        #expect(
            KeyNameRules.segments(of: "oauth2Token").map { String(decoding: $0, as: UTF8.self) } == [
                "oauth", "2", "token",
            ])
        #expect(
            KeyNameRules.segments(of: "x-api.key v2").map { String(decoding: $0, as: UTF8.self) } == [
                "x", "api", "key", "v", "2",
            ])
    }

    @Test func addsTheUsersSegmentsAndGlobs() {
        let redactor = Redactor(RedactionSettings(keys: ["ssn", "employee_number", "x-internal-*"]))
        #expect(redactor.keyRule(for: "ssn") == "key:ssn")
        #expect(redactor.keyRule(for: "customerSSN") == "key:ssn")
        #expect(redactor.keyRule(for: "employeeNumber") == "key:employee_number")
        #expect(redactor.keyRule(for: "X-Internal-Trace") == "key:x-internal-*")
        #expect(redactor.keyRule(for: "lessnumber") == nil)
        #expect(redactor.keyRule(for: "employee") == nil)
        #expect(redactor.keyRule(for: "password") == "key:password")
    }

    @Test func turnsOffOnlyTheRulesNamed() {
        let redactor = Redactor(RedactionSettings(disabled: ["key:token"]))
        #expect(redactor.keyRule(for: "access_token") == nil)
        #expect(redactor.keyRule(for: "password") == "key:password")
    }

    @Test func refusesEntriesThatNameNoSegmentOrTooMany() {
        #expect(KeyNameRules.validate("--") != nil)
        #expect(KeyNameRules.validate("a_b_c_d_e") != nil)
        #expect(KeyNameRules.validate("x-[abc") != nil)
        #expect(KeyNameRules.validate("ssn") == nil)
        #expect(KeyNameRules.validate("x-internal-*") == nil)
    }
}
