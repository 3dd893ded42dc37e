import Crypto
import Foundation
import Testing

@testable import FirewallCore

/// The redactor over whole JSON values: where it looks, what it writes, and what it leaves alone.
struct RedactorTests {
    @Test func returnsNothingWhenNothingIsSecret() throws {
        let inputs = [
            #"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"search","arguments":{"query":"weather in Paris","max_tokens":256,"author":"Ada"}}}"#,
            #"[1,2.5e3,-0,true,false,null,"",{},[],"\u00e9\ud83d\ude00\n"]"#,
            #"  "just a string with spaces"  "#,
            "{\"a\" : { \"b\" :\t[ {\"passport\" : \"X1\"} ] } }",
        ]
        for input in inputs {
            #expect(try redact(input) == nil, "\(input)")
        }
    }

    @Test func redactsNestedArgumentsAndResults() throws {
        let input = #"""
            {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"login","arguments":{"user":"ada","password":"hunter2","options":{"headers":{"Authorization":"Bearer abc.def.123","Accept":"*/*"}},"accounts":[{"name":"a","api_key":12345},{"name":"b","token":{"value":"t","exp":1}}]}}}
            """#
        let result = try #require(try redact(input))
        for secret in ["hunter2", "abc.def.123", "12345", #""value":"t""#] { #expect(!result.text.contains(secret)) }
        #expect(
            result.findings == [
                RedactionFinding(path: "/params/arguments/password", rule: "key:password"),
                RedactionFinding(path: "/params/arguments/options/headers/Authorization", rule: "key:authorization"),
                RedactionFinding(path: "/params/arguments/accounts/0/api_key", rule: "key:api_key"),
                RedactionFinding(path: "/params/arguments/accounts/1/token", rule: "key:token"),
            ])
        let value = try json(result.text)
        #expect(value["params"]?["arguments"]?["user"]?.stringValue == "ada")
        #expect(value["params"]?["arguments"]?["password"]?.stringValue == "[REDACTED:key:password]")
        #expect(value["params"]?["arguments"]?["accounts"]?[1]?["token"]?.stringValue == "[REDACTED:key:token]")
        #expect(value["params"]?["arguments"]?["options"]?["headers"]?["Accept"]?.stringValue == "*/*")
    }

    @Test func keepsValuesThatHoldNoSecret() throws {
        let input = #"{"password":"","token":null,"secret":true,"cookie":false,"pwd":"x"}"#
        let result = try #require(try redact(input))
        #expect(result.findings == [RedactionFinding(path: "/pwd", rule: "key:password")])
        #expect(
            result.text == #"{"password":"","token":null,"secret":true,"cookie":false,"pwd":"[REDACTED:key:password]"}"#
        )
    }

    /// A tool's input schema names its fields: `password` there describes an argument, it holds none.
    @Test func leavesTheFieldsOfASchemaAlone() throws {
        let schema =
            #"{"result":{"tools":[{"name":"login","inputSchema":{"type":"object","properties":{"password":{"type":"string","description":"the user's password"},"token":"t0k3n"},"required":["password"]}}]},"_meta":{"progressToken":"p-1"}}"#
        let result = try #require(try redact(schema))
        // A `properties` member that is not a schema (a string here) is still redacted.
        #expect(
            result.findings == [
                RedactionFinding(path: "/result/tools/0/inputSchema/properties/token", rule: "key:token")
            ])
        #expect(result.text.contains(#""password":{"type":"string","description":"the user's password"}"#))
        #expect(result.text.contains(#""progressToken":"p-1""#))
    }

    @Test func redactsEveryDuplicateKey() throws {
        let result = try #require(try redact(#"{"password":"one","password":"two"}"#))
        #expect(result.text == #"{"password":"[REDACTED:key:password]","password":"[REDACTED:key:password]"}"#)
        #expect(result.findings.count == 2)
    }

    @Test func spellsPathsAsJSONPointers() throws {
        let result = try #require(try redact(#"{"a/b":{"c~d":[0,{"p\u0061ssword":"x","\u00e9":{"token":"y"}}]}}"#))
        #expect(result.findings.map(\.path) == ["/a~1b/c~0d/1/password", "/a~1b/c~0d/1/é/token"])
    }

    @Test func walksJSONHeldInAString() throws {
        // A tool result's text is often JSON: its keys are read too, one level deep.
        let inner = #"{"user":"ada","password":"hunter2","note":"key \#(FakeSecret.aws)"}"#
        let input = JSONValue.object([
            .init(
                "result",
                .object([
                    .init(
                        "content", .array([.object([.init("type", .string("text")), .init("text", .string(inner))])]))
                ]))
        ]).compactText
        let result = try #require(try redact(input))
        #expect(!result.text.contains("hunter2"))
        #expect(!result.text.contains(FakeSecret.aws))
        #expect(
            result.findings == [
                RedactionFinding(path: "/result/content/0/text", rule: "key:password", embedded: "/password"),
                RedactionFinding(path: "/result/content/0/text", rule: "aws_access_key_id", embedded: "/note"),
            ])
        let text = try #require(try json(result.text)["result"]?["content"]?[0]?["text"]?.stringValue)
        #expect(try json(text)["user"]?.stringValue == "ada")
        #expect(try json(text)["password"]?.stringValue == "[REDACTED:key:password]")
    }

    @Test func scansAStringThatOnlyLooksLikeJSON() throws {
        let input = JSONValue.array([.string("[1] the key is \(FakeSecret.github)")]).compactText
        let result = try #require(try redact(input))
        #expect(result.findings == [RedactionFinding(path: "/0", rule: "github_token")])
    }

    @Test func decodesEscapedStringsBeforeScanning() throws {
        // `\/` and `\u` escapes would hide a secret from a scan of the raw bytes.
        let input =
            #"["https:\/\/hooks.slack.com\/services\/\#(FakeSecret.slackWebhookPath.replacingOccurrences(of: "/", with: "\\/"))","\u0041KIA\#(FakeSecret.aws.dropFirst(4))"]"#
        let result = try #require(try redact(input))
        #expect(result.findings.map(\.rule) == ["slack_webhook_url", "aws_access_key_id"])
        #expect(
            try json(result.text)[0]?.stringValue == "https://hooks.slack.com/services/[REDACTED:slack_webhook_url]")
    }

    /// Line breaks, tabs and quotes written as escapes separate words, and the string is edited in place.
    @Test func scansStringsWithSimpleEscapesWhereTheyLie() throws {
        let pem = FakeSecret.privateKey.replacingOccurrences(of: "\n", with: "\\n")
        let input =
            #"{"note":"first line\nAuthorization: Bearer 9f8e7d6c5b4a\n\"quoted\"\t\#(FakeSecret.github)\\n","pem":"\#(pem)"}"#
        let result = try #require(try redact(input))
        #expect(result.findings.map(\.rule) == ["bearer_token", "github_token", "private_key"])
        let value = try json(result.text)
        #expect(
            value["note"]?.stringValue
                == "first line\nAuthorization: Bearer [REDACTED:bearer_token]\n\"quoted\"\t[REDACTED:github_token]\\n")
        #expect(
            value["pem"]?.stringValue
                == "-----BEGIN RSA PRIVATE KEY-----\n[REDACTED:private_key]\n-----END RSA PRIVATE KEY-----")
        // Only the secrets changed: the escapes are written as they were.
        #expect(
            result.text.hasPrefix(#"{"note":"first line\nAuthorization: Bearer [REDACTED:bearer_token]\n\"quoted\"\t"#))
    }

    @Test func keepsTheOutputOnOneLineAndLineSafe() throws {
        let input = "{\"password\":\"a\\u2028b\",\"note\":\"x\\n\(FakeSecret.github)\\u2028\\r\"}"
        let result = try #require(try redact(input))
        #expect(!result.text.utf8.contains(0x0A) && !result.text.utf8.contains(0x0D))
        #expect(!result.text.contains("\u{2028}"))
    }

    @Test func survivesDeepNesting() throws {
        let depth = 250
        let input =
            String(repeating: #"{"a":["#, count: depth) + #"{"token":"t0p"}"# + String(repeating: "]}", count: depth)
        let result = try #require(try redact(input))
        #expect(result.findings.count == 1)
        #expect(!result.text.contains("t0p"))
    }

    @Test func listsAHundredFindingsAndCountsTheRest() throws {
        let input = "[" + Array(repeating: #"{"password":"p"}"#, count: 150).joined(separator: ",") + "]"
        let result = try #require(Redactor.standard.redact(json: Array(input.utf8)))
        #expect(result.findings.count == Redactor.findingLimit)
        #expect(result.omitted == 50)
        #expect(!String(decoding: result.bytes, as: UTF8.self).contains(#""p""#))
    }

    @Test func hashesWithAKeySoEqualValuesCorrelate() throws {
        let key = SymmetricKey(data: Array("0123456789abcdef0123456789abcdef".utf8))
        let other = SymmetricKey(data: Array("fedcba9876543210fedcba9876543210".utf8))
        let hashing = Redactor(RedactionSettings(mode: .hmac), marker: .hmac(key))
        let input = #"{"password":"hunter2","again":{"pwd":"hunter2"},"different":{"secret":"hunter3"}}"#
        let first = try #require(try redact(input, with: hashing))
        let value = try json(first.text)
        let hash = try #require(value["password"]?.stringValue)
        #expect(hash.hasPrefix("hmac:") && hash.count == 5 + 22)
        #expect(value["again"]?["pwd"]?.stringValue == hash)
        #expect(value["different"]?["secret"]?.stringValue != hash)
        // The mark is HMAC-SHA256 of the value, first 16 bytes, base64url.
        let expected = HMAC<SHA256>.authenticationCode(for: Array("hunter2".utf8), using: key)
        #expect(hash == "hmac:" + Base64URL.encode(Array(expected.prefix(16))))
        // Another key, another hash: nothing links two logs kept under different keys.
        let elsewhere = try #require(try redact(input, with: Redactor(RedactionSettings(), marker: .hmac(other))))
        #expect(try json(elsewhere.text)["password"]?.stringValue != hash)
        // Value rules hash the secret inside the string.
        let text = try #require(try redact(#"{"note":"id \#(FakeSecret.aws)"}"#, with: hashing))
        #expect(try json(text.text)["note"]?.stringValue?.hasPrefix("id hmac:") == true)
    }

    @Test func addsThePolicysPatterns() throws {
        let settings = RedactionSettings(
            patterns: [RedactionSettings.Pattern(name: "employee_badge", regex: try PolicyRegex("EMP-[0-9]{6}"))])
        let redactor = Redactor(settings)
        let result = try #require(
            try redact(#"{"note":"badges EMP-123456 and EMP-654321, not EMP-12"}"#, with: redactor))
        #expect(
            try json(result.text)["note"]?.stringValue
                == "badges [REDACTED:employee_badge] and [REDACTED:employee_badge], not EMP-12")
        // A long string is matched in overlapping windows: a match across a window boundary is found once.
        let long =
            String(repeating: "x", count: RedactionPattern.window - 5) + "EMP-123456"
            + String(repeating: "y", count: 9000)
        let windowed = try #require(try redact(JSONValue.array([.string(long)]).compactText, with: redactor))
        #expect(windowed.findings.count == 1)
    }

    @Test func doesNothingWhenTurnedOff() throws {
        #expect(Redactor.disabled.redact(json: Array(#"{"password":"hunter2"}"#.utf8)) == nil)
    }

    @Test func redactsTextThatIsOnlyTheStartOfJSON() throws {
        let prefix =
            #"{"jsonrpc":"2.0","method":"tools/call","params":{"arguments":{"password":"hunter2","blob":"\#(FakeSecret.github) and more"#
        let result = try #require(Redactor.standard.redact(text: prefix))
        #expect(!result.text.contains("hunter2"))
        #expect(!result.text.contains(FakeSecret.github))
        #expect(result.findings.map(\.path) == ["/params/arguments/password", "/params/arguments/blob"])
        // Cut inside a sensitive value: everything after its key goes.
        let cut = try #require(Redactor.standard.redact(text: #"{"a":1,"token":"abc"#))
        #expect(cut.text == #"{"a":1,"token":"[REDACTED:key:token]""#)
        // Not JSON at all: the value rules still apply.
        let plain = try #require(Redactor.standard.redact(text: "GET /?key=\(FakeSecret.google) HTTP/1.1"))
        #expect(plain.text == "GET /?key=[REDACTED:google_api_key] HTTP/1.1")
        #expect(plain.findings == [RedactionFinding(path: "", rule: "google_api_key")])
        #expect(Redactor.standard.redact(text: #"{"a":"b","c":[1,2"#) == nil)
    }
}
