import Testing

@testable import FirewallCore

/// The `approval:` block: parsing, per-rule and per-environment tightening, layering.
struct ApprovalSettingsTests {
    @Test func everySettingIsRead() throws {
        let policy = try loadPolicy(
            """
            version: 1
            approval:
              channels: [web, elicitation]
              race: true
              timeout: 90s
              on_timeout: fail
              unattended: fail
              remember: {for: 10m, arguments: [path, repo.name]}
              command: [/usr/local/bin/ask, --team, sre]
              webhook: {url: "https://chat.example/approve", secret_env: APPROVAL_SECRET}
            """)
        let approval = policy.approval
        #expect(approval.channels == [.web, .elicitation])
        #expect(approval.race)
        #expect(approval.timeout == .seconds(90))
        #expect(approval.onTimeout == .fail)
        #expect(approval.unattended == .fail)
        #expect(approval.remember == .duration(.seconds(600)))
        #expect(approval.rememberArguments == ["path", "repo.name"])
        #expect(approval.command?.argv == ["/usr/local/bin/ask", "--team", "sre"])
        #expect(
            approval.webhook == .init(url: "https://chat.example/approve", secretEnvironmentVariable: "APPROVAL_SECRET")
        )
    }

    @Test func defaultsAskProxyOwnedChannelsFirstAndRememberForTheSession() throws {
        let approval = try loadPolicy("version: 1\n").approval
        #expect(approval.channelOrder == [.command, .webhook, .approver, .web, .elicitation, .terminal])
        #expect(approval.remember == .session)
        #expect(approval.onTimeout == .deny)
        #expect(!approval.race)
    }

    /// Each problem's YAML follows `version: 1`.
    static func problem(_ yaml: String, line: Int, column: Int, message: String) -> PolicyProblem {
        PolicyProblem(yaml: "version: 1\n" + yaml, line: line, column: column, message: message)
    }

    static let problems: [PolicyProblem] = [
        problem("approval:\n  channels: [email]\n", line: 3, column: 14, message: "`email` is not one of"),
        problem("approval:\n  channels: []\n", line: 3, column: 13, message: "channels is empty"),
        problem("approval:\n  channels: [web, web]\n", line: 3, column: 19, message: "lists `web` twice"),
        problem("approval:\n  remember: yes\n", line: 3, column: 13, message: "must be `never`, `session`"),
        problem("approval:\n  remember: {arguments: [a]}\n", line: 3, column: 13, message: "has no `for`"),
        problem("approval:\n  on_timeout: allow\n", line: 3, column: 15, message: "is not one of deny, fail"),
        problem("approval:\n  race: yes\n", line: 3, column: 9, message: "must be true or false"),
        problem("approval:\n  command: ask --team sre\n", line: 3, column: 12, message: "run without a shell"),
        problem("approval:\n  webhook: {url: https://x}\n", line: 3, column: 12, message: "needs `secret_env`"),
        problem(
            "approval:\n  webhook: {url: ftp://x, secret_env: S}\n", line: 3, column: 18,
            message: "not an http or https URL"),
        problem(
            "approval:\n  webhook: {url: https://x, secret_env: hunter2!}\n", line: 3, column: 41,
            message: "must name an environment variable"),
        problem(
            "tools:\n  - name: x\n    decision: confirm\n    approval: {command: [ask]}\n", line: 5, column: 16,
            message: "unknown key `command`"),
    ]

    @Test(arguments: problems)
    func reportsEachProblemAtItsPosition(_ problem: PolicyProblem) throws {
        try problem.check()
    }

    @Test func aRulePicksChannelsButCannotLoosenTheLimits() throws {
        let policy = try loadPolicy(
            """
            version: 1
            approval: {remember: 10m, unattended: fail, channels: [terminal]}
            tools:
              - name: deploy
                decision: confirm
                approval: {channels: [web], timeout: 10s, remember: session, unattended: allow}
            """)
        let decision = policy.evaluate(tool: "deploy", arguments: .object([]), annotations: nil)
        let settings = policy.approval.tightened(by: decision.rule?.approval)
        #expect(settings.channels == [.web])
        #expect(settings.timeout == .seconds(10))
        #expect(settings.remember == .duration(.seconds(600)))
        #expect(settings.unattended == .fail)
    }

    @Test func tightenOnlyEnvironmentsCannotRememberLongerOrSoftenTimeouts() throws {
        let diagnostics = policyDiagnostics(
            """
            version: 1
            approval: {remember: 10m, on_timeout: fail}
            environments:
              dev:
                approval: {unattended: deny, remember: session, on_timeout: deny}
            """)
        let messages = diagnostics.map(\.message)
        #expect(messages.contains { $0.contains("`remember: session`, longer than the policy's `10m`") }, "\(messages)")
        #expect(messages.contains { $0.contains("`on_timeout: deny`, below the policy's `fail`") }, "\(messages)")
        #expect(diagnostics.allSatisfy { $0.location.line == 5 })
    }

    @Test func anEnvironmentPicksItsChannels() throws {
        let policy = try loadPolicy(
            """
            version: 1
            environments:
              ci:
                approval: {unattended: fail, channels: [webhook], timeout: 5m, remember: never}
            """
        ).selecting(environment: "ci")
        #expect(policy.approval.channels == [.webhook])
        #expect(policy.approval.timeout == .seconds(300))
        #expect(policy.approval.remember == .never)
        #expect(policy.approval.unattended == .fail)
    }

    @Test func layersKeepTheStricterOfEverySetting() throws {
        let organisation = ApprovalSettings(
            channels: [.web, .terminal], timeout: .seconds(60), onTimeout: .fail, remember: .duration(.seconds(300)),
            rememberArguments: ["path"])
        let project = ApprovalSettings(
            channels: [.elicitation, .terminal, .web], race: true, timeout: .seconds(120), unattended: .fail,
            remember: .session, command: .init(argv: ["ask"]))
        for merged in [organisation.merging(project), project.merging(organisation)] {
            #expect(Set(merged.channels ?? []) == [.web, .terminal])
            #expect(merged.timeout == .seconds(60))
            #expect(merged.onTimeout == .fail)
            #expect(merged.unattended == .fail)
            #expect(merged.remember == .duration(.seconds(300)))
            #expect(merged.rememberArguments == ["path"])
            #expect(merged.race)
            #expect(merged.command?.argv == ["ask"])
        }
    }
}

