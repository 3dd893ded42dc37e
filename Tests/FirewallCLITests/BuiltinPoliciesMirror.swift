@testable import FirewallCLI

/// Re-exports the built-in policy texts for the comparison test.
enum BuiltinPoliciesMirror {
    static var defaultPolicy: String { BuiltinPolicies.defaultPolicy }
    static var hrExample: String { BuiltinPolicies.hrExample }
}
