import Testing

@testable import FirewallCore

struct AuditSinkSettingsTests {
    @Test func flagsNameStderrOrAnHTTPSCollector() throws {
        #expect(try AuditSinkSettings(spec: "stderr").target == .stderr(.text))
        let https = try AuditSinkSettings(spec: "https://Logs.Example.com:8443/ingest")
        #expect(https.target == .http(.init(url: "https://Logs.Example.com:8443/ingest")))
        #expect(https.name.hasPrefix("logs.example.com-"))
        #expect(https.name == AuditSinkSettings.defaultName(for: https.target), "the same URL finds the same cursor")
        #expect(https.resumes)
        #expect(try AuditSinkSettings(spec: "http://127.0.0.1:9000/x").name.hasPrefix("127.0.0.1-"))
        #expect(try AuditSinkSettings(spec: "http://[::1]:9000/x").target != .stderr(.text))
    }

    @Test(arguments: [
        ("http://logs.example.com/ingest", "plain http to another machine"),
        ("otlp+http://127.0.0.1:4318", "not supported yet"),
        ("syslog+tcp://siem:514", "not supported yet"),
        ("ftp://x/y", "unknown scheme"),
        ("https://user:pw@x/y", "is not a URL"),
        ("collector", "is not a URL"),
    ])
    func flagsTheProxyWillNotSendTo(spec: String, problem: String) {
        #expect {
            try AuditSinkSettings(spec: spec)
        } throws: { error in
            (error as? AuditSinkError)?.message.contains(problem) == true
        }
    }

    @Test func layersKeepEverySinkAndTheStricterFailureSetting() {
        let a = AuditSinkSettings(name: "siem", target: .stderr(.json))
        let b = AuditSinkSettings(name: "siem", target: .stderr(.text), onFailure: .deny)
        let c = AuditSinkSettings(name: "other", target: .stderr(.text))
        let merged = AuditSinkSettings.merging([a], [b, c])
        #expect(merged.map(\.name) == ["siem", "other"])
        #expect(merged[0].onFailure == .deny)
        #expect(merged[0].target == .stderr(.json))
    }
}

struct PolicyAuditSinksTests {
    private func load(_ yaml: String) throws -> Policy {
        try PolicyLoader.load(text: "version: 1\n" + yaml, path: "p.yaml").policy
    }

    private func errors(_ yaml: String) -> [String] {
        do {
            _ = try PolicyLoader.load(text: "version: 1\n" + yaml, path: "p.yaml")
            return []
        } catch {
            return error.diagnostics.filter { $0.severity == .error }.map(\.description)
        }
    }

    @Test func sinksAreReadWithEverySetting() throws {
        let policy = try load(
            """
            audit:
              sinks:
                - stderr: json
                - url: https://collector.example.com/ingest
                  name: siem
                  format: lokryn
                  secret_env: SIEM_KEY
                  headers: {X-Tenant: acme, Authorization: {env: SIEM_TOKEN}}
                  on_sink_failure: deny
                  timeout: 5s
                  batch: {records: 50, bytes: 65536}
            """)
        #expect(policy.auditSinks.count == 2)
        #expect(policy.auditSinks[0].target == .stderr(.json))
        let siem = policy.auditSinks[1]
        #expect(siem.name == "siem")
        #expect(siem.onFailure == .deny)
        #expect(siem.batchRecords == 50 && siem.batchBytes == 65536)
        #expect(siem.location?.line == 5)
        #expect(
            siem.target
                == .http(
                    .init(
                        url: "https://collector.example.com/ingest", format: .lokryn,
                        secretEnvironmentVariable: "SIEM_KEY",
                        headers: [
                            .init(name: "X-Tenant", value: .literal("acme")),
                            .init(name: "Authorization", value: .environment("SIEM_TOKEN")),
                        ], timeout: .seconds(5))))
    }

    @Test func mistakesAreErrorsWithTheirPlace() {
        #expect(
            errors("audit:\n  sinks:\n    - url: https://x/y\n      on_failure: deny\n").first?.hasPrefix(
                "p.yaml:5:7: error: unknown key `on_failure`") == true)
        #expect(errors("audit:\n  sink: []\n").first?.contains("unknown key `sink` in audit") == true)
        #expect(errors("audit:\n  sinks:\n    - url: http://logs.example.com/\n").first?.contains("plain http") == true)
        #expect(
            errors("audit:\n  sinks:\n    - {stderr: text, url: https://x/}\n").first?.contains("exactly one of")
                == true)
        #expect(
            errors("audit:\n  sinks:\n    - url: https://x/\n      headers: {Authorization: Bearer abc}\n").first?
                .contains(
                    "looks like a secret") == true)
        #expect(
            errors("audit:\n  sinks:\n    - url: https://x/\n    - url: https://x/\n").first?.contains(
                "two audit sinks")
                == true)
        #expect(
            errors("audit:\n  sinks:\n    - url: https://x/\n      headers: {Idempotency-Key: a}\n").first?.contains(
                "cannot set") == true)
    }
}