/// What every channel shows an approver.
struct ApprovalSummaryTests {
    @Test func aNameMustShowSomething() {
        for visible in ["alice", "鈴木", "o'brien", "٣", "🙂"] {
            #expect(ApprovalSummary.isVisibleName(visible), "\(visible)")
        }
        for invisible in [
            "", " ", "\u{3164}", "\u{115F}\u{1160}", "\u{200B}\u{2060}", "\u{00A0}\u{3000}", "\u{FEFF}", "\u{E000}",
        ] {
            #expect(!ApprovalSummary.isVisibleName(invisible), "\(invisible.unicodeScalars.map(\.value))")
        }
    }

    @Test func nestedValuesAreCutLeafByLeafSoNoneHidesAnother() throws {
        let arguments = try json(
            #"{"message":{"greeting":"\#(String(repeating: "Hello ", count: 80))","recipient":"attacker@evil.example"},"n":1}"#
        )
        let lines = ApprovalSummary.argumentLines(arguments)
        #expect(lines.contains { $0.contains("attacker@evil.example") }, "\(lines)")
        #expect(lines.contains { $0.contains(#""n":1"#) })
    }

    /// A client that shows the elicitation message as one paragraph still sees the arguments apart.
    @Test func theOneMessageSeparatesArgumentsWithCommas() throws {
        let policy = try loadPolicy("version: 1\ndefaults: {write: confirm}")
        let arguments = try json(#"{"employee_id":"E-1002","new_salary":220000,"note":"raise"}"#)
        let request = ApprovalRequest(
            id: "approval-1", tool: "update_salary", arguments: arguments,
            decision: policy.evaluate(tool: "update_salary", arguments: arguments, annotations: nil),
            server: "hr", policySHA256: policy.source.sha256, requestedAt: 0, deadline: 60)
        let message = ApprovalSummary.message(request, now: 0)
        #expect(
            message.contains(
                "arguments:\n{\"employee_id\":\"E-1002\",\n \"new_salary\":220000,\n \"note\":\"raise\"}\n"),
            "\(message)")
    }
}

