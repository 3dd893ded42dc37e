import ArgumentParser
import FirewallCore
import FirewallHTTP
import FirewallRelay
import FirewallWebhook
import Foundation
import Logging
import ServiceLifecycle

/// `mcp-firewall proxy -- <server command>`: the firewall itself.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Run an MCP stdio server behind the firewall.",
        discussion: """
            stdin/stdout carry the MCP protocol to and from the client; logs go to stderr. Exit codes: 0 session ended by the client, 1 policy or audit \
            problem at start, 64 usage error, 69 server could not start or exited on its own, 74 \
            the audit log failed during the session (calls after the failure were denied), 75 a call needed \
            confirmation and nobody answered, under `unattended: fail` or `on_timeout: fail`.
            """
    )

    @Option(
        help: ArgumentHelp(
            "Policy file (YAML); repeat to layer files (no layer can loosen another).",
            discussion: "Default: the built-in default policy (read allow, write confirm, sensitive deny)."))
    var policy: [String] = []

    @Option(help: "Audit log (JSONL, appended). Default: $XDG_STATE_HOME/mcp-firewall/audit.jsonl (~/.local/state/…).")
    var audit: String?

    @Option(
        help:
            "Environment whose overlay applies (and is recorded). Default: $MCP_FIREWALL_ENV, else `ci` when $CI is set and the policy defines `ci`; a name the policy does not define is an error."
    )
    var env: String?

    @Option(help: "Largest message accepted from either side, in bytes.")
    var maxMessageBytes: Int = 64 << 20

    @Option(help: "Largest payload embedded whole in the audit log; larger ones are kept as a prefix and SHA-256.")
    var auditPayloadLimit: Int = 64 << 10

    @Option(
        help: ArgumentHelp(
            "Which audit batches are forced to disk (fdatasync) before the proxy goes on: always, decisions (decisions, approval requests, checkpoints, session start and end) or never.",
            valueName: "MODE"))
    var auditSync: AuditSyncChoice = .decisions

    @Option(
        help: ArgumentHelp(
            "Ed25519 private key (PEM, from `mcp-firewall audit keygen`) that signs the audit chain's checkpoints; refused if group or others can read it.",
            valueName: "PATH"))
    var auditSigningKey: String?

    @Option(
        help: ArgumentHelp(
            "A file every checkpoint record is also appended to (keep it where the proxy's log can be cut but it cannot: another user, mount or machine); `audit verify --anchor` then shows a cut tail or a deleted session.",
            valueName: "FILE"))
    var auditAnchor: String?

    @Option(
        help: ArgumentHelp(
            "Who every audit record names as the actor. Default: $MCP_FIREWALL_ACTOR, else the OS user running the proxy.",
            valueName: "ID"))
    var actor: String?

    @Option(help: ArgumentHelp("The actor's type in the audit records (user, agent, service…).", valueName: "TYPE"))
    var actorType = "user"

    @Option(
        help: ArgumentHelp(
            "The server's name in the audit records (component) and on the approver page. Default: derived from its command line (`npx -y @scope/server-git` → server-git).",
            valueName: "NAME"))
    var serverName: String?

    @Option(
        help: ArgumentHelp(
            "Rotate the audit log during a session once it holds this many bytes: it is renamed to NAME-<UTC time>.jsonl and the chain goes on in a new file (SIGHUP reopens it too, for external rotators).",
            valueName: "BYTES"))
    var auditRotateBytes: Int?

    @Option(
        help: ArgumentHelp("Rotate the audit log once it has been written for this many seconds.", valueName: "SECONDS")
    )
    var auditRotateSeconds: Double?

    @Option(help: ArgumentHelp("At most this many audit records between two checkpoints.", valueName: "N"))
    var auditCheckpointRecords: Int = 1000

    @Option(
        help: ArgumentHelp(
            "At most this many seconds between a record and the checkpoint that covers it.", valueName: "SECONDS"))
    var auditCheckpointSeconds: Double = 60

    @Option(
        name: .customLong("audit-sink"),
        help: ArgumentHelp(
            "Also ship the audit log here: `stderr` (readable lines), or an https:// collector (NDJSON, HMAC-signed with $MCP_FIREWALL_AUDIT_SINK_SECRET; http:// only to the loopback). Repeatable.",
            discussion:
                "Adds to the policy's `audit.sinks`, which sets the rest (headers, `format: lokryn`, `on_sink_failure`). Sinks read the audit file and never delay a call.",
            valueName: "stderr|URL"))
    var auditSinks: [String] = []

    @Option(
        help:
            "Seconds the audit sinks get to deliver what is pending when the session ends; the rest goes with the next run."
    )
    var auditSinkDrain: Double = 10

    @Option(help: "Seconds the server gets to exit after its stdin closes, and again after SIGTERM.")
    var gracePeriod: Double = 2

    @Flag(help: "Never prompt on the terminal (also: MCP_FIREWALL_NO_TTY=1). Confirmations are then denied.")
    var noTerminal = false

    @Option(help: "Log level on stderr: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    @Option(help: "Log line format on stderr: text, or json (one object per line; also: MCP_FIREWALL_LOG_FORMAT).")
    var logFormat: LoggingSetup.Format?

    @Option(
        help: ArgumentHelp(
            "Serve a local approval page on this loopback address (127.0.0.1:PORT or [::1]:PORT; port 0 picks a free one).",
            discussion:
                "The page's secret URL is printed on stderr (`mcp-firewall: approve calls at http://…`); whoever holds it can answer confirmations.",
            valueName: "127.0.0.1:PORT"))
    var approveWeb: String?

    @Option(
        help: ArgumentHelp(
            "URL the webhook may POST its decision to later (sent as `callback_url`; it must reach this proxy's `--approve-web` server at /webhook/callback).",
            valueName: "URL"))
    var webhookCallbackURL: String?

    @Argument(parsing: .postTerminator, help: "The MCP server command, after `--`.")
    var server: [String] = []

    func validate() throws {
        guard !server.isEmpty else {
            throw ValidationError("give the server command after `--`, e.g. `mcp-firewall proxy -- npx some-server`")
        }
        guard maxMessageBytes >= 1024 else { throw ValidationError("--max-message-bytes must be at least 1024") }
        guard auditPayloadLimit >= 0 else { throw ValidationError("--audit-payload-limit cannot be negative") }
        if let auditRotateBytes, auditRotateBytes < 1024 {
            throw ValidationError("--audit-rotate-bytes must be at least 1024")
        }
        if let auditRotateSeconds, !(auditRotateSeconds >= 1 && auditRotateSeconds.isFinite) {
            throw ValidationError("--audit-rotate-seconds must be at least 1")
        }
        guard auditCheckpointRecords > 0 else { throw ValidationError("--audit-checkpoint-records must be at least 1") }
        guard auditCheckpointSeconds > 0, auditCheckpointSeconds.isFinite else {
            throw ValidationError("--audit-checkpoint-seconds must be a positive number")
        }
        if let auditAnchor, auditAnchor.contains("://") {
            throw ValidationError(
                "--audit-anchor takes a file for now; sending checkpoints to a URL is not built yet (see the README)")
        }
        guard gracePeriod > 0, gracePeriod <= 600 else {
            throw ValidationError("--grace-period must be more than 0 and at most 600 seconds")
        }
        guard auditSinkDrain >= 0, auditSinkDrain <= 3600 else {
            throw ValidationError("--audit-sink-drain must be between 0 and 3600 seconds")
        }
        for spec in auditSinks {
            do {
                _ = try AuditSinkSettings(spec: spec)
            } catch {
                throw ValidationError("--audit-sink: \(error)")
            }
        }
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("unknown --log-level `\(logLevel)`")
        }
        if let approveWeb {
            do {
                _ = try WebApprovalAddress(parsing: approveWeb)
            } catch {
                throw ValidationError("--approve-web: \(error)")
            }
        }
    }

    func run() async throws {
        let logger = LoggingSetup.logger(
            "mcp-firewall", level: logLevel.flatMap(Logger.Level.init(rawValue:)), format: logFormat)
        let environment = ProcessInfo.processInfo.environment
        let loaded: Policy
        let environmentChoice: EnvironmentChoice
        do {
            let (policy, warnings, choice) = try PolicyFiles.load(
                paths: policy, environment: env, processEnvironment: environment)
            PolicyFiles.report(warnings)
            loaded = policy
            environmentChoice = choice
        } catch {
            PolicyFiles.report(error.diagnostics)
            StandardError.write("mcp-firewall: refusing to start: the policy has errors")
            throw ExitCode(ExitCodes.policyOrAudit)
        }
        let auditPath: String
        let signingKey: AuditSigningKey?
        do {
            auditPath = try AuditLocation.resolve(audit, environment: environment)
            signingKey = try auditSigningKey.map { path throws(AuditKeyFiles.Failure) in
                try AuditKeyFiles.signingKey(at: path)
            }
        } catch {
            StandardError.write("mcp-firewall: refusing to start: \(error)")
            throw ExitCode(ExitCodes.policyOrAudit)
        }
        var configuration = ProxyConfiguration(
            serverArgv: server, policy: loaded, auditPath: auditPath,
            environment: environmentChoice.name,
            maxMessageBytes: maxMessageBytes, auditPayloadLimit: auditPayloadLimit,
            auditSync: AuditSyncMode(rawValue: auditSync.rawValue) ?? .decisions,
            gracePeriod: .milliseconds(Int64(gracePeriod * 1000)),
            disableTerminal: noTerminal || ["1", "true", "yes"].contains(environment["MCP_FIREWALL_NO_TTY"] ?? "")
        )
        configuration.environmentSource = environmentChoice.source.rawValue
        let label = serverName ?? ServerLabel.make(argv: server)
        configuration.auditContext = AuditEvent.SessionContext(
            actorID: actor ?? environment["MCP_FIREWALL_ACTOR"].flatMap { $0.isEmpty ? nil : $0 }
                ?? TerminalApprovalChannel.userName(),
            actorType: actorType, host: Self.hostName(), component: label, environment: environmentChoice.name)
        configuration.auditSigningKey = signingKey
        configuration.auditAnchorPath = auditAnchor
        configuration.auditRotation = AuditRotation(maxBytes: auditRotateBytes, maxAge: auditRotateSeconds)
        configuration.auditCheckpoints.records = auditCheckpointRecords
        configuration.auditCheckpoints.seconds = auditCheckpointSeconds
        configuration.withheldEnvironment = ApprovalChannelSetup.withheldEnvironment(loaded.approval)
            .union(RedactionSetup.withheldEnvironment(loaded.audit.redaction))
        do {
            configuration.redactor = try RedactionSetup.redactor(loaded.audit.redaction, environment: environment)
            let sinks = try AuditSinkSetup.settings(policy: loaded.auditSinks, flags: auditSinks)
            configuration.auditSinks = try AuditSinkSetup.sinks(sinks, environment: environment, logger: logger)
            configuration.withheldEnvironment.formUnion(AuditSinkSetup.withheldEnvironment(sinks))
            configuration.auditSinkDrain = .milliseconds(Int64(auditSinkDrain * 1000))
        } catch {
            StandardError.write("mcp-firewall: refusing to start: \(error)")
            throw ExitCode(ExitCodes.policyOrAudit)
        }
        logger.info("session \(environmentChoice)", metadata: ["policy.environment": "\(environmentChoice.name)"])
        let hooks: [any ApprovalChannel]
        do {
            hooks = try ApprovalChannelSetup.hookChannels(
                loaded.approval, environment: environment, webhookCallbackURL: webhookCallbackURL)
        } catch {
            StandardError.write("mcp-firewall: refusing to start: \(error)")
            throw ExitCode(ExitCodes.policyOrAudit)
        }
        let approver = ApprovalChannelSetup.approverChannel(loaded, environment: environment, label: label)
        for note in ApprovalChannelSetup.unusable(
            loaded.approval, webEnabled: approveWeb != nil, terminalEnabled: !configuration.disableTerminal,
            approverRunning: approver?.isAvailable ?? false)
        {
            StandardError.write("mcp-firewall: note: \(note)")
        }
        let web = try approveWeb.map { address in
            WebApprovalServer(
                address: try WebApprovalAddress(parsing: address), logger: logger,
                webhookCallbacks: hooks.lazy.compactMap { $0 as? WebhookApprovalChannel }.first?.callbacks
            ) { url in
                StandardError.write("mcp-firewall: approve calls at \(url)")
            }
        }
        let terminal = TerminalApprovalChannel(disabled: configuration.disableTerminal)
        var report = ApprovalChannelReport(
            policy: loaded, terminalOpens: terminal.isAvailable, terminalDisabled: configuration.disableTerminal,
            webAddress: approveWeb)
        report.noteApprover(approver)
        logger.info("\(report.summary)")
        if let warning = report.warning { logger.warning("\(warning)") }
        let session: ProxySession
        do {
            session = try await ProxySession.open(
                configuration: configuration,
                channels: [terminal] + hooks + (approver.map { [$0] } ?? []) + (web.map { [$0.channel] } ?? []),
                logger: logger)
        } catch let error as AuditLogError {
            StandardError.write("mcp-firewall: refusing to start: \(error)")
            throw ExitCode(ExitCodes.policyOrAudit)
        } catch let error as ChildProcessError {
            StandardError.write("mcp-firewall: \(error)")
            throw ExitCode(ExitCodes.serverUnavailable)
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let web {
            // Listed first, so it stops after the session (services stop in reverse order); if it cannot
            // listen, the session is shut down and the error reported.
            services.append(
                .init(
                    service: web, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        services += session.services
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            try await group.run()
        } catch let error as WebApprovalError {
            StandardError.write("mcp-firewall: \(error)")
            throw ExitCode(ExitCodes.policyOrAudit)
        }
        switch session.outcome {
        case .serverExited(let status)?:
            StandardError.write("mcp-firewall: the MCP server exited on its own (\(status))")
        case .auditFailed(let failure)?:
            StandardError.write("mcp-firewall: \(failure); calls after the failure were denied")
        case .unattendedFailure?:
            StandardError.write(
                "mcp-firewall: a call needed confirmation and nobody answered (unattended: fail or on_timeout: fail); it was denied"
            )
        default:
            break
        }
        let code = session.outcome?.exitCode ?? ExitCodes.serverUnavailable
        if code != 0 { throw ExitCode(code) }
    }
}

extension ProxyCommand {
    /// This machine's name, as `gethostname` gives it (no DNS lookup).
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// `--audit-sync`'s values (`AuditSyncMode`'s).
enum AuditSyncChoice: String, ExpressibleByArgument, CaseIterable {
    case always, decisions, never
}

/// Where the audit log goes when `--audit` is not given, and making sure its folder exists.
enum AuditLocation {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func resolve(_ explicit: String?, environment: [String: String]) throws -> String {
        let path: String
        if let explicit {
            path = explicit
        } else {
            let state =
                environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
                ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/state")
            path = state + "/mcp-firewall/audit.jsonl"
        }
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw Failure(
                    description: "cannot create the audit log folder \(folder): \(error.localizedDescription)")
            }
        }
        return path
    }
}
