import FirewallCore
import FirewallRelay
import Foundation
import Testing

/// `approval.command` and `approval.webhook` through the built proxy.
@Suite(.timeLimit(.minutes(1)))
struct HookApprovalEndToEndTests {
    static func policy(command: String) -> String {
        """
        version: 1
        defaults: {read: allow, write: confirm, sensitive: deny}
        approval: {timeout: 10s, command: [/bin/sh, \(command)]}
        tools:
          - name: [update_salary, add_review_note]
            class: write
        """
    }

    /// Writes a hook script that keeps the request it was given and prints `answer`.
    func hook(in folder: String, answer: String, exitStatus: Int = 0) throws -> String {
        let path = folder + "/hook.sh"
        let script = "#!/bin/sh\ncat > \"\(folder)/request.json\"\nprintf '%s\\n' '\(answer)'\nexit \(exitStatus)\n"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func call(
        folder: String, policy: String, extra: [String] = [], env: [String] = []
    ) async throws -> (reply: JSONValue?, status: ChildProcess.Termination, records: [JSONValue]) {
        let argv = env + (try E2E.proxyArgv(folder: folder, policy: policy, extra: ["--no-terminal"] + extra))
        return try await E2E.reviewNoteCall(argv: argv, folder: folder)
    }

    @Test func theHooksApprovalRunsTheCallAndNamesTheApprover() async throws {
        let folder = try E2E.temporaryFolder()
        let script = try hook(
            in: folder, answer: #"{"decision":"approve","approver":"oncall@example.com","comment":"ticket OPS-7"}"#)
        let (reply, status, records) = try await call(folder: folder, policy: Self.policy(command: script))
        #expect(reply?["result"]?["isError"]?.boolValue == false, "\(String(describing: reply))")
        #expect(status == .exited(0))
        let decision = try #require(E2E.records(records, event: "decision").first)
        #expect(decision["decided_by"]?["kind"]?.stringValue == "human")
        #expect(decision["decided_by"]?["channel"]?.stringValue == "command")
        #expect(decision["decided_by"]?["identity"]?.stringValue == "oncall@example.com")
        #expect(decision["decided_by"]?["comment"]?.stringValue == "ticket OPS-7")
        // The hook was given the request, bound to this exact call.
        let request = try JSONParser.parse(
            Array(try #require(FileManager.default.contents(atPath: folder + "/request.json"))))
        #expect(request["tool"]?.stringValue == "add_review_note")
        #expect(request["arguments"]?["note"]?.stringValue == "Great quarter.")
        let requested = try #require(E2E.records(records, event: "approval_requested").first)
        #expect(request["binding"] == requested["binding"])
    }

    @Test(arguments: [
        (#"{"decision":"deny","approver":"oncall@example.com"}"#, 0, "declined"),
        (#"{"decision":"approve"}"#, 0, "approves without naming"),
        ("not json", 0, "not valid JSON"),
        (#"{"decision":"approve","approver":"x"}"#, 3, "exited with status 3"),
    ])
    func anythingButANamedApprovalDenies(answer: String, exitStatus: Int, reason: String) async throws {
        let folder = try E2E.temporaryFolder()
        let script = try hook(in: folder, answer: answer, exitStatus: exitStatus)
        let (reply, _, records) = try await call(folder: folder, policy: Self.policy(command: script))
        #expect(reply?["result"]?["isError"]?.boolValue == true)
        #expect(E2E.text(reply).contains(reason), "\(E2E.text(reply))")
        #expect(E2E.records(records, event: "result").isEmpty, "the server ran the call")
    }

    @Test func aWebhookWithoutItsSecretRefusesToStart() throws {
        let folder = try E2E.temporaryFolder()
        let policy = """
            version: 1
            approval: {webhook: {url: "http://127.0.0.1:9/approve", secret_env: MCP_FIREWALL_TEST_UNSET_SECRET}}
            """
        let (status, stderr) = try Shell.run(try E2E.proxyArgv(folder: folder, policy: policy))
        #expect(status == 1)
        #expect(stderr.contains("refusing to start: approval.webhook"), "\(stderr)")
        #expect(stderr.contains("MCP_FIREWALL_TEST_UNSET_SECRET"), "\(stderr)")
    }

    @Test func theWebhookSecretIsWithheldFromTheServerAndTheHooks() async throws {
        let folder = try E2E.temporaryFolder()
        let script = try hook(in: folder, answer: #"{"decision":"approve","approver":"oncall@example.com"}"#)
        try "#!/bin/sh\nenv > \"\(folder)/hook-env.txt\"\nexec /bin/sh \(script)\n".write(
            toFile: folder + "/hook-wrapper.sh", atomically: true, encoding: .utf8)
        let policy = """
            version: 1
            defaults: {read: allow, write: confirm, sensitive: deny}
            approval:
              channels: [command]
              command: [/bin/sh, \(folder)/hook-wrapper.sh]
              webhook: {url: "http://127.0.0.1:9/approve", secret_env: MCP_FIREWALL_TEST_SECRET}
            tools:
              - name: add_review_note
                class: write
            """
        let server = ["/bin/sh", "-c", "env > \"\(folder)/server-env.txt\"; exec \(E2E.exampleServer)"]
        let argv =
            ["/usr/bin/env", "MCP_FIREWALL_TEST_SECRET=hunter2-secret", "MCP_FIREWALL_TEST_OTHER=kept"]
            + (try E2E.proxyArgv(folder: folder, policy: policy, server: server))
        let (reply, _, _) = try await E2E.reviewNoteCall(argv: argv, folder: folder)
        #expect(reply?["result"]?["isError"]?.boolValue == false, "\(String(describing: reply))")
        for file in ["server-env.txt", "hook-env.txt"] {
            let environment = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
            #expect(!environment.contains("hunter2-secret"), "\(file) holds the webhook secret")
            #expect(environment.contains("MCP_FIREWALL_TEST_OTHER=kept"), "\(file) lost the rest of the environment")
        }
    }

    @Test func aListedChannelThatCannotBeUsedIsNamedAtStart() async throws {
        let folder = try E2E.temporaryFolder()
        let policy = "version: 1\napproval: {channels: [web, terminal], unattended: deny}\n"
        let argv = try E2E.proxyArgv(folder: folder, policy: policy, extra: ["--no-terminal"])
        let (status, stderr) = try Shell.run(argv)
        #expect(status == 0)
        #expect(stderr.contains("approval.channels lists `web`, but --approve-web was not given"), "\(stderr)")
        #expect(stderr.contains("approval.channels lists `terminal`, but prompting on the terminal is turned off"))
    }
}
