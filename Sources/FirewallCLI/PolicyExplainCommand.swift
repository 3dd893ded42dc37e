import ArgumentParser
import FirewallCore
import Foundation

/// `mcp-firewall policy explain`: how the policy decides one call, and why.
struct PolicyExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show how a policy decides one tools/call: class, decision, every matching rule and why.",
        discussion: """
            The verdict is computed by the same code the proxy runs. Every rule whose name matches is \
            listed with file:line:col and what each of its `when:` conditions did.

            Exit codes: 0 explained, 1 the policy has errors or --args/--annotations is not valid JSON, \
            64 usage error.
            """
    )

    /// Output formats.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Option(
        help: ArgumentHelp(
            "Policy file (YAML); repeat to layer files as the proxy does.",
            discussion: "Default: the built-in default policy."))
    var policy: [String] = []

    @Option(
        help: """
            Environment whose overlay applies. Default, as for the proxy: $MCP_FIREWALL_ENV, else `ci` when $CI \
            is set and the policy defines `ci`.
            """)
    var env: String?

    @Option(help: "The tool name.")
    var tool: String

    @Option(help: "The call's arguments, a JSON object.")
    var args: String = "{}"

    @Option(
        help: """
            The tool's annotations from tools/list, a JSON object such as {"readOnlyHint":true}. \
            Default: none, as for a tool the server has not listed.
            """)
    var annotations: String?

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    func validate() throws {
        guard !tool.isEmpty else { throw ValidationError("--tool needs a tool name") }
    }

    func run() async throws {
        let arguments = try Self.parseObject(args, option: "--args")
        let toolAnnotations = try annotations.map { ToolAnnotations(try Self.parseObject($0, option: "--annotations")) }
        let loaded: Policy
        do {
            let (policy, warnings, _) = try PolicyFiles.load(
                paths: policy, environment: env, processEnvironment: ProcessInfo.processInfo.environment)
            PolicyFiles.report(warnings)
            loaded = policy
        } catch {
            PolicyFiles.report(error.diagnostics)
            StandardError.write("mcp-firewall: the policy has errors")
            throw ExitCode(ExitCodes.policyOrAudit)
        }
        let explanation = PolicyExplanation(
            policy: loaded, tool: tool, arguments: arguments, annotations: toolAnnotations)
        let output = format == .json ? explanation.renderJSON() : explanation.renderText()
        FileHandle.standardOutput.write(Data(output.utf8))
    }

    /// Parses a JSON object given on the command line; anything else exits 1 with the reason.
    static func parseObject(_ text: String, option: String) throws -> JSONValue {
        let value: JSONValue
        do {
            value = try JSONParser.parse(Array(text.utf8))
        } catch {
            StandardError.write("mcp-firewall: \(option) is not valid JSON: \(error)")
            throw ExitCode(ExitCodes.policyOrAudit)
        }
        guard case .object = value else {
            StandardError.write("mcp-firewall: \(option) must be a JSON object, found \(value.typeDescription)")
            throw ExitCode(ExitCodes.policyOrAudit)
        }
        return value
    }
}
