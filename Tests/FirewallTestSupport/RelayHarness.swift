import FirewallCore
import FirewallRelay
import Foundation
import Logging
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// An in-process relay session wired to pipes, run by the same loop and writers as the proxy, so
/// tests see exactly the bytes each side would get.
package final class RelayHarness: Sendable {
    package let loop: RelaySessionLoop
    package let inbox: SessionInbox
    package let audit: AuditWriter
    package let toServer: DescriptorWriter
    package let toClient: DescriptorWriter
    package let coordinator: ApprovalCoordinator
    package let folder: String
    private let serverPipe: (read: Int32, write: Int32)
    private let clientPipe: (read: Int32, write: Int32)

    package init(policy text: String, channels: [any ApprovalChannel]) throws {
        signal(SIGPIPE, SIG_IGN)
        folder = NSTemporaryDirectory() + "relay-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let policy = try PolicyLoader.load(text: text, path: "test.yaml").policy
        serverPipe = try Posix.pipe()
        clientPipe = try Posix.pipe()
        coordinator = ApprovalCoordinator(channels: channels)
        inbox = SessionInbox()
        audit = try AuditWriter(path: folder + "/audit.jsonl")
        toServer = try DescriptorWriter(fd: serverPipe.write, name: "test server", audit: audit, nonBlocking: true)
        toClient = try DescriptorWriter(fd: clientPipe.write, name: "test client", audit: audit)
        let machine = RelayStateMachine(
            policy: policy,
            configuration: .init(serverDescription: "test-server", externalChannels: coordinator.availableChannels),
            startedAt: RelaySessionLoop.now())
        loop = RelaySessionLoop(
            machine: machine, recorder: AuditRecorder(sessionID: "test", redactor: Redactor(policy.audit.redaction)),
            audit: audit, toServer: toServer,
            toClient: toClient, inbox: inbox, approvals: coordinator, logger: Logger(label: "test"))
    }

    deinit {
        for fd in [serverPipe.read, serverPipe.write, clientPipe.read, clientPipe.write] { close(fd) }
    }

    /// The client sends a frame; it is decided before this returns, unless the session is busy with
    /// an approval's answer on its own thread (which then takes it).
    package func client(_ text: String) {
        guard let input = RelayStateMachine.clientInput(Array(text.utf8)) else { return }
        inbox.pushClient(.frames([input]), bytes: text.utf8.count)
        loop.drainHere()
    }

    package func server(_ text: String) {
        guard let input = RelayStateMachine.serverInput(Array(text.utf8)) else { return }
        inbox.pushServer(.frames([input]), bytes: text.utf8.count)
        loop.drainHere()
    }

    /// The server exits: everything outstanding is answered.
    package func serverExited(_ termination: String) {
        inbox.pushServer(.exited(termination), bytes: 0)
        loop.drainHere()
    }

    /// A shutdown signal.
    package func shutdownRequested() {
        inbox.post(.shutdownRequested)
    }

    /// The next frame written toward the server, or nil if none arrives within `timeout` seconds.
    package func nextToServer(timeout: Double = 10) async -> String? {
        await Self.readLineOffPool(serverPipe.read, timeout: timeout)
    }
    /// The next frame written toward the client, or nil if none arrives within `timeout` seconds.
    package func nextToClient(timeout: Double = 10) async -> String? {
        await Self.readLineOffPool(clientPipe.read, timeout: timeout)
    }

    /// Waits on a dedicated thread, so tests never block the cooperative pool the approvals run on.
    private static func readLineOffPool(_ fd: Int32, timeout: Double) async -> String? {
        let line = OneShot<String?>()
        let thread = Thread { line.fulfil(readLine(fd, timeout: timeout)) }
        thread.start()
        return await line.value() ?? nil
    }

    /// Every record written so far (waits for the ones already handed to the audit writer).
    package func auditRecords() throws -> [JSONValue] {
        _ = audit.wait(for: audit.issuedTicket)
        let data = try #require(FileManager.default.contents(atPath: folder + "/audit.jsonl"))
        return try data.split(separator: UInt8(ascii: "\n")).map { try JSONParser.parse(Array($0)) }
    }

    /// Reads one newline-terminated line byte by byte (test frames are small), waiting in poll.
    private static func readLine(_ fd: Int32, timeout: Double) -> String? {
        var line: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let remaining = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            guard poll(&pfd, 1, remaining) > 0 else { return nil }
            var byte: UInt8 = 0
            guard read(fd, &byte, 1) == 1 else { return nil }
            if byte == 0x0A { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
    }
}

/// An approval channel whose answer the test scripts.
package struct ScriptedChannel: ApprovalChannel {
    package enum Behaviour: Sendable {
        case approve
        case decline
        /// Never answers; returns only when cancelled.
        case hang
        /// Cannot reach anyone (a hook that crashed, a webhook that answered 500).
        case fail
    }

    package let behaviour: Behaviour
    /// The channel kind it stands in for; the relay picks channels by the policy's `channels:` order.
    package var name = "terminal"
    package var isAvailable = true
    package var remember = false

    package init(behaviour: Behaviour, name: String = "terminal", isAvailable: Bool = true, remember: Bool = false) {
        self.behaviour = behaviour
        self.name = name
        self.isAvailable = isAvailable
        self.remember = remember
    }

    package func requestApproval(_ request: ApprovalRequest) async -> ApprovalResponse {
        let approver = Approver(kind: .human, channel: name, identity: "tester")
        switch behaviour {
        case .approve:
            return ApprovalResponse(
                outcome: .approved, approver: approver, detail: "approved by the test", remember: remember)
        case .decline: return ApprovalResponse(outcome: .declined, approver: approver, detail: "declined by the test")
        case .hang:
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(60)) }
            return ApprovalResponse(outcome: .cancelled, approver: approver, detail: "hung up")
        case .fail:
            return ApprovalResponse(
                outcome: .unattended, approver: Approver(kind: .policy, channel: name), detail: "\(name) is down")
        }
    }
}

