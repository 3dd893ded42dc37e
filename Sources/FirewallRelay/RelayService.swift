import FirewallCore
import ServiceLifecycle

/// The session itself as a service: runs its state machine's executor until the machine ends the
/// session, then returns, which shuts the rest of the group down (in reverse order: the upstream,
/// the client transport, the approval channels, the web page, the audit log).
///
/// Asked to shut down (SIGTERM, SIGINT, or another service failing), it tells the machine why, stops
/// reading the client and stops the server; the session ends when the server has gone and what was
/// outstanding is answered.
package final class RelayService: Service, Sendable {
    let loop: RelaySessionLoop
    private let links: SessionLinks
    private let endingBox = LockedValue<SessionEnding?>(nil)

    init(loop: RelaySessionLoop, links: SessionLinks) {
        self.loop = loop
        self.links = links
    }

    /// How the session ended; set when `run()` returns.
    package var ending: SessionEnding? { endingBox.withLock { $0 } }

    package func run() async {
        let ending = await withGracefulShutdownHandler {
            await loop.run()
        } onGracefulShutdown: { [loop, links] in
            loop.inbox.post(.shutdownRequested)
            links.stopClientReading.fulfil(())
            links.stopServer.fulfil(())
        }
        endingBox.withLock { $0 = ending }
    }
}
