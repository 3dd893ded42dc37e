import Testing

@testable import FirewallCore

struct ScenarioFileTests {
    static func read(_ text: String, path: String = "ci/hr.scenarios.yaml") -> ReplayInput {
        ScenarioFile.read(text: text, path: path)
    }

    static func errors(_ text: String) -> [PolicyDiagnostic] {
        read(text).diagnostics.filter { $0.severity == .error }
    }

    @Test func readsEveryFieldOfAScenario() throws {
        let input = Self.read(
            """
            version: 1
            description: HR checks
            policy: ../policies/hr.yaml
            scenarios:
              - name: reading an employee is allowed
                tool: get_employee
                arguments: {employee_id: E-1001, limit: 5, deep: {ok: true}}
                annotations: {readOnlyHint: true, destructiveHint: false}
                environment: ci
                expect: allow
                expect_class: read
              - name: deleting is refused
                tool: delete_employee
                expect: deny
            """)
        #expect(input.diagnostics.isEmpty)
        #expect(input.policyPath == "policies/hr.yaml")
        #expect(input.policyLocation?.line == 3)
        try #require(input.calls.count == 2)
        let first = input.calls[0]
        #expect(first.name == "reading an employee is allowed")
        #expect(first.tool == "get_employee")
        #expect(
            first.arguments
                == .object([
                    .init("employee_id", .string("E-1001")), .init("limit", .number("5")),
                    .init("deep", .object([.init("ok", .bool(true))])),
                ]))
        #expect(first.annotations == ToolAnnotations(readOnlyHint: true, destructiveHint: false))
        #expect(first.environment == "ci")
        #expect(first.expectation == RecordedCall.Expectation(decision: .allow, toolClass: .read))
        #expect(first.location == SourceLocation(file: "ci/hr.scenarios.yaml", line: 5, column: 5))
        #expect(first.locationDescription == "ci/hr.scenarios.yaml:5:5")
        let second = input.calls[1]
        #expect(second.arguments == .object([]))
        #expect(second.annotations == nil && second.environment == nil)
        #expect(second.expectation == RecordedCall.Expectation(decision: .deny))
    }

    @Test(arguments: [
        ("../policies/p.yaml", "examples/ci/s.yaml", "examples/policies/p.yaml"),
        ("../../policies/p.yaml", "examples/ci/s.yaml", "policies/p.yaml"),
        ("p.yaml", "s.yaml", "p.yaml"),
        ("./p.yaml", "ci/s.yaml", "ci/p.yaml"),
        ("../p.yaml", "s.yaml", "../p.yaml"),
        ("/etc/p.yaml", "ci/s.yaml", "/etc/p.yaml"),
        ("../p.yaml", "/work/ci/s.yaml", "/work/p.yaml"),
    ])
    func resolvesThePolicyRelativeToTheScenarioFile(policy: String, file: String, resolved: String) {
        #expect(ScenarioFile.resolve(policy, relativeTo: file) == resolved)
    }

    @Test func reportsUnknownKeysWithTheirLocationAndASuggestion() {
        let errors = Self.errors(
            """
            version: 1
            scenarios:
              - name: a
                tool: t
                expected: deny
              - name: b
                tool: t
                expect: deny
                annotations: {readOnly: true}
            polices: x.yaml
            """)
        #expect(errors.map(\.location.line) == [10, 5, 3, 9])
        #expect(errors[0].hint == "did you mean `policy`?")
        #expect(
            errors[1].description
                == "ci/hr.scenarios.yaml:5:5: error: unknown key `expected` in scenario 1 (did you mean `expect`?)")
        #expect(errors[2].message == "scenario 1 has no `expect`")
        #expect(errors[3].hint == "did you mean `readOnlyHint`?")
    }

    @Test func rejectsYAML11BooleansWhereAWordIsExpected() {
        let errors = Self.errors(
            """
            version: 1
            scenarios:
              - {name: a, tool: t, expect: no}
              - {name: b, tool: t, expect: deny, annotations: {readOnlyHint: yes}}
              - {name: on, tool: t, expect: deny}
            """)
        #expect(errors.count == 3)
        #expect(errors[0].message.contains("which YAML 1.1 reads as a boolean"))
        #expect(errors[0].hint == "did you mean `deny`?")
        #expect(errors[1].message == "annotations.readOnlyHint must be true or false")
        #expect(errors[2].location.line == 5)
    }

    @Test func rejectsWrongValuesWithEveryProblemCollected() {
        let errors = Self.errors(
            """
            version: 2
            scenarios:
              - {name: a, tool: "", expect: permit}
              - {name: b, tool: t, expect: deny, expect_class: secret, arguments: [1, 2]}
              - {name: c, tool: t, expect: deny, environment: ""}
            """)
        #expect(errors.count == 6)
        #expect(errors[0].message == "scenario file version 2 is not supported")
        #expect(errors.contains { $0.message == "tool is empty" })
        #expect(errors.contains { $0.message == "expect `permit` is not one of allow, confirm, deny" })
        #expect(errors.contains { $0.message.hasPrefix("expect_class `secret`") })
        #expect(errors.contains { $0.message == "arguments must be a mapping" })
        #expect(errors.contains { $0.message == "environment is empty" })
    }

    @Test func rejectsAScenarioNameUsedTwice() {
        let input = Self.read(
            """
            version: 1
            scenarios:
              - {name: same, tool: a, expect: allow}
              - {name: same, tool: b, expect: deny}
            """)
        #expect(input.calls.map(\.tool) == ["a"])
        #expect(input.diagnostics.first?.message == "scenario name `same` is used twice")
        #expect(input.diagnostics.first?.hint?.contains("line 3") == true)
    }

    @Test func reportsDuplicateKeysAndSyntaxErrorsWithTheirLocation() {
        let duplicate = Self.errors("version: 1\nscenarios:\n  - {name: a, tool: t, tool: u, expect: deny}\n")
        #expect(duplicate.first?.message.contains("duplicate key `tool`") == true)
        let syntax = Self.errors("version: 1\nscenarios: [\n")
        #expect(syntax.first?.message.hasPrefix("YAML syntax") == true)
        #expect(syntax.first?.location.line ?? 0 >= 2)
    }

    @Test func requiresAVersionAndAListOfScenarios() {
        #expect(Self.errors("scenarios: []\n").map(\.message) == ["the scenario file has no `version`"])
        #expect(Self.errors("version: 1\n").map(\.message) == ["the scenario file has no `scenarios`"])
        #expect(Self.errors("version: 1\nscenarios: {a: 1}\n").map(\.message) == ["scenarios must be a list"])
        #expect(Self.errors("").map(\.message) == ["the scenario file is empty"])
        let empty = Self.read("version: 1\nscenarios: []\n")
        #expect(!empty.hasErrors && empty.diagnostics.first?.message == "the scenario file has no scenarios")
    }
}