/// What binds an approval to one call.
struct ApprovalBindingTests {
    @Test func memberOrderDoesNotMatterAnythingElseDoes() throws {
        let digest = { (text: String) throws -> String in
            ApprovalBinding.digest(tool: "t", arguments: try json(text), server: "s", policySHA256: "p")
        }
        #expect(try digest(#"{"a":1,"b":{"y":[1,2],"x":null}}"#) == digest(#"{"b":{"x":null,"y":[1,2]},"a":1}"#))
        #expect(try digest(#"{"a":1}"#) != digest(#"{"a":2}"#))
        #expect(try digest(#"{"a":[1,2]}"#) != digest(#"{"a":[2,1]}"#))
        #expect(try digest(#"{"a":"1"}"#) != digest(#"{"a":1}"#))
        let arguments = try json(#"{"a":1}"#)
        let base = ApprovalBinding.digest(tool: "t", arguments: arguments, server: "s", policySHA256: "p")
        #expect(ApprovalBinding.digest(tool: "u", arguments: arguments, server: "s", policySHA256: "p") != base)
        #expect(ApprovalBinding.digest(tool: "t", arguments: arguments, server: "s2", policySHA256: "p") != base)
        #expect(ApprovalBinding.digest(tool: "t", arguments: arguments, server: "s", policySHA256: "q") != base)
        // Another proxy run: an answer captured in one run never binds a call in the next.
        #expect(
            ApprovalBinding.digest(tool: "t", arguments: arguments, server: "s", policySHA256: "p", run: "r1")
                != ApprovalBinding.digest(tool: "t", arguments: arguments, server: "s", policySHA256: "p", run: "r2"))
        // Length prefixes keep the parts apart: "ab"+"c" is not "a"+"bc".
        #expect(
            ApprovalBinding.digest(tool: "ab", arguments: .null, server: "c", policySHA256: "")
                != ApprovalBinding.digest(tool: "a", arguments: .null, server: "bc", policySHA256: ""))
    }
}

/// The signed `requestState` of the proxy's questions to 2026-07-28 clients.
struct RequestStateTokenTests {
    let key = RequestStateKey()

    func token(expiresAt: Double = 2000) -> RequestStateToken {
        RequestStateToken(
            approvalID: "approval-7", tool: "deploy", binding: "abc", nonce: RequestStateToken.randomNonce(),
            issuedAt: 1000.5, expiresAt: expiresAt, inputKey: ElicitationForm.inputKey)
    }

    @Test func roundTripsWithTheSameKey() throws {
        let original = token()
        let encoded = original.encoded(key: key)
        #expect(encoded.hasPrefix("mcpfw1."))
        #expect(try RequestStateToken.verify(encoded, key: key, binding: "abc", now: 1500).get() == original)
    }

    @Test func refusesAnotherKeyAnExpiryAChangedCallAndGarbage() {
        let encoded = token().encoded(key: key)
        #expect(
            RequestStateToken.verify(encoded, key: RequestStateKey(), binding: "abc", now: 1500) == .failure(.forged))
        #expect(
            RequestStateToken.verify(encoded, key: key, binding: "abc", now: 2001)
                == .failure(.expired(millisecondsAgo: 1000)))
        #expect(RequestStateToken.verify(encoded, key: key, binding: "abd", now: 1500) == .failure(.callChanged))
        for garbage in ["", "mcpfw1.", "mcpfw1..", "mcpfw1.!!!.???", "mcpfw1.e30", String(encoded.dropLast())] {
            let result = RequestStateToken.verify(garbage, key: key, binding: "abc", now: 1500)
            #expect(result == .failure(.malformed) || result == .failure(.forged), "\(garbage)")
        }
    }

    @Test func base64URLRoundTripsEveryLength() {
        for count in 0..<40 {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let text = Base64URL.encode(bytes)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
            #expect(Base64URL.decode(text) == bytes)
        }
        #expect(Base64URL.decode("a") == nil)
        #expect(Base64URL.decode("ab=c") == nil)
    }
}

/// Remembered approvals.
struct GrantTableTests {
    let approver = Approver(kind: .human, channel: "web", identity: "alice")
    let rule = SourceLocation(file: "p.yaml", line: 4, column: 5)

    func grant(
        _ arguments: String, binding: [String], remember: ApprovalSettings.Remember = .session
    ) throws
        -> ApprovalGrant
    {
        ApprovalGrant(
            id: "approval-1", tool: "write", rule: rule, arguments: try json(arguments), binding: binding,
            remember: remember, now: 100, approver: approver)
    }

