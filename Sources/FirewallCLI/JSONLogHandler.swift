import FirewallCore
import Foundation
import Logging

/// Logs as one JSON object per line on stderr (`--log-format json`), for log shippers:
/// `{"ts":"2026-12-07T23:52:10.118201Z","level":"info","label":"mcp-firewall","message":"…","source":"FirewallRelay","metadata":{…}}`.
///
/// Each line goes out in one write, without a lock: up to `PIPE_BUF` bytes that is atomic on a pipe,
/// so lines from several threads never mix; a longer line could, rarely, interleave with another.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        Self.write(
            label: label, level: event.level, message: event.message.description, source: event.source,
            metadata: metadata.merging(event.metadata ?? [:]) { $1 })
    }

    /// Writes one record.
    static func write(
        label: String, level: Logger.Level, message: String, source: String, metadata: Logger.Metadata
    ) {
        var members: [JSONValue.Member] = [
            .init("ts", .string(AuditTimestamp.format(Date().timeIntervalSince1970))),
            .init("level", .string(level.rawValue)), .init("label", .string(label)), .init("message", .string(message)),
            .init("source", .string(source)),
        ]
        if !metadata.isEmpty {
            let fields = metadata.sorted { $0.key < $1.key }.map {
                JSONValue.Member($0.key, .string($0.value.description))
            }
            members.append(.init("metadata", .object(fields)))
        }
        var writer = JSONWriter()
        writer.value(.object(members))
        writer.endLine()
        let line = writer.take()
        FileHandle.standardError.write(Data(line))
    }
}
