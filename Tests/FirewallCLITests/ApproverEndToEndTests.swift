import FirewallClient
import FirewallCore
import Foundation
import Testing

/// `mcp-firewall approver` with real proxies: calls of two servers on one page, the approver lost while a
/// call waits, and a restarted approver used again at the same URL.
@Suite(.timeLimit(.minutes(1)))
struct ApproverEndToEndTests {
    static let policy = E2E.hrPolicy + "\napproval: {channels: [approver], timeout: 15s}\n"

    /// A folder with the runtime and state folders the approver and its proxies share.
    static func machine() throws -> (folder: String, environment: [String: String]) {
        let folder = try E2E.temporaryFolder()
        let environment = ["XDG_RUNTIME_DIR": folder + "/run", "XDG_STATE_HOME": folder + "/state"]
        try FileManager.default.createDirectory(atPath: folder + "/run", withIntermediateDirectories: true)
        return (folder, environment)
    }

    /// A proxy command line for a server in `folder/name`, with the shared environment.
    static func proxy(_ name: String, in folder: String, environment: [String: String]) throws -> [String] {
        let own = folder + "/" + name
        try FileManager.default.createDirectory(atPath: own, withIntermediateDirectories: true)
        return ["/usr/bin/env"] + environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            + (try E2E.proxyArgv(folder: own, policy: policy))
    }

    static func reviewNote(_ client: StdioClient, id: Int) async -> JSONValue? {
        await E2E.callTool(
            client, id: id, "add_review_note", [.string("employee_id", "E-1001"), .string("note", "Great quarter.")])
    }

    @Test func callsOfTwoServersAreListedOnOnePageAndEachApprovalReachesItsProxy() async throws {
        let (folder, environment) = try Self.machine()
        let approver = try await ApproverProcess(environment: environment)
        let first = try Self.proxy("first", in: folder, environment: environment)
        let second = try Self.proxy("second", in: folder, environment: environment)
        let replies = try await withThrowingTaskGroup(of: JSONValue?.self) { group in
            for argv in [first, second] {
                group.addTask {
                    try await StdioClient.with(argv: argv) { client in
                        try await E2E.initialize(client)
                        return await Self.reviewNote(client, id: 1)
                    }
                }
            }
            let cards = try await approver.waitForCards(2)
            #expect(cards.map { $0["server_label"]?.stringValue } == ["example-hr-server", "example-hr-server"])
            #expect(Set(cards.compactMap { $0["pid"] }).count == 2, "each card names its own proxy")
            let csrf = try await approver.csrfToken()
            for (index, card) in cards.enumerated() {
                let (status, body) = try await approver.answer(
                    card, approve: true, approver: "alice-\(index)", csrf: csrf)
                #expect(status == 200, "\(body)")
            }
            var replies: [JSONValue?] = []
            for try await reply in group { replies.append(reply) }
            return replies
        }
        for reply in replies {
            #expect(reply?["result"]?["isError"]?.boolValue == false, "\(String(describing: reply))")
        }
        var approvers: [String] = []
        for name in ["first", "second"] {
            let decision = try #require(E2E.records(try E2E.auditRecords(folder + "/" + name), event: "decision").last)
            #expect(decision["decided_by"]?["kind"]?.stringValue == "human")
            #expect(decision["decided_by"]?["channel"]?.stringValue == "approver")
            approvers.append(decision["decided_by"]?["identity"]?.stringValue ?? "")
        }
        #expect(approvers.sorted() == ["alice-0", "alice-1"])
        #expect(try await approver.stop() == 0)
    }

    @Test func anApproverStartedAfterTheProxyIsUsed() async throws {
        let (folder, environment) = try Self.machine()
        let argv = try Self.proxy("late", in: folder, environment: environment)
        try await StdioClient.with(argv: argv) { client in
            try await E2E.initialize(client)
            // Nobody runs the approver yet: the call is left to `unattended` (deny), saying why.
            let early = await Self.reviewNote(client, id: 1)
            #expect(early?["result"]?["isError"]?.boolValue == true)
            #expect(E2E.text(early).contains("the approver is not running"), "\(E2E.text(early))")
            let approver = try await ApproverProcess(environment: environment)
            async let asked = Self.reviewNote(client, id: 2)
            let cards = try await approver.waitForCards(1)
            let (status, _) = try await approver.answer(
                cards[0], approve: true, approver: "carol", csrf: try await approver.csrfToken())
            #expect(status == 200)
            let approved = await asked
            #expect(approved?["result"]?["isError"]?.boolValue == false, "\(String(describing: approved))")
            #expect(try await approver.stop() == 0)
        }
        let decisions = E2E.records(try E2E.auditRecords(folder + "/late"), event: "decision")
        #expect(decisions.first?["approval"]?["outcome"]?.stringValue == "unattended")
        #expect(decisions.last?["decided_by"]?["identity"]?.stringValue == "carol")
    }

    @Test func anApproverLostMidWaitDeniesTheCallAndARestartedOneIsUsedAgainAtTheSameURL() async throws {
        let (folder, environment) = try Self.machine()
        let approver = try await ApproverProcess(environment: environment)
        let argv = try Self.proxy("proxy", in: folder, environment: environment)
        let restartedURL = try await StdioClient.with(argv: argv) { client in
            try await E2E.initialize(client)
            async let lost = Self.reviewNote(client, id: 1)
            _ = try await approver.waitForCards(1)
            #expect(try await approver.stop() == 0)
            let denied = await lost
            #expect(denied?["result"]?["isError"]?.boolValue == true)
            #expect(E2E.text(denied).contains("the approver went away while the call waited"), "\(E2E.text(denied))")

            let restarted = try await ApproverProcess(environment: environment)
            async let asked = Self.reviewNote(client, id: 2)
            let cards = try await restarted.waitForCards(1)
            let (status, _) = try await restarted.answer(
                cards[0], approve: true, approver: "bob", csrf: try await restarted.csrfToken())
            #expect(status == 200)
            let approved = await asked
            #expect(approved?["result"]?["isError"]?.boolValue == false, "\(String(describing: approved))")
            #expect(try await restarted.stop() == 0)
            return restarted.url
        }
        #expect(restartedURL == approver.url, "the URL is kept across restarts")
        let decisions = E2E.records(try E2E.auditRecords(folder + "/proxy"), event: "decision")
        #expect(decisions.last?["decided_by"]?["channel"]?.stringValue == "approver")
        #expect(decisions.last?["decided_by"]?["identity"]?.stringValue == "bob")
    }
}
