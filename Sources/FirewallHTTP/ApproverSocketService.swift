import FirewallCore
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The machine's approver's socket as a `Service`: proxies connect to a Unix domain socket, send one
/// `ApproverSubmission` line per waiting call, and get one `ApproverReply` line back once someone answers
/// on the page. The call is listed on `board` (which the approver's `WebApprovalServer` serves) while its
/// connection is open: a withdraw line or the proxy closing the connection takes it off.
///
/// At shutdown every waiting call's connection is closed unanswered, so each proxy's channel reports that
/// the approver went away.
package final class ApproverSocketService: Service, Sendable {
    /// The socket's path.
    package let path: String
    private let board: ApprovalBoard
    private let logger: Logger
    private let notify: @Sendable (ApproverSubmission) -> Void
    private let listening = OneShot<Bool>()
    /// Set when the service is told to stop: the listener closing then is expected, not a failure.
    private let stopping = Atomic<Bool>(false)

    /// A listener on `path` (its folder must exist) publishing to `board`; `notify` runs when a call
    /// starts waiting (a desktop notification).
    package init(
        path: String, board: ApprovalBoard, logger: Logger,
        notify: @escaping @Sendable (ApproverSubmission) -> Void = { _ in }
    ) {
        self.path = path
        self.board = board
        self.logger = logger
        self.notify = notify
    }

    /// Waits until the socket listens; false if the service stopped or failed first.
    package func ready() async -> Bool {
        await listening.value() ?? false
    }

    /// Listens until graceful shutdown (or cancellation), then closes every connection and removes the
    /// socket file.
    package func run() async throws {
        let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
        do {
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(ApproverLineDecoder()))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            listening.fulfil(false)
            throw WebApprovalError.bindFailed(address: path, reason: "\(error)")
        }
        // Same-user only: the folder is 0700 already; the socket says so too.
        _ = chmod(path, 0o600)
        defer {
            listening.fulfil(false)
            _ = unlink(path)
        }
        listening.fulfil(true)
        logger.info("approver socket listening", metadata: ["approver.socket": "\(path)"])
        // At shutdown the listener closes and every connection already accepted is still served (a
        // connection left unconsumed would be torn down unfinished); then the waiting calls are cancelled,
        // which closes their connections unanswered.
        do {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    try await withGracefulShutdownHandler {
                        for try await connection in connections {
                            group.addTask { await self.serve(connection) }
                        }
                    } onGracefulShutdown: {
                        self.stopping.store(true, ordering: .releasing)
                        server.channel.close(promise: nil)
                    }
                }
                group.cancelAll()
            }
        } catch {
            // The listener failing on its own (out of file descriptors, say) must not look like a clean
            // stop: the approver exits non-zero and says why, so its supervisor restarts it.
            guard !stopping.load(ordering: .acquiring), !Task.isCancelled else { return }
            logger.error("approver socket stopped accepting connections", metadata: ["error": "\(error)"])
            throw error
        }
    }

    /// One proxy's call: read it, list it, and answer it or take it down.
    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        try? await connection.executeThenClose { inbound, outbound in
            var lines = inbound.makeAsyncIterator()
            guard let first = try await lines.next() else { return }
            let message: ApproverSubmission.Message
            do {
                message = try ApproverSubmission.parse(Array(first.readableBytesView))
            } catch {
                try await outbound.write(ByteBuffer(bytes: ApproverReply.refused("\(error)").line()))
                return
            }
            guard case .request(let submission) = message else { return }
            let card = ApprovalCard(submission)
            let waiter: OneShot<DecisionForm>
            switch board.open(card) {
            case .wait(let answer): waiter = answer
            case .full:
                try await outbound.write(ByteBuffer(bytes: ApproverReply.refused("too many calls are waiting").line()))
                return
            case .duplicate:
                try await outbound.write(
                    ByteBuffer(bytes: ApproverReply.refused("approval \(card.id) is already listed").line()))
                return
            }
            let metadata: Logger.Metadata = [
                "approval.id": "\(card.id)", "approval.server": "\(submission.label)",
                "mcp.tool": "\(submission.request["tool"]?.stringValue ?? "")", "proxy.pid": "\(submission.pid)",
            ]
            logger.info("call waiting for approval", metadata: metadata)
            notify(submission)
            await withDiscardingTaskGroup { group in
                group.addTask {
                    guard let form = await waiter.value() else { return }
                    let reply = ApproverReply.answer(Self.answer(form, to: submission))
                    try? await outbound.write(ByteBuffer(bytes: reply.line()))
                }
                // The proxy withdraws by saying so or by closing; either ends the wait here.
                while let line = try? await lines.next() {
                    if case .withdraw? = try? ApproverSubmission.parse(Array(line.readableBytesView)) { break }
                }
                if board.withdraw(card.id) { logger.info("call withdrawn", metadata: metadata) }
                group.cancelAll()
            }
        }
    }

    /// The decision document for an answer from the page: it names the call and its binding, and an
    /// approver (the typed name, or the token holder when none was typed).
    static func answer(_ form: DecisionForm, to submission: ApproverSubmission) -> ApprovalAnswer {
        ApprovalAnswer(
            decision: form.approve ? .approve : .deny, approver: form.approver ?? anonymousIdentity,
            comment: form.comment, remember: form.remember, approvalID: submission.approvalID,
            binding: submission.binding)
    }

    /// Identity recorded when the approver leaves the name empty: all we know is that they held the URL.
    package static let anonymousIdentity = "approver page (token holder)"
}
