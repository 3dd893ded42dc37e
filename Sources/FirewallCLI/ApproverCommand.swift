import ArgumentParser
import FirewallCore
import FirewallHTTP
import FirewallRelay
import Foundation
import Logging
import ServiceLifecycle

/// `mcp-firewall approver`: one approval page for every proxy of this user on this machine.
struct ApproverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approver",
        abstract: "Serve one approval page for every proxy on this machine.",
        discussion: """
            Proxies whose policy lists the `approver` channel (it is in the default order) find this \
            process through its socket ($XDG_RUNTIME_DIR/mcp-firewall/approver.sock, else \
            $TMPDIR/mcp-firewall-$UID/approver.sock) when they start, and list their waiting calls on its \
            page, labelled by server. The page's URL (port and secret token) is kept in \
            $XDG_STATE_HOME/mcp-firewall/approver.json, so it stays the same across restarts. Runs until \
            SIGTERM or SIGINT; calls still waiting then are answered by their proxies' other channels or \
            denied. Exit codes: 0 stopped, 1 could not start (another approver runs, the socket folder or \
            the port cannot be used), 64 usage error.
            """
    )

    @Option(
        help: ArgumentHelp(
            "Serve the page on this loopback address (127.0.0.1:PORT or [::1]:PORT; port 0 picks a free one).",
            discussion: "Default: 127.0.0.1 and the port saved from the last run, when it is free.",
            valueName: "127.0.0.1:PORT"))
    var listen: String?

    @Flag(help: "Open the page in the browser (xdg-open or open) once it listens.")
    var open = false

    @Option(help: "Log level on stderr: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    @Option(help: "Log line format on stderr: text, or json (one object per line; also: MCP_FIREWALL_LOG_FORMAT).")
    var logFormat: LoggingSetup.Format?

    func validate() throws {
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("unknown --log-level `\(logLevel)`")
        }
        if let listen {
            do {
                _ = try WebApprovalAddress(parsing: listen)
            } catch {
                throw ValidationError("--listen: \(error)")
            }
        }
    }

    func run() async throws {
        let logger = LoggingSetup.logger(
            "mcp-firewall", level: logLevel.flatMap(Logger.Level.init(rawValue:)), format: logFormat)
        let environment = ProcessInfo.processInfo.environment
        let socketPath = ApproverSocket.path(environment: environment)
        do {
            try ApproverSocket.checkFolder(ApproverSocket.folder(environment: environment), create: true)
        } catch {
            StandardError.write("mcp-firewall: refusing to start: the socket folder cannot be used: \(error)")
            throw ExitCode(ExitCodes.policyOrAudit)
        }
        // Held until the process exits: no second approver can bind this folder's socket meanwhile.
        let lock: Int32?
        do {
            lock = try ApproverSocket.takeLock(folder: ApproverSocket.folder(environment: environment))
        } catch {
            StandardError.write("mcp-firewall: refusing to start: \(error)")
            throw ExitCode(ExitCodes.policyOrAudit)
        }
        guard lock != nil else {
            StandardError.write("mcp-firewall: an approver is already running (it holds the lock in the socket folder)")
            throw ExitCode(ExitCodes.policyOrAudit)
        }
        guard ApproverSocket.probe(socketPath) != nil else {
            StandardError.write("mcp-firewall: an approver is already running (socket \(socketPath))")
            throw ExitCode(ExitCodes.policyOrAudit)
        }
        let statePath = ApproverState.path(environment: environment)
        let saved = ApproverState.load(statePath)
        let token = saved?.accessToken ?? AccessToken()
        var address = try listen.map { try WebApprovalAddress(parsing: $0) } ?? WebApprovalAddress()
        if listen == nil, let saved {
            if ApproverState.portIsFree(saved.port, host: address.host) {
                address.port = saved.port
            } else {
                StandardError.write(
                    "mcp-firewall: note: port \(saved.port) of the last run is taken; using a new one (the URL changes)"
                )
            }
        }
        let web = WebApprovalServer(address: address, logger: logger, pathToken: token)
        let notifier = DesktopNotifier(environment: environment, logger: logger)
        let socket = ApproverSocketService(path: socketPath, board: web.board, logger: logger) {
            notifier.notify($0)
        }
        let group = ServiceGroup(
            configuration: .init(
                // The socket is listed last so it stops first: proxies learn at once that nobody will answer.
                services: ([web, socket] as [any Service]).map { service in
                    ServiceGroupConfiguration.ServiceConfiguration(
                        service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup)
                },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await withThrowingDiscardingTaskGroup { tasks in
                tasks.addTask { try await group.run() }
                tasks.addTask {
                    guard let url = await web.url(), let port = web.port, await socket.ready() else { return }
                    do {
                        try ApproverState(port: port, token: token.text).save(statePath)
                    } catch {
                        StandardError.write("mcp-firewall: note: the URL is not kept for the next run: \(error)")
                    }
                    Self.announce("mcp-firewall approver: approve calls at \(url)")
                    Self.announce("mcp-firewall approver: socket \(socketPath)")
                    if open {
                        // The token stays out of `ps`: the browser is sent a 0600 file that redirects.
                        BrowserOpener.openPrivately(
                            url, folder: (statePath as NSString).deletingLastPathComponent,
                            name: "approver-open.html", environment: environment, logger: logger)
                    }
                }
            }
        } catch let error as WebApprovalError {
            StandardError.write("mcp-firewall: \(error)")
            throw ExitCode(ExitCodes.policyOrAudit)
        }
    }

    /// Writes `text` and a newline to stdout at once (a supervisor's log, or the terminal).
    static func announce(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
