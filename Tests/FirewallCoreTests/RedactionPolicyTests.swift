import Testing

@testable import FirewallCore

/// The policy's `audit.redaction:` block: read strictly, every name checked, layered so that no layer
/// can loosen another.
struct RedactionPolicyTests {
    @Test func redactsWithTheBuiltInsWhenThePolicySaysNothing() throws {
        let settings = try loadPolicy("version: 1\n").audit.redaction
        #expect(settings.enabled && settings.mode == .mask && settings.keySource == nil)
        #expect(settings.keys.isEmpty && settings.patterns.isEmpty && settings.disabled.isEmpty)
    }

    @Test func readsEverySetting() throws {
        let settings = try loadPolicy(
            """
            version: 1
            audit:
              redaction:
                enabled: true
                mode: hmac
                hmac_key_env: MCP_FIREWALL_REDACTION_KEY
                keys: [ssn, "x-internal-*"]
                patterns:
                  - name: employee_badge
                    regex: "EMP-[0-9]{6}"
                disable: [jwt, "key:cookie"]
            """
        ).audit.redaction
        #expect(settings.mode == .hmac)
        #expect(settings.keySource == .environment("MCP_FIREWALL_REDACTION_KEY"))
        #expect(settings.keys == ["ssn", "x-internal-*"])
        #expect(settings.patterns.map(\.name) == ["employee_badge"])
        #expect(settings.patterns.first?.regex.matches("badge EMP-123456") == true)
        #expect(settings.disabled == ["jwt", "key:cookie"])
    }

    @Test func resolvesAKeyFileAgainstThePolicysFolder() throws {
        let policy = try loadPolicy(
            "version: 1\naudit: {redaction: {mode: hmac, hmac_key_file: keys/redaction.key}}\n",
            path: "/etc/mcp-firewall/policy.yaml")
        #expect(policy.audit.redaction.keySource == .file("/etc/mcp-firewall/keys/redaction.key"))
    }

    @Test func warnsWhenRedactionIsTurnedOff() throws {
        let (policy, warnings) = try PolicyLoader.load(
            text: "version: 1\naudit:\n  redaction:\n    enabled: false\n", path: "policy.yaml")
        #expect(!policy.audit.redaction.enabled)
        #expect(warnings.map(\.message).contains { $0.hasPrefix("audit redaction is off") })
        #expect(warnings.first?.location == FirewallCore.SourceLocation(file: "policy.yaml", line: 4, column: 14))
    }

