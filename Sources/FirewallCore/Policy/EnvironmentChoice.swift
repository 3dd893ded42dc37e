/// Which environment a session runs in, and why: said in the log and recorded in `session_start`, so
/// nobody has to guess whether `$CI` reached the proxy.
package struct EnvironmentChoice: Sendable, Equatable, CustomStringConvertible {
    /// Where the name came from, strongest first.
    package enum Source: String, Sendable, Equatable {
        /// `--env NAME`.
        case flag
        /// `$MCP_FIREWALL_ENV`.
        case variable = "MCP_FIREWALL_ENV"
        /// `$CI` is set and the policy defines `ci`.
        case ci = "CI"
        /// Nothing chose one: `ci` as a label when `$CI` is set, else `dev`.
        case standard = "default"
    }

    package var name: String
    package var source: Source
    /// Whether an `environments:` entry of that name is in force (not just a label).
    package var overlay: Bool

    /// Resolves the environment of `policy`: `flag`, else `variable` (`$MCP_FIREWALL_ENV`), else `ci`
    /// when `$CI` is set and the policy defines it. A name that is asked for and not defined is an error.
    package static func resolve(
        _ policy: Policy, flag: String?, variable: String?, inCI: Bool
    ) throws(PolicyError) -> (policy: Policy, choice: EnvironmentChoice) {
        let variable = variable.flatMap { $0.isEmpty ? nil : $0 }
        let resolved = try policy.resolvingEnvironment(explicit: flag ?? variable, inCI: inCI)
        let source: Source =
            if flag != nil { .flag } else if variable != nil { .variable } else if resolved.environment != nil {
                .ci
            } else { .standard }
        let name = resolved.environment ?? (inCI ? "ci" : "dev")
        return (resolved, EnvironmentChoice(name: name, source: source, overlay: resolved.environment != nil))
    }

    /// "environment `ci` (from $CI; its overlay applies)".
    package var description: String {
        let why: String =
            switch source {
            case .flag: "from --env"
            case .variable: "from $MCP_FIREWALL_ENV"
            case .ci: "from $CI"
            case .standard:
                name == "ci"
                    ? "$CI is set, but the policy defines no `ci` environment"
                    : "nothing chose one: no --env, $MCP_FIREWALL_ENV or $CI"
            }
        let effect = overlay ? "its overlay applies" : "a label only: the base policy applies"
        return "environment `\(name)` (\(why); \(effect))"
    }
}
