import Testing

@testable import FirewallCore

/// `environments:` overlays: selection, tighten-only checks, unattended settings.
struct PolicyEnvironmentTests {
    static let policyText = """
        version: 1
        defaults: {read: allow, write: confirm, sensitive: deny}
        approval: {timeout: 60s, unattended: deny}
        tools:
          - name: get_*
            class: read
          - name: update_salary
            class: write
          - name: export_payroll
            class: sensitive
        environments:
          dev:
            tighten_only: false
            defaults: {write: allow}
            approval: {unattended: allow}
          ci:
            approval: {unattended: fail}
          prod:
            defaults: {write: deny}
            approval: {unattended: deny}
            tools:
              - name: get_personnel_file
                decision: confirm
                reason: Personnel files are read only with a person watching
        """

    struct Case: Sendable, CustomTestStringConvertible {
        var environment: String?
        var tool: String
        var expected: Decision
        var testDescription: String { "\(environment ?? "base"): \(tool) → \(expected.rawValue)" }
    }

    static let matrix: [Case] = [
        Case(environment: nil, tool: "get_employee", expected: .allow),
        Case(environment: nil, tool: "update_salary", expected: .confirm),
        Case(environment: nil, tool: "export_payroll", expected: .deny),
        Case(environment: "dev", tool: "update_salary", expected: .allow),
        Case(environment: "dev", tool: "export_payroll", expected: .deny),
        Case(environment: "ci", tool: "update_salary", expected: .confirm),
        Case(environment: "ci", tool: "get_personnel_file", expected: .allow),
        Case(environment: "prod", tool: "update_salary", expected: .deny),
        Case(environment: "prod", tool: "get_personnel_file", expected: .confirm),
        Case(environment: "prod", tool: "get_employee", expected: .allow),
        Case(environment: "prod", tool: "unlisted_tool", expected: .deny),
    ]

    @Test(arguments: matrix)
    func decidesPerEnvironment(_ testCase: Case) throws {
        var policy = try loadPolicy(Self.policyText)
        if let environment = testCase.environment { policy = try policy.selecting(environment: environment) }
        let decision = policy.evaluate(tool: testCase.tool, arguments: .object([]), annotations: nil)
        #expect(decision.decision == testCase.expected)
    }

    @Test func environmentsSetWhatConfirmDoesUnattended() throws {
        let policy = try loadPolicy(Self.policyText)
        #expect(policy.approval.unattended == .deny)
        #expect(try policy.selecting(environment: "ci").approval.unattended == .fail)
        #expect(try policy.selecting(environment: "dev").approval.unattended == .allow)
        #expect(try policy.selecting(environment: "prod").environment == "prod")
    }

    @Test func ciIsSelectedInCIOnlyWhenDefinedAndAnExplicitNameWins() throws {
        let policy = try loadPolicy(Self.policyText)
        #expect(try policy.resolvingEnvironment(explicit: nil, inCI: true).environment == "ci")
        #expect(try policy.resolvingEnvironment(explicit: nil, inCI: false).environment == nil)
        #expect(try policy.resolvingEnvironment(explicit: "prod", inCI: true).environment == "prod")
        let plain = try loadPolicy("version: 1\n")
        #expect(try plain.resolvingEnvironment(explicit: nil, inCI: true).environment == nil)
    }

