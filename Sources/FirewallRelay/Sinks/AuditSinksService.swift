import FirewallCore
import Logging
import ServiceLifecycle

/// Every sink of one audit log, as one service: each runner ships on its own; when the group shuts
/// down (after the session's services, so its last records are written) they get `drain` to deliver
/// what is pending, all at once, and then are stopped. What is left goes with the next run, from
/// the cursors.
package final class AuditSinksService: Service, Sendable {
    package let runners: [AuditSinkRunner]
    private let writer: AuditWriter
    private let durable: AuditDurableOffset
    private let drain: Duration
    private let logger: Logger

    private init(
        runners: [AuditSinkRunner], writer: AuditWriter, durable: AuditDurableOffset, drain: Duration, logger: Logger
    ) {
        self.runners = runners
        self.writer = writer
        self.durable = durable
        self.drain = drain
        self.logger = logger
    }

    /// Sets up `sinks` on `writer`'s log before anything is written to it in this run: the writer's
    /// announcements are observed from here on, and each sink's start is worked out. Throws what keeps
    /// a sink from working (an unreadable cursor, a log replaced while opening).
    package static func open(
        _ sinks: [ConfiguredAuditSink], writer: AuditWriter, logPath: String,
        drain: Duration, health: AuditSinkHealth?, backoff: AuditSinkBackoff = AuditSinkBackoff(), logger: Logger
    ) async throws(AuditSinkError) -> AuditSinksService {
        let worker = BlockingWorker(name: "mcp-firewall.sinks-open")
        let size = await worker.run { (try? AuditLogFile(path: logPath))?.size() ?? 0 }
        worker.close()
        let durable = AuditDurableOffset(file: writer.fileIdentity, offset: size)
        writer.observeDurable { file, offset in durable.advance(file: file, to: offset) }
        var runners: [AuditSinkRunner] = []
        for configured in sinks {
            let settings = configured.settings
            let runner = AuditSinkRunner(
                sink: configured.sink, settings: settings, logPath: logPath, durable: durable, health: health,
                backoff: backoff,
                logger: logger)
            do {
                try await runner.prepare(writer: writer.fileIdentity)
            } catch {
                for prepared in runners { prepared.discard() }
                throw AuditSinkError("audit sink `\(settings.name)`: \(error)")
            }
            runners.append(runner)
        }
        return AuditSinksService(runners: runners, writer: writer, durable: durable, drain: drain, logger: logger)
    }

    /// Releases the runners of a session that never started; what this run wrote goes with the next.
    package func discard() {
        for runner in runners { runner.discard() }
    }

    /// Waits until everything queued on the writer is written, then tells the runners that nothing
    /// more comes: each returns once it has delivered what is there. At shutdown every record of the
    /// session is queued.
    package func writerFinished() async {
        _ = await writer.durable(writer.issuedTicket)
        durable.finish()
    }

    package func run() async {
        await withTaskGroup(of: Void.self) { group in
            let shipped = OneShot<Void>()
            group.addTask { [runners] in
                await withTaskGroup(of: Void.self) { each in
                    for runner in runners { each.addTask { await runner.run() } }
                }
                shipped.fulfil(())
            }
            do {
                try await gracefulShutdown()
            } catch {
                group.cancelAll()
                return
            }
            await writerFinished()
            let inTime = await withTaskGroup(of: Bool.self) { race in
                race.addTask { await shipped.value() != nil }
                race.addTask { [drain] in (try? await Task.sleep(for: drain)) == nil }
                let first = await race.next() ?? true
                race.cancelAll()
                return first
            }
            if !inTime {
                logger.notice("audit sinks did not deliver everything within the drain time; stopping them")
                group.cancelAll()
            }
        }
    }
}
