import ArgumentParser
import FirewallCore
import Foundation
import Logging

/// Exit codes shared by every command.
package enum ExitCodes {
    package static let success: Int32 = 0
    /// A policy or audit problem: bad policy file, audit log unwritable.
    package static let policyOrAudit: Int32 = 1
    /// Wrong command-line usage.
    package static let usage: Int32 = 64
    /// The MCP server could not be started or exited on its own.
    package static let serverUnavailable: Int32 = 69
    /// The audit log failed during a session.
    package static let auditFailed: Int32 = 74
    /// A call needed confirmation, nobody could answer, and the policy says `unattended: fail`.
    package static let unattendedFailure: Int32 = 75
}

/// Process-wide logging set-up: everything goes to stderr, because stdout is the protocol channel.
enum LoggingSetup {
    /// How log lines look on stderr.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        /// swift-log's stream format, for people.
        case text
        /// One JSON object per line, for log shippers (`JSONLogHandler`).
        case json
    }

    private static let format = LockedValue<Format?>(nil)
    private static let once: Void = {
        let environment = ProcessInfo.processInfo.environment
        let level = environment["MCP_FIREWALL_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let chosen = format.withLock { $0 } ?? environment["MCP_FIREWALL_LOG_FORMAT"].flatMap(Format.init) ?? .text
        LoggingSystem.bootstrap { label in
            switch chosen {
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            case .json:
                StandardError.jsonLabel.withLock { $0 = $0 ?? label }
                return JSONLogHandler(label: label, logLevel: level)
            }
        }
    }()

    /// A logger writing to stderr at `level` (or `MCP_FIREWALL_LOG_LEVEL`, default info), in `format`
    /// (or `MCP_FIREWALL_LOG_FORMAT`, default text). The first call sets the format for the process.
    static func logger(_ label: String, level: Logger.Level? = nil, format: Format? = nil) -> Logger {
        if let format { Self.format.withLock { $0 = $0 ?? format } }
        _ = once
        var logger = Logger(label: label)
        if let level { logger.logLevel = level }
        return logger
    }
}

/// Reading policy files from disk and reporting their diagnostics.
enum PolicyFiles {
    /// Loads `path`, or the built-in default when `path` is nil.
    static func load(_ path: String?) throws(PolicyError) -> (policy: Policy, warnings: [PolicyDiagnostic]) {
        try load(paths: path.map { [$0] } ?? [])
    }

    /// Loads the layers `paths` (and what they extend), or the built-in default when `paths` is empty.
    static func load(paths: [String]) throws(PolicyError) -> (policy: Policy, warnings: [PolicyDiagnostic]) {
        guard !paths.isEmpty else {
            return try PolicyLoader.load(text: BuiltinPolicies.defaultPolicy, path: "<built-in default>")
        }
        return try PolicyLoader.load(paths: paths) { path in
            FileManager.default.contents(atPath: path).flatMap { String(data: $0, encoding: .utf8) }
        }
    }

    /// Loads `paths` and applies the environment in force: `explicit` (a flag), else
    /// `$MCP_FIREWALL_ENV`, else `ci` when `$CI` is set and the policy defines `ci`.
    static func load(
        paths: [String], environment explicit: String?, processEnvironment: [String: String]
    ) throws(PolicyError) -> (policy: Policy, warnings: [PolicyDiagnostic], environment: EnvironmentChoice) {
        let (policy, warnings) = try load(paths: paths)
        let (resolved, choice) = try EnvironmentChoice.resolve(
            policy, flag: explicit, variable: processEnvironment["MCP_FIREWALL_ENV"],
            inCI: processEnvironment["CI"].map { !$0.isEmpty } == true)
        return (resolved, warnings, choice)
    }

    /// Prints diagnostics to stderr, one per line.
    static func report(_ diagnostics: [PolicyDiagnostic]) {
        for diagnostic in diagnostics { StandardError.write(diagnostic.description) }
    }
}

/// Writes lines to stderr without buffering (stdout may be the protocol channel).
enum StandardError {
    /// Set under `--log-format json`: every line then goes out as a JSON log record of this label, so a
    /// log shipper reads the proxy's stderr as one format.
    static let jsonLabel = LockedValue<String?>(nil)

    static func write(_ line: String) {
        if let label = jsonLabel.withLock({ $0 }) {
            JSONLogHandler.write(label: label, level: .notice, message: line, source: "FirewallCLI", metadata: [:])
            return
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