    @Test func aNameAskedForMustBeDefinedEvenWhenThePolicyHasNoEnvironments() throws {
        let plain = try loadPolicy("version: 1\n")
        #expect {
            _ = try plain.resolvingEnvironment(explicit: "desktop", inCI: false)
        } throws: { error in
            let diagnostic = (error as? PolicyError)?.diagnostics.first
            return diagnostic?.message == "environment `desktop` is not defined in the policy"
                && diagnostic?.hint?.hasPrefix("this policy defines no environments: add `environments: {desktop: {}}`")
                    == true
        }
    }

    @Test(arguments: [
        // flag, MCP_FIREWALL_ENV, $CI → name, source, overlay, what the log says
        (String?.none, String?.none, false, "dev", EnvironmentChoice.Source.standard, false, "nothing chose one"),
        (nil, nil, true, "ci", .ci, true, "from $CI; its overlay applies"),
        (nil, "", true, "ci", .ci, true, "from $CI"),
        (nil, "prod", true, "prod", .variable, true, "from $MCP_FIREWALL_ENV"),
        ("dev", "prod", true, "dev", .flag, true, "from --env"),
    ])
    func theEnvironmentComesWithItsReason(
        flag: String?, variable: String?, inCI: Bool, name: String, source: EnvironmentChoice.Source, overlay: Bool,
        said: String
    ) throws {
        let (policy, choice) = try EnvironmentChoice.resolve(
            try loadPolicy(Self.policyText), flag: flag, variable: variable, inCI: inCI)
        #expect(choice == EnvironmentChoice(name: name, source: source, overlay: overlay))
        #expect(policy.environment == (overlay ? name : nil))
        #expect(choice.description.contains(said), "\(choice)")
    }

    @Test func ciWithoutACiEnvironmentIsALabelAndSaysWhy() throws {
        let (_, choice) = try EnvironmentChoice.resolve(
            try loadPolicy("version: 1\n"), flag: nil, variable: nil, inCI: true)
        #expect(choice == EnvironmentChoice(name: "ci", source: .standard, overlay: false))
        #expect(
            choice.description
                == "environment `ci` ($CI is set, but the policy defines no `ci` environment; a label only: the base policy applies)"
        )
    }

    @Test func anUndefinedEnvironmentIsAnErrorNamingTheDefinedOnes() throws {
        let policy = try loadPolicy(Self.policyText)
        #expect {
            _ = try policy.selecting(environment: "staging")
        } throws: { error in
            (error as? PolicyError)?.diagnostics.first?.hint == "defined: ci, dev, prod"
        }
    }

    @Test func tightenOnlyOverlaysCannotLoosenDefaultsRulesOrUnattended() {
        let diagnostics = policyDiagnostics(
            """
            version: 1
            defaults: {write: confirm, sensitive: deny}
            tools:
              - name: export_payroll
                class: sensitive
            environments:
              ci:
                defaults: {write: allow}
                approval: {unattended: allow}
                tools:
                  - name: export_payroll
                    decision: confirm
            """)
        let messages = diagnostics.map(\.description)
        #expect(
            messages.contains {
                $0.hasPrefix(
                    "policy.yaml:8:23: error: tighten-only environment `ci` turns the write default from confirm into allow"
                )
            })
        #expect(
            messages.contains {
                $0.hasPrefix("policy.yaml:9:28: error: tighten-only environment `ci` sets `unattended: allow`")
            })
        #expect(
            messages.contains {
                $0.contains("would turn `export_payroll` from deny into confirm") && $0.hasPrefix("policy.yaml:11:")
            })
        #expect(diagnostics.allSatisfy { $0.hint?.contains("tighten_only: false") == true })
    }

    @Test func everyEnvironmentMustStateItsUnattendedDecision() {
        let diagnostics = policyDiagnostics("version: 1\nenvironments:\n  ci:\n    defaults: {write: deny}\n")
        #expect(
            diagnostics.map(\.description) == [
                "policy.yaml:3:3: error: environment `ci` does not say what `confirm` does when nobody can answer (add `approval: {unattended: deny}` (or allow, or fail))"
            ])
    }

    @Test func aTightenOnlyOverlayIsClampedAtRunTimeToo() throws {
        var policy = try loadPolicy("version: 1\ndefaults: {write: deny}\n")
        policy.environments["sneaky"] = Policy.Environment(
            name: "sneaky", defaults: [.write: .allow], unattended: .deny,
            location: SourceLocation(file: "x", line: 1, column: 1))
        let resolved = try policy.selecting(environment: "sneaky")
        #expect(resolved.evaluate(tool: "anything", arguments: .object([]), annotations: nil).decision == .deny)
        #expect(resolved.deniesUnconditionally(tool: "anything", annotations: nil))
    }
}

