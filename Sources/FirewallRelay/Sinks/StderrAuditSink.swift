import FirewallCore

#if canImport(Glibc)
import Glibc
#endif

/// Prints the records of this run on stderr as they are written (`--audit-sink stderr`): one readable
/// line each (coloured when stderr is a terminal), or the exact lines (`stderr: json`).
///
/// It keeps no cursor: it is for watching a session live, and starts at this run's first record.
/// Writes go to a thread of its own; a stderr nobody reads stalls this sink only.
package final class StderrAuditSink: AuditSink {
    package let name: String
    private let format: AuditSinkSettings.StderrFormat
    private let formatter: AuditLineFormatter
    private let fd: Int32
    private let worker: BlockingWorker

    /// `fd` is stderr unless a test says otherwise; colour only when it is a terminal.
    package init(name: String = "stderr", format: AuditSinkSettings.StderrFormat, fd: Int32 = 2) {
        self.name = name
        self.format = format
        self.fd = fd
        self.formatter = AuditLineFormatter(colour: isatty(fd) == 1 && format == .text)
        self.worker = BlockingWorker(name: "mcp-firewall.sink-stderr")
    }

    deinit { worker.close() }

    package func deliver(_ batch: AuditLineBatch) async -> AuditSinkDelivery {
        let bytes: [UInt8]
        switch format {
        case .json:
            bytes = batch.bytes
        case .text:
            bytes = batch.lines.flatMap { Array(formatter.format($0).utf8) + [0x0A] }
        }
        let failure = await worker.run { [fd] in bytes.withUnsafeBytes { Posix.writeAll(fd, $0) } }
        guard let failure else { return .delivered }
        return .retry(reason: "cannot write to stderr: \(failure)", after: nil)
    }
}
