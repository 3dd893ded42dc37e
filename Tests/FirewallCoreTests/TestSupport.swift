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
