import FirewallClient
import FirewallCore
import FirewallRelay
import Foundation

/// The demo's scripted MCP client: it behaves like a model exploring the HR server through the proxy.
struct DemoSession {
    /// One scripted tool call.
    struct Step: Sendable {
        var tool: String
        var arguments: JSONValue
        var intent: String
        /// What the demo client answers if the proxy asks it to confirm this call (MCP elicitation).
        var answer: Answer = .decline
    }

    /// The demo client's answer to the proxy's question, standing in for a user at the client.
    enum Answer: Sendable {
        case approve
        case decline

        var result: JSONValue {
            switch self {
            case .approve:
                .object([
                    .init("action", .string("accept")),
                    .init("content", .object([.init("decision", .string("approve"))])),
                ])
            case .decline: .object([.init("action", .string("decline"))])
            }
        }
    }

    /// What the client saw for one step.
    struct Observed: Sendable {
        var step: Step
        var isError: Bool
        var text: String
    }

    /// What the whole session produced.
    struct Transcript: Sendable {
        var serverName: String
        var visibleTools: [String]
        var observed: [Observed]
    }

    static let steps: [Step] = [
        Step(tool: "list_employees", arguments: .object([]), intent: "look around"),
        Step(
            tool: "get_employee", arguments: .object([.init("employee_id", .string("E-1001"))]),
            intent: "read one record"),
        Step(tool: "search_employees", arguments: .object([.init("query", .string("engineer"))]), intent: "search"),
        Step(
            tool: "update_salary",
            arguments: .object([.init("employee_id", .string("E-1002")), .init("new_salary", .number("214000"))]),
            intent: "give a raise (write: needs a person; the demo client approves)", answer: .approve
        ),
        Step(
            tool: "update_salary",
            arguments: .object([.init("employee_id", .string("E-1002")), .init("new_salary", .number("900000"))]),
            intent: "an outsized raise (denied by a when: rule)"
        ),
        Step(
            tool: "add_review_note",
            arguments: .object([
                .init("employee_id", .string("E-1003")), .init("note", .string("Led the Q3 migration.")),
            ]),
            intent: "write a review note (write: needs a person; the demo client declines)"
        ),
        Step(
            tool: "export_payroll", arguments: .object([.init("department", .string("engineering"))]),
            intent: "export payroll (sensitive)"),
        Step(
            tool: "delete_employee", arguments: .object([.init("employee_id", .string("E-1004"))]),
            intent: "delete a record (hidden tool)"),
        Step(
            tool: "get_employee", arguments: .object([.init("employee_id", .string("E-9999"))]),
            intent: "read a missing record"),
    ]

    /// Runs the script against `argv` (the proxy command line). With `answersQuestions`, the client
    /// declares MCP elicitation and answers the proxy's confirmation questions with each step's `answer`.
    static func run(argv: [String], answersQuestions: Bool) async throws -> Transcript {
        try await StdioClient.with(argv: argv, grace: .seconds(5)) { client in
            let current = LockedValue<Answer>(.decline)
            if answersQuestions {
                // Ends when the proxy's output ends (the session closes).
                Task { await answerQuestions(client, current: current) }
            }
            var nextID = 0
            func call(_ method: String, _ params: JSONValue?) async throws -> JSONValue {
                nextID += 1
                guard let reply = await client.call(id: nextID, method: method, params: params) else {
                    throw DemoError(message: "the proxy closed the connection during \(method)")
                }
                return reply
            }
            let initialize = try await call(
                "initialize",
                .object([
                    .init("protocolVersion", .string("2025-11-25")),
                    .init(
                        "capabilities",
                        answersQuestions
                            ? .object([.init("elicitation", .object([.init("form", .object([]))]))]) : .object([])),
                    .init(
                        "clientInfo",
                        .object([.init("name", .string("mcp-firewall-demo")), .init("version", .string("0.1.0"))])),
                ])
            )
            if let error = initialize["error"] { throw DemoError(message: "initialize failed: \(error)") }
            client.send(Array(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.utf8))
            var tools: [String] = []
            var cursor: String?
            repeat {
                let page = try await call("tools/list", cursor.map { .object([.init("cursor", .string($0))]) })
                if case .array(let listed)? = page["result"]?["tools"] {
                    tools += listed.compactMap { $0["name"]?.stringValue }
                }
                cursor = page["result"]?["nextCursor"]?.stringValue
            } while cursor != nil
            var observed: [Observed] = []
            for step in steps {
                current.withLock { $0 = step.answer }
                let reply = try await call(
                    "tools/call", .object([.init("name", .string(step.tool)), .init("arguments", step.arguments)]))
                let result = reply["result"]
                var text = ""
                if case .array(let content)? = result?["content"], let first = content.first?["text"]?.stringValue {
                    text = first
                }
                if let error = reply["error"] { text = error["message"]?.stringValue ?? "error" }
                observed.append(
                    Observed(
                        step: step, isError: result?["isError"]?.boolValue == true || reply["error"] != nil, text: text)
                )
            }
            let serverName = initialize["result"]?["serverInfo"]?["name"]?.stringValue ?? "server"
            return Transcript(serverName: serverName, visibleTools: tools, observed: observed)
        }
    }
}

extension DemoSession {
    /// Answers every `elicitation/create` the proxy sends with the current step's scripted answer.
    static func answerQuestions(_ client: StdioClient, current: LockedValue<Answer>) async {
        while let frame = await client.nextUnsolicited() {
            guard let message = try? JSONParser.parse(frame), message["method"]?.stringValue == "elicitation/create",
                let id = message["id"]
            else { continue }
            var writer = JSONWriter()
            writer.beginObject()
            writer.field("jsonrpc", "2.0")
            writer.key("id")
            writer.value(id)
            writer.key("result")
            writer.value(current.withLock { $0 }.result)
            writer.endObject()
            client.send(writer.bytes)
        }
    }
}

/// The demo could not run.
struct DemoError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
