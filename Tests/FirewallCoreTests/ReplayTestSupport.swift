import Foundation
import Testing

@testable import FirewallCore

/// Files and builders shared by the replay tests.
enum ReplayFixtures {
    /// This test target's folder.
    static let testsFolder: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast()
        return parts.joined(separator: "/")
    }()

    /// The repository root, for shipped files.
    static let repositoryRoot: String = {
        var parts = testsFolder.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(2)
        return parts.joined(separator: "/")
    }()

    /// The bytes of `Fixtures/name` in this test target.
    static func fixture(_ name: String) throws -> [UInt8] {
        try contents(testsFolder + "/Fixtures/" + name)
    }

    /// The bytes of a file, failing the test when it cannot be read.
    static func contents(_ path: String) throws -> [UInt8] {
        Array(try #require(FileManager.default.contents(atPath: path), "cannot read \(path)"))
    }

    /// A scenario call for `tool` expecting `decision`.
    static func scenario(
        _ name: String, tool: String, arguments: JSONValue = .object([]), annotations: ToolAnnotations? = nil,
        environment: String? = nil, expect decision: Decision, expectClass: ToolClass? = nil, line: Int = 1
    ) -> RecordedCall {
        RecordedCall(
            origin: .scenario(name: name), location: SourceLocation(file: "s.yaml", line: line, column: 5),
            tool: tool, arguments: arguments, annotations: annotations, environment: environment,
            expectation: RecordedCall.Expectation(decision: decision, toolClass: expectClass))
    }

    /// A call from our audit log that recorded `decision`.
    static func logged(
        _ tool: String, arguments: JSONValue = .object([]), environment: String? = nil, recorded decision: Decision,
        call: Int = 1
    ) -> RecordedCall {
        RecordedCall(
            origin: .auditLog(session: "0123456789abcdef", call: call),
            location: SourceLocation(file: "audit.jsonl", line: call * 4, column: 1), tool: tool,
            arguments: arguments, environment: environment,
            recorded: RecordedCall.Recorded(policyDecision: decision))
    }

    /// The HR example policy used across the replay tests (rule lines noted in the tests).
    static let hrPolicy = """
        version: 1
        tools:
          - name: [get_employee, list_employees]
            class: read
          - name: update_salary
            class: write
            reason: Salary changes need a person
          - name: update_salary
            decision: deny
            when:
              new_salary: {gt: 500000}
            reason: Too large
          - name: delete_employee
            class: sensitive
            reason: Never delete
        """
}