/// Several files and `extends:`: no layer can loosen another, and every rule names its own file.
struct PolicyLayeringTests {
    static let files: [String: String] = [
        "/org/base.yaml": """
        version: 1
        defaults: {write: deny}
        approval: {unattended: deny}
        tools:
          - name: delete_*
            decision: deny
            reason: Deletions are never automated
        """,
        "/project/policy.yaml": """
        version: 1
        extends: ../org/base.yaml
        defaults: {write: allow, read: allow}
        tools:
          - name: delete_branch
            decision: allow
          - name: create_issue
            class: write
        """,
        "/org/strict.yaml": """
        version: 1
        unlisted: {decision: deny}
        approval: {unattended: deny}
        tools:
          - name: export_payroll
            class: sensitive
          - name: update_salary
            class: write
        """,
        "/project/loose.yaml": """
        version: 1
        tools:
          - name: [export_payroll, update_salary]
            decision: allow
          - name: "*"
            class: read
        environments:
          ci:
            tighten_only: false
            defaults: {write: allow, sensitive: allow}
            approval: {unattended: allow}
        """,
        "/loop/a.yaml": "version: 1\nextends: b.yaml\n",
        "/loop/b.yaml": "version: 1\nextends: a.yaml\n",
    ]

    func load(_ paths: [String]) throws(PolicyError) -> Policy {
        try PolicyLoader.load(paths: paths) { Self.files[$0] }.policy
    }

    @Test func extendedBaseComesFirstAndItsDenyStillWins() throws {
        let policy = try load(["/project/policy.yaml"])
        #expect(policy.layers.map(\.path) == ["/org/base.yaml", "/project/policy.yaml"])
        let delete = policy.evaluate(tool: "delete_branch", arguments: .object([]), annotations: nil)
        #expect(delete.decision == .deny)
        #expect(delete.rule?.location.file == "/org/base.yaml")
        let create = policy.evaluate(tool: "create_issue", arguments: .object([]), annotations: nil)
        #expect(create.decision == .deny, "the stricter write default of the base stands")
        #expect(create.rule?.location.file == "/project/policy.yaml")
    }

    @Test func layerOrderDoesNotChangeDecisions() throws {
        let forward = try load(["/org/base.yaml", "/project/policy.yaml"])
        let backward = try load(["/project/policy.yaml", "/org/base.yaml"])
        for tool in ["delete_branch", "create_issue", "read_file"] {
            #expect(
                forward.evaluate(tool: tool, arguments: .object([]), annotations: nil).decision
                    == backward.evaluate(tool: tool, arguments: .object([]), annotations: nil).decision)
        }
    }

    @Test func aLaterLayerCannotLoosenAnEarlierOneByRulesUnlistedOrAnEnvironment() throws {
        let policy = try load(["/org/strict.yaml", "/project/loose.yaml"])
        for environment in [nil, "ci"] as [String?] {
            let resolved = try environment.map { try policy.selecting(environment: $0) } ?? policy
            func decide(_ tool: String) -> Decision {
                resolved.evaluate(tool: tool, arguments: .object([]), annotations: nil).decision
            }
            #expect(decide("export_payroll") == .deny, "the org's sensitive default stands")
            #expect(decide("update_salary") == .confirm, "the org's write default stands")
            #expect(decide("delete_employee") == .deny, "the org's unlisted deny stands")
            #expect(resolved.deniesUnconditionally(tool: "delete_employee", annotations: nil))
            #expect(resolved.approval.unattended == .deny, "the org's unattended: deny stands")
        }
    }

    @Test func cyclesAndMissingFilesAreErrorsAtTheExtendsLine() {
        #expect {
            _ = try load(["/loop/a.yaml"])
        } throws: { error in
            (error as? PolicyError)?.diagnostics.contains { $0.message.contains("`extends` makes a cycle") } == true
        }
        #expect {
            _ = try load(["/missing.yaml"])
        } throws: { error in
            (error as? PolicyError)?.diagnostics.first?.message == "cannot read the policy file `/missing.yaml`"
        }
    }
}
