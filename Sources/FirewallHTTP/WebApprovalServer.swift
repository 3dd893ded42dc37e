import FirewallCore
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle

/// The local approval page as a `Service`: a Hummingbird server on a loopback address, serving
/// `http://127.0.0.1:PORT/approve/<token>/` until graceful shutdown, and the `WebApprovalChannel` that
/// puts calls on it.
///
/// Whoever holds the URL can answer, so the URL is the secret: a fresh 256-bit token per run, printed
/// only to the operator. Port 0 picks a free port; `url()` waits for the real one.
package final class WebApprovalServer: Service, Sendable {
    /// How often a comment is written to every open event stream.
    package static let defaultHeartbeat = Duration.seconds(15)
    /// Open connections at most (browsers keep about six per page).
    package static let maxConnections = 64

    /// Where the server listens.
    package let address: WebApprovalAddress
    /// The checks every request passes, holding the URL and CSRF secrets.
    package let gate: RequestGate
    /// The pending calls shown on the page.
    package let board: ApprovalBoard
    /// The channel to hand to the proxy.
    package let channel: WebApprovalChannel
    private let logger: Logger
    private let heartbeat: Duration
    private let boundPort = LockedValue<Int?>(nil)
    private let listening = OneShot<String?>()
    private let onListening: @Sendable (String) -> Void
    private let webhookCallbacks: WebhookCallbacks?
    private let requestDeadline: Duration

    /// A server for `address` (loopback only, checked by `WebApprovalAddress`). `onListening` receives the
    /// page's URL once the port is bound.
    package init(
        address: WebApprovalAddress = WebApprovalAddress(), logger: Logger,
        limits: PendingApprovals.Limits = .init(), heartbeat: Duration = defaultHeartbeat,
        pathToken: AccessToken = AccessToken(), csrfToken: AccessToken = AccessToken(),
        webhookCallbacks: WebhookCallbacks? = nil, requestDeadline: Duration = .seconds(10),
        onListening: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.requestDeadline = requestDeadline
        self.webhookCallbacks = webhookCallbacks
        self.address = address
        self.gate = RequestGate(pathToken: pathToken, csrfToken: csrfToken, address: address)
        self.board = ApprovalBoard(limits: limits)
        self.channel = WebApprovalChannel(board: board)
        self.logger = logger
        self.heartbeat = heartbeat
        self.onListening = onListening
    }

    /// The port listened on, once bound.
    package var port: Int? { boundPort.value }

    /// The page's URL on `port`.
    package func url(port: Int) -> String {
        "http://\(address.authority(port: port))\(gate.pagePath)"
    }

    /// Waits until the server listens and returns the page's URL; nil if it stopped or failed first (or the
    /// waiting task was cancelled).
    package func url() async -> String? {
        await listening.value() ?? nil
    }

    /// Listens until graceful shutdown, then ends every open event stream and stops.
    package func run() async throws {
        let requestDeadline = self.requestDeadline
        let board = self.board
        let application = Application(
            responder: WebApprovalResponder(
                gate: gate, board: board, port: boundPort, webhookCallbacks: webhookCallbacks),
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [
                        RequestDeadline(limit: .milliseconds(DurationText.milliseconds(requestDeadline)))
                    ], idleTimeout: .seconds(30))),
            configuration: .init(
                address: .hostname(address.host.rawValue, port: address.port),
                availableConnectionsDelegate: MaximumAvailableConnections(Self.maxConnections)),
            onServerRunning: { channel in
                guard let port = channel.localAddress?.port else { return }
                self.boundPort.withLock { $0 = port }
                let url = self.url(port: port)
                self.listening.fulfil(url)
                self.onListening(url)
            },
            logger: logger
        )
        defer {
            board.close()
            listening.fulfil(nil)
        }
        let heartbeat = self.heartbeat
        do {
            try await withGracefulShutdownHandler {
                try await withThrowingDiscardingTaskGroup { group in
                    // A keep-alive timer, not a poll: a write to a closed connection fails and frees its slot.
                    group.addTask {
                        while (try? await Task.sleep(for: heartbeat)) != nil { board.heartbeat() }
                    }
                    try await application.run()
                    group.cancelAll()
                }
            } onGracefulShutdown: {
                // Open event streams would keep their connections (and so the server) alive: end them.
                board.close()
            }
        } catch {
            // Before the port is bound, a failure means the server could not listen.
            guard port == nil, !(error is CancellationError) else { throw error }
            throw WebApprovalError.bindFailed(address: address.description, reason: "\(error)")
        }
    }
}
