import Testing

@testable import FirewallCore

/// The UTF-8 bytes of `text`.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Parses `bytes` with the proxy's strict parser.
func json(_ bytes: [UInt8]) throws -> JSONValue { try JSONParser.parse(bytes) }

/// Parses `text` with the proxy's strict parser.
func json(_ text: String) throws -> JSONValue { try JSONParser.parse(bytes(text)) }

/// Loads a policy from `text`, failing the test with every diagnostic when it does not load.
func loadPolicy(_ text: String, path: String = "policy.yaml") throws -> Policy {
    do {
        return try PolicyLoader.load(text: text, path: path).policy
    } catch {
        Issue.record("policy did not load:\n\(error)")
        throw error
    }
}

/// The diagnostics of a policy that must not load.
func policyDiagnostics(_ text: String, path: String = "policy.yaml") -> [PolicyDiagnostic] {
    do {
        _ = try PolicyLoader.load(text: text, path: path)
        Issue.record("policy loaded although it has errors")
        return []
    } catch {
        return error.diagnostics
    }
}

/// A policy that must fail to load with exactly one error, at a position, with a message (and hint).
struct PolicyProblem: Sendable, CustomTestStringConvertible {
    var yaml: String
    var line: Int
    var column: Int
    var message: String
    var hint: String?

    init(yaml: String, line: Int, column: Int, message: String, hint: String? = nil) {
        self.yaml = yaml
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint
    }

    var testDescription: String { message }

    /// Loads the policy and checks its one error.
    func check(sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let diagnostics = policyDiagnostics(yaml).filter { $0.severity == .error }
        let diagnostic = try #require(diagnostics.first, "no error for:\n\(yaml)", sourceLocation: sourceLocation)
        #expect(diagnostics.count == 1, "\(diagnostics)", sourceLocation: sourceLocation)
        #expect(diagnostic.message.contains(message), "\(diagnostic)", sourceLocation: sourceLocation)
        #expect(
            diagnostic.location == FirewallCore.SourceLocation(file: "policy.yaml", line: line, column: column),
            "\(diagnostic)", sourceLocation: sourceLocation)
        if let hint { #expect(diagnostic.hint == hint, "\(diagnostic)", sourceLocation: sourceLocation) }
    }
}
