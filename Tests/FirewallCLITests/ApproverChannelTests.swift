import FirewallCore
import FirewallHTTP
import FirewallRelay
import FirewallTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// The approver's socket and the proxy's `approver` channel, in process: a call listed, answered,
/// withdrawn, and the approver going away.
@Suite(.timeLimit(.minutes(1)))
struct ApproverChannelTests {
    /// A proxy an MCP SDK client starts gets no XDG_RUNTIME_DIR or TMPDIR: without the first, the
    /// socket's place must not depend on the environment, or it and the approver look in different places.
    @Test func withoutARuntimeFolderTheSocketsPlaceDoesNotDependOnTheEnvironment() {
        let bare = ApproverSocket.folder(environment: [:])
        #expect(ApproverSocket.folder(environment: ["TMPDIR": "/elsewhere"]) == bare)
        #expect(bare == "/run/user/\(getuid())/mcp-firewall" || bare == "/tmp/mcp-firewall-\(getuid())")
        #expect(ApproverSocket.folder(environment: ["XDG_RUNTIME_DIR": "/run/x/"]) == "/run/x/mcp-firewall")
    }

    static let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    static func request(id: String = "a-1") throws -> ApprovalRequest {
        let policy = try PolicyLoader.load(
            text: "version: 1\ntools:\n  - name: update_salary\n    decision: confirm\n", path: "p.yaml"
        ).policy
        let arguments: JSONValue = .object([.init("employee_id", .string("E-1"))])
        let now = Date().timeIntervalSince1970
        return ApprovalRequest(
            id: id, tool: "update_salary", arguments: arguments,
            decision: policy.evaluate(tool: "update_salary", arguments: arguments, annotations: nil),
            server: "example-hr-server", policySHA256: "feed", requestedAt: now, deadline: now + 60, run: "r")
    }

    typealias Events = AsyncStream<ApprovalEvent>.AsyncIterator

    /// A fresh socket path in a folder only we can use.
    static func socketPath() throws -> String {
        let environment = ["XDG_RUNTIME_DIR": try TemporaryFolder.make("mcp-fw")]
        try ApproverSocket.checkFolder(ApproverSocket.folder(environment: environment), create: true)
        return ApproverSocket.path(environment: environment)
    }

    /// An approver socket on a fresh path, its board's event stream after the first snapshot, and the
    /// labels it was asked to notify about, for `body`.
    static func withApprover(
        _ body:
            @Sendable (
                _ path: String, _ board: ApprovalBoard, _ group: ServiceGroup, _ events: Events,
                _ notified: LockedValue<[String]>
            ) async throws -> Void
    ) async throws {
        let path = try socketPath()
        let board = ApprovalBoard()
        let notified = LockedValue<[String]>([])
        let service = ApproverSocketService(path: path, board: board, logger: quiet) { submission in
            notified.withLock { $0.append(submission.label) }
        }
        let group = ServiceGroup(configuration: .init(services: [service], logger: quiet))
        var events = try #require(board.subscribe()).events.makeAsyncIterator()
        _ = await events.next()
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(await service.ready())
            try await body(path, board, group, events, notified)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(!FileManager.default.fileExists(atPath: path), "the socket file is removed at exit")
    }

    @Test func aCallIsListedWithItsServerAndTheAnswerComesBackAsAHumanApproval() async throws {
        try await Self.withApprover { path, board, _, events, notified in
            var events = events
            let channel = ApproverApprovalChannel(path: path, label: "hr", pid: 7)
            #expect(channel.isAvailable)
            let request = try Self.request()
            async let response = channel.requestApproval(request)
            guard case .added(let card)? = await events.next() else {
                Issue.record("the call was not listed")
                return
            }
            let shown = try JSONParser.parse(card)
            #expect(shown["server_label"]?.stringValue == "hr")
            #expect(shown["pid"] == .number("7"))
            #expect(shown["request"]?["binding"]?.stringValue == request.binding)
            let listed = try #require(shown["request"]?["approval_id"]?.stringValue)
            #expect(listed == "a-1@r", "listed under an id unique to the proxy run")
            let answer = DecisionForm(
                approvalID: listed, binding: request.binding, approve: true, approver: "alice", comment: "fine")
            guard case .deliver = board.answer(answer) else {
                Issue.record("the answer was not taken")
                return
            }
            let result = await response
            #expect(result.outcome == .approved, "\(result.detail)")
            #expect(result.approver == Approver(kind: .human, channel: "approver", identity: "alice", comment: "fine"))
            #expect(notified.value == ["hr"])
        }
    }

    @Test func aWithdrawnCallLeavesThePage() async throws {
        try await Self.withApprover { path, _, _, events, _ in
            var events = events
            let channel = ApproverApprovalChannel(path: path, label: "hr", pid: 7)
            let request = try Self.request()
            let waiting = Task { await channel.requestApproval(request) }
            guard case .added? = await events.next() else {
                Issue.record("the call was not listed")
                return
            }
            waiting.cancel()
            #expect(await events.next() == .removed(approvalID: request.id + "@r", reason: "withdrawn"))
            #expect(await waiting.value.outcome == .cancelled)
        }
    }

    @Test func anApproverThatStopsMidWaitLeavesTheCallUnattended() async throws {
        try await Self.withApprover { path, _, group, events, _ in
            var events = events
            let channel = ApproverApprovalChannel(path: path, label: "hr", pid: 7)
            let request = try Self.request()
            async let response = channel.requestApproval(request)
            guard case .added? = await events.next() else {
                Issue.record("the call was not listed")
                return
            }
            await group.triggerGracefulShutdown()
            let result = await response
            #expect(result.outcome == .unattended)
            #expect(result.approver == Approver(kind: .policy, channel: "approver"))
            #expect(result.detail.contains("the approver went away while the call waited"), "\(result.detail)")
        }
    }

    @Test func withNobodyListeningTheChannelIsUnavailableAndSaysWhere() async throws {
        let path = try Self.socketPath()
        let channel = ApproverApprovalChannel(path: path, label: "hr", pid: 7)
        #expect(!channel.isAvailable)
        #expect(channel.unavailableReason?.contains(path) == true)
        let result = await channel.requestApproval(try Self.request())
        #expect(result.outcome == .unattended)
        #expect(result.detail.hasPrefix("the approver is not running (\(path)"), "\(result.detail)")
    }

    @Test func aFolderOpenToOthersIsRefused() throws {
        let folder = try TemporaryFolder.make("mcp-fw") + "/open"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        chmod(folder, 0o777)
        #expect(throws: ApproverSocket.FolderError.self) { try ApproverSocket.checkFolder(folder, create: false) }
        #expect(ApproverSocket.probe(folder + "/approver.sock")?.contains("open to other users") == true)
    }
}