    @Test func coversTheToolWithBoundArgumentsUntilItExpires() throws {
        var table = GrantTable()
        table.add(try grant(#"{"path":"/a","n":1}"#, binding: ["path"], remember: .duration(.seconds(60))))
        func covered(_ tool: String, _ arguments: String, at now: Double) throws -> Bool {
            table.grant(for: tool, rule: rule, arguments: try json(arguments), now: now)?.id == "approval-1"
        }
        #expect(try covered("write", #"{"path":"/a","n":2}"#, at: 120))
        #expect(try !covered("write", #"{"path":"/b"}"#, at: 120))
        #expect(try !covered("write", #"{}"#, at: 120))
        #expect(try !covered("other", #"{"path":"/a"}"#, at: 120))
        #expect(try !covered("write", #"{"path":"/a"}"#, at: 160))
        #expect(table.nextExpiry == 160)
        #expect(table.expire(now: 159.9).isEmpty)
        #expect(table.expire(now: 160).map(\.id) == ["approval-1"])
        #expect(table.count == 0)
        #expect(table.nextExpiry == nil)
    }

    @Test func coversOnlyCallsTheSameRuleAsksAbout() throws {
        let grant = try grant(#"{"n":1}"#, binding: [])
        #expect(grant.covers(tool: "write", rule: rule, arguments: try json(#"{"n":900000}"#), now: 0))
        let stricter = SourceLocation(file: "p.yaml", line: 9, column: 5)
        #expect(!grant.covers(tool: "write", rule: stricter, arguments: try json(#"{"n":900000}"#), now: 0))
        #expect(!grant.covers(tool: "write", rule: nil, arguments: try json(#"{"n":1}"#), now: 0))
    }

    @Test func anAbsentArgumentBindsToAbsenceNotToNull() throws {
        let grant = try grant("{}", binding: ["force"])
        #expect(grant.covers(tool: "write", rule: rule, arguments: try json(#"{"x":1}"#), now: 1e12))
        #expect(!grant.covers(tool: "write", rule: rule, arguments: try json(#"{"force":true}"#), now: 0))
        #expect(!grant.covers(tool: "write", rule: rule, arguments: try json(#"{"force":null}"#), now: 0))
    }

    @Test func arrayIndexesInBoundPathsSelectElements() throws {
        let grant = try grant(#"{"files":[{"path":"/tmp/a"}]}"#, binding: ["files.0.path"])
        #expect(grant.boundArguments.first?.1 == .string("/tmp/a"))
        #expect(grant.covers(tool: "write", rule: rule, arguments: try json(#"{"files":[{"path":"/tmp/a"}]}"#), now: 0))
        #expect(
            !grant.covers(
                tool: "write", rule: rule, arguments: try json(#"{"files":[{"path":"/etc/shadow"}]}"#), now: 0))
    }

    @Test func namesAndValuesCompareByteForByte() throws {
        // "Café" precomposed (NFC) and decomposed (NFD) are equal Swift strings, but different files.
        let grant = try grant(#"{"path":"/srv/Café"}"#, binding: ["path"])
        #expect(grant.covers(tool: "write", rule: rule, arguments: try json(#"{"path":"/srv/Café"}"#), now: 0))
        #expect(!grant.covers(tool: "write", rule: rule, arguments: try json(#"{"path":"/srv/Café"}"#), now: 0))
        let kelvin = ApprovalGrant(
            id: "g", tool: "Kelvin_reset", rule: rule, boundArguments: [], expiresAt: nil, approver: approver)
        #expect(!kelvin.covers(tool: "\u{212A}elvin_reset", rule: rule, arguments: .object([]), now: 0))
    }

    @Test func isBoundedDroppingTheOldest() {
        var table = GrantTable(capacity: 2)
        for index in 1...3 {
            table.add(
                ApprovalGrant(
                    id: "g\(index)", tool: "t\(index)", boundArguments: [], expiresAt: nil, approver: approver))
        }
        #expect(table.count == 2)
        #expect(table.grant(for: "t1", rule: nil, arguments: .object([]), now: 0) == nil)
        #expect(table.grant(for: "t3", rule: nil, arguments: .object([]), now: 0)?.id == "g3")
    }
}
