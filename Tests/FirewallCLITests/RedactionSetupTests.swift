import FirewallCore
import Testing

@testable import FirewallCLI

/// Where the proxy gets the redaction key a `mode: hmac` policy names, and when it refuses to start.
struct RedactionSetupTests {
    static let key = "0123456789abcdef0123456789abcdef"

    static func settings(_ block: String) throws -> RedactionSettings {
        try PolicyLoader.load(text: "version: 1\naudit:\n  redaction: \(block)\n", path: "/etc/p.yaml").policy.audit
            .redaction
    }

    /// The marker the redactor writes for `{"password":"hunter2"}`.
    static func marker(_ redactor: Redactor) -> String? {
        guard let result = redactor.redact(json: Array(#"{"password":"hunter2"}"#.utf8)),
            let value = try? JSONParser.parse(result.bytes)
        else { return nil }
        return value["password"]?.stringValue
    }

    @Test func masksWithoutAKey() throws {
        let redactor = try RedactionSetup.redactor(try Self.settings("{}"), environment: [:])
        #expect(Self.marker(redactor) == "[REDACTED:key:password]")
    }

    @Test func hashesWithTheKeyFromTheEnvironmentAndWithholdsItFromTheServer() throws {
        let settings = try Self.settings("{mode: hmac, hmac_key_env: REDACTION_KEY}")
        let redactor = try RedactionSetup.redactor(settings, environment: ["REDACTION_KEY": Self.key])
        #expect(Self.marker(redactor)?.hasPrefix("hmac:") == true)
        #expect(RedactionSetup.withheldEnvironment(settings) == ["REDACTION_KEY"])
    }

    @Test func readsTheKeyFileWithoutItsTrailingNewline() throws {
        let settings = try Self.settings("{mode: hmac, hmac_key_file: redaction.key}")
        #expect(settings.keySource == .file("/etc/redaction.key"))
        let fromFile = try RedactionSetup.redactor(settings, environment: [:]) { path in
            path == "/etc/redaction.key" ? (Array((Self.key + "\n").utf8), 0o600) : nil
        }
        let fromEnvironment = try RedactionSetup.redactor(
            try Self.settings("{mode: hmac, hmac_key_env: K}"), environment: ["K": Self.key])
        #expect(Self.marker(fromFile) == Self.marker(fromEnvironment))
    }

    @Test func refusesAMissingShortOrExposedKey() throws {
        let environment = try Self.settings("{mode: hmac, hmac_key_env: REDACTION_KEY}")
        #expect(throws: RedactionSetup.Failure.self) { try RedactionSetup.redactor(environment, environment: [:]) }
        #expect(throws: RedactionSetup.Failure.self) {
            try RedactionSetup.redactor(environment, environment: ["REDACTION_KEY": "short"])
        }
        let file = try Self.settings("{mode: hmac, hmac_key_file: /k}")
        #expect(throws: RedactionSetup.Failure.self) {
            try RedactionSetup.redactor(file, environment: [:]) { _ in (Array(Self.key.utf8), 0o640) }
        }
        #expect(throws: RedactionSetup.Failure.self) {
            try RedactionSetup.redactor(file, environment: [:]) { _ in nil }
        }
    }
}