package enum Frames {
    package static func call(_ id: Int, _ tool: String, _ arguments: String = "{}") -> String {
        #"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"\#(tool)","arguments":\#(arguments)}}"#
    }

    package static func result(_ id: Int, text: String = "ok") -> String {
        #"{"jsonrpc":"2.0","id":\#(id),"result":{"content":[{"type":"text","text":"\#(text)"}],"isError":false}}"#
    }

    package static let policy = """
        version: 1
        defaults: {read: allow, write: confirm, sensitive: deny}
        approval: {timeout: 30s}
        tools:
          - name: read_*
            class: read
          - name: write_*
            class: write
        """
}

extension RelayHarness {
    /// Runs `body` against a fresh harness with its loop and approval coordinator running alongside;
    /// then the client hangs up and the server exits, as in a proxy run.
    package static func with(
        policy: String, channels: [any ApprovalChannel] = [], _ body: (RelayHarness) async throws -> Void
    ) async throws {
        let harness = try RelayHarness(policy: policy, channels: channels)
        async let approvals: Void = harness.coordinator.run()
        async let ending = harness.loop.run()
        var failure: (any Error)?
        do {
            try await body(harness)
        } catch {
            failure = error
        }
        // Calls still waiting for an answer are withdrawn, so the coordinator can finish at once.
        harness.inbox.pushClient(.ended(.endOfFile), bytes: 0)
        harness.inbox.pushServer(.exited("test over"), bytes: 0)
        harness.inbox.wakeServing()
        _ = await ending
        harness.coordinator.finish()
        await approvals
        harness.toServer.stop()
        harness.toClient.stop()
        await harness.audit.close()
        if let failure { throw failure }
    }

    /// The next frame toward the client, parsed.
    package func nextToClientJSON(timeout: Double = 10) async throws -> JSONValue {
        try JSONParser.parse(Array(try #require(await nextToClient(timeout: timeout)).utf8))
    }

    /// The audit records of one event type, in order.
    package func records(_ event: String) throws -> [JSONValue] {
        try auditRecords().filter { $0["event"]?.stringValue == event }
    }
}
