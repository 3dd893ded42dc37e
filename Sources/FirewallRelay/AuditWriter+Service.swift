import ServiceLifecycle
import UnixSignals

/// The audit writer as a service: it outlives every session on its file. Listed first in a group, it
/// is told to stop last, when nothing is left to record; then it writes what is queued, forces it to
/// stable storage and closes the file.
extension AuditWriter: Service {
    package func run() async {
        try? await gracefulShutdown()
        await sync()
        await close()
    }
}

/// The anchor's writer as a service (none when there is no anchor): it stops with the audit log.
struct AnchorService: Service {
    let anchor: AuditWriter?

    func run() async {
        if let anchor { await anchor.run() } else { try? await gracefulShutdown() }
    }
}

/// Reopens the audit log on SIGHUP, as external log rotators (logrotate's `postrotate`) expect: the
/// session writes a `rotation` record into the moved file and goes on in a new one at the same path.
struct AuditReopenService: Service {
    let loop: RelaySessionLoop

    func run() async {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() { loop.requestAuditReopen() }
    }
}
