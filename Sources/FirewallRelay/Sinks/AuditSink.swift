import FirewallCore

/// Somewhere the audit log is shipped besides its file: stderr, an HTTP collector, and later
/// OpenTelemetry and syslog.
///
/// A sink only delivers: its runner (`AuditSinkRunner`) reads the complete lines the writer made
/// durable, from the sink's cursor, in bounded batches, hands each batch to `deliver`, retries with
/// backoff as the answer says, and moves the cursor on. The bytes of `batch` are the log's exact lines;
/// a sink that ships them as they are (NDJSON) keeps every hash in them verifiable, one that maps
/// them (lokryn, OTLP spans, syslog frames) reads them without changing the file.
package protocol AuditSink: Sendable {
    /// Names the sink in logs and in the denial of calls while it fails.
    var name: String { get }

    /// Tries to deliver `batch` once. Must return promptly when the task is cancelled (the drain
    /// deadline), and must not block a pool thread (blocking writes go to a `BlockingWorker`).
    func deliver(_ batch: AuditLineBatch) async -> AuditSinkDelivery

    /// Releases what the sink holds (connections, clients) once its runner is done with it.
    func finish() async
}

extension AuditSink {
    package func finish() async {}
}

/// A sink and how the policy or the command line set it up, as the proxy is given it.
package struct ConfiguredAuditSink: Sendable {
    package var sink: any AuditSink
    package var settings: AuditSinkSettings

    package init(sink: any AuditSink, settings: AuditSinkSettings) {
        self.sink = sink
        self.settings = settings
    }
}
