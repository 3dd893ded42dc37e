/// One `tools/call` to replay against a policy: from a scenario file, our audit log or an imported log.
///
/// A call carries what the policy needs (tool, arguments, annotations, environment) and, when it is
/// known, what was decided when it was recorded or what the scenario expects.
package struct RecordedCall: Sendable, Hashable {
    /// Where a call came from, which decides how it is named and how its location is printed.
    package enum Origin: Sendable, Hashable {
        /// A scenario of a scenario file, with its name.
        case scenario(name: String)
        /// A `decision` record of our audit log: the session id and the call number within it.
        case auditLog(session: String, call: Int)
        /// A `tools/call` event of an `mcp-audit-trail` log, with its JSON-RPC id when it had one.
        case auditTrail(event: Int, requestID: String?)
    }

    /// What a scenario expects the policy to say.
    package struct Expectation: Sendable, Hashable {
        /// The expected policy decision (before any human answers a `confirm`).
        package var decision: Decision
        /// The expected class, when the scenario states one.
        package var toolClass: ToolClass?

        package init(decision: Decision, toolClass: ToolClass? = nil) {
            self.decision = decision
            self.toolClass = toolClass
        }
    }

    /// What was decided when the call was recorded (our audit log only).
    package struct Recorded: Sendable, Hashable {
        /// What the policy said then: `allow`, `confirm` or `deny`.
        package var policyDecision: Decision
        /// What happened: `allow` or `deny`, once any `confirm` was settled.
        package var finalDecision: Decision?
        /// The class recorded then.
        package var toolClass: ToolClass?
        /// The rule cited then, as `file:line`.
        package var rule: String?

        package init(
            policyDecision: Decision, finalDecision: Decision? = nil, toolClass: ToolClass? = nil, rule: String? = nil
        ) {
            self.policyDecision = policyDecision
            self.finalDecision = finalDecision
            self.toolClass = toolClass
            self.rule = rule
        }
    }

    package var origin: Origin
    /// Where the call is written: the scenario's `file:line:col`, or the log line.
    package var location: SourceLocation
    package var tool: String
    package var arguments: JSONValue
    /// The server's annotations for the tool, when they are known.
    package var annotations: ToolAnnotations?
    /// The environment the call ran in (a log) or must be judged in (a scenario).
    package var environment: String?
    /// What was decided when the call was recorded, when the input says.
    package var recorded: Recorded?
    /// What a scenario expects.
    package var expectation: Expectation?
    /// Labels the recording tool attached (`mcp-audit-trail`'s `sensitive`, `write`); informational only.
    package var flags: [String]

    package init(
        origin: Origin, location: SourceLocation, tool: String, arguments: JSONValue = .object([]),
        annotations: ToolAnnotations? = nil, environment: String? = nil, recorded: Recorded? = nil,
        expectation: Expectation? = nil, flags: [String] = []
    ) {
        self.origin = origin
        self.location = location
        self.tool = tool
        self.arguments = arguments
        self.annotations = annotations
        self.environment = environment
        self.recorded = recorded
        self.expectation = expectation
        self.flags = flags
    }

    /// Whether the call's environment was stated by a person (a scenario) rather than recorded.
    package var statesEnvironment: Bool {
        if case .scenario = origin { return true }
        return false
    }

    /// A short human name: the scenario name, `call 3 of session b257f61e`, or `request 5`.
    package var name: String {
        switch origin {
        case .scenario(let name): name
        case .auditLog(let session, let call): "call \(call) of session \(session.prefix(8))"
        case .auditTrail(let event, let requestID): requestID.map { "request \($0)" } ?? "event \(event)"
        }
    }

    /// `file:line:col` for scenarios; `file:line` for logs, where only the line means something.
    package var locationDescription: String {
        if case .scenario = origin { return location.description }
        return location.fileAndLine
    }

    /// The arguments as compact JSON, cut to `limit` characters with an ellipsis.
    package func argumentsSummary(limit: Int = 80) -> String {
        var writer = JSONWriter()
        writer.value(arguments)
        let text = String(decoding: writer.bytes, as: UTF8.self)
        return text.count <= limit ? text : String(text.prefix(max(limit - 1, 0))) + "…"
    }
}