    @Test func warnsAboutKeysTheBuiltInsAlreadyCover() throws {
        let (_, warnings) = try PolicyLoader.load(
            text: "version: 1\naudit: {redaction: {keys: [db_password, ssn]}}\n", path: "policy.yaml")
        #expect(
            warnings.map(\.message) == [
                "audit.redaction.keys: `db_password` is already redacted by the built-in rule `key:password`"
            ])
    }

    static let problems: [PolicyProblem] = [
        PolicyProblem(
            yaml: "version: 1\naudit:\n  redact: {}\n", line: 3, column: 3,
            message: "unknown key `redact` in audit", hint: "did you mean `redaction`?"),
        PolicyProblem(
            yaml: "version: 1\naudit:\n  redaction:\n    mdoe: mask\n", line: 4, column: 5,
            message: "unknown key `mdoe` in audit.redaction", hint: "did you mean `mode`?"),
        PolicyProblem(
            yaml: "version: 1\naudit:\n  redaction:\n    mode: hash\n", line: 4, column: 11,
            message: "audit.redaction.mode `hash` is not one of mask, hmac"),
        PolicyProblem(
            yaml: "version: 1\naudit:\n  redaction:\n    mode: hmac\n", line: 4, column: 11,
            message: "audit.redaction.mode is `hmac`, but no key is named"),
        PolicyProblem(
            yaml: "version: 1\naudit:\n  redaction:\n    mode: hmac\n    hmac_key_env: A\n    hmac_key_file: k\n",
            line: 6, column: 5, message: "audit.redaction names two HMAC keys"),
        PolicyProblem(
            yaml: "version: 1\naudit:\n  redaction:\n    hmac_key_env: \"my key\"\n", line: 4, column: 19,
            message: "audit.redaction.hmac_key_env must name an environment variable"),
        PolicyProblem(
            yaml: "version: 1\naudit:\n  redaction:\n    enabled: no\n", line: 4, column: 14,
            message: "audit.redaction.enabled must be true or false"),
        PolicyProblem(
            yaml: "version: 1\naudit:\n  redaction:\n    disable: [jwtt]\n", line: 4, column: 15,
            message: "`jwtt` is not a built-in redaction rule", hint: "did you mean `jwt`?"),
        PolicyProblem(
            yaml: "version: 1\naudit:\n  redaction:\n    disable: [password]\n", line: 4, column: 15,
            message: "`password` is not a built-in redaction rule", hint: "did you mean `key:password`?"),
        PolicyProblem(
            yaml: "version: 1\naudit:\n  redaction:\n    disable: [jwt, jwt]\n", line: 4, column: 20,
            message: "audit.redaction.disable lists `jwt` twice"),
        PolicyProblem(
            yaml: "version: 1\naudit:\n  redaction:\n    keys: [\"--\"]\n", line: 4, column: 12,
            message: "`--` names no key segment"),
        PolicyProblem(
            yaml: "version: 1\naudit:\n  redaction:\n    keys: [\"x-[ab\"]\n", line: 4, column: 12,
            message: "unclosed `[`"),
        PolicyProblem(
            yaml:
                "version: 1\naudit:\n  redaction:\n    patterns:\n      - name: badge\n        regex: \"(unclosed\"\n",
            line: 6, column: 16, message: "invalid regular expression `(unclosed`"),
        PolicyProblem(
            yaml: "version: 1\naudit:\n  redaction:\n    patterns:\n      - name: any\n        regex: \"x*\"\n",
            line: 6, column: 16, message: "matches the empty string"),
        PolicyProblem(
            yaml: "version: 1\naudit:\n  redaction:\n    patterns:\n      - name: jwt\n        regex: \"x+\"\n",
            line: 5, column: 15, message: "`jwt` is the name of a built-in rule"),
        PolicyProblem(
            yaml: "version: 1\naudit:\n  redaction:\n    patterns:\n      - regex: \"x+\"\n", line: 5, column: 9,
            message: "needs `name`"),
        PolicyProblem(
            yaml: "version: 1\naudit:\n  redaction:\n    patterns:\n      - {name: a, regex: x, flags: i}\n", line: 5,
            column: 29, message: "unknown key `flags`"),
        PolicyProblem(
            yaml: "version: 1\naudit:\n  redaction:\n    patterns: {name: a}\n", line: 4, column: 15,
            message: "audit.redaction.patterns must be a list"),
        PolicyProblem(
            yaml:
                "version: 1\nenvironments:\n  prod:\n    approval: {unattended: deny}\n    audit: {redaction: {enabled: false}}\n",
            line: 5, column: 5, message: "`audit` cannot be set per environment"),
    ]

    @Test(arguments: problems)
    func reportsEachProblemWhereItIs(_ problem: PolicyProblem) throws {
        try problem.check()
    }

    @Test func collectsEveryProblemOfTheBlockAtOnce() {
        let diagnostics = policyDiagnostics(
            """
            version: 1
            audit:
              redaction:
                mode: hmac
                disable: [jwtt, "key:pasword"]
                patterns:
                  - {name: a, regex: "("}
            """
        ).filter { $0.severity == .error }
        #expect(diagnostics.count == 4, "\(diagnostics)")
    }

    /// Layers: on unless every layer turns it off; a built-in rule off only when every layer turns it
    /// off; keys and patterns united; two stated modes that differ give the mask.
    @Test func layersCannotLoosenEachOther() throws {
        let files = [
            "base.yaml": "version: 1\naudit: {redaction: {keys: [ssn], disable: [jwt, stripe_key]}}\n",
            "off.yaml": "version: 1\naudit: {redaction: {enabled: false, disable: [jwt]}}\n",
            "plain.yaml": "version: 1\n",
            "hmac.yaml": "version: 1\naudit: {redaction: {mode: hmac, hmac_key_env: K, keys: [badge]}}\n",
            "mask.yaml": "version: 1\naudit: {redaction: {mode: mask}}\n",
        ]
        func load(_ paths: [String]) throws -> RedactionSettings {
            try PolicyLoader.load(paths: paths) { files[$0] }.policy.audit.redaction
        }
        let both = try load(["base.yaml", "off.yaml"])
        #expect(both.enabled)
        #expect(both.disabled == ["jwt"])
        #expect(both.keys == ["ssn"])
        #expect(try load(["off.yaml", "plain.yaml"]).enabled)
        #expect(try load(["plain.yaml", "base.yaml"]).disabled.isEmpty)
        let hashed = try load(["base.yaml", "hmac.yaml"])
        #expect(hashed.mode == .hmac && hashed.keySource == .environment("K"))
        #expect(hashed.keys == ["ssn", "badge"])
        let disagreeing = try load(["hmac.yaml", "mask.yaml"])
        #expect(disagreeing.mode == .mask)
    }
}
