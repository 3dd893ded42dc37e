import FirewallCore
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The MCP server as a child process, as a service: reads its stdout into the session, owns the one
/// writer of its stdin, and when it exits, lets its last words through, stops the client side and
/// tells the session. It stops the server when the session asks (the client's end has been run, or a
/// shutdown was requested): what is queued for it goes first, then its stdin closes, then SIGTERM and
/// SIGKILL after the grace period each.
///
/// It returns only when the group tells it to, after the session has ended: services stop in order.
package final class ChildUpstream: Service, Sendable {
    private let child: ChildProcess
    let writer: DescriptorWriter
    private let reader: PipeReader
    private let loop: RelaySessionLoop
    private let links: SessionLinks
    private let grace: Duration
    private let maxMessageBytes: Int
    private let logger: Logger

    init(
        child: ChildProcess, writer: DescriptorWriter, reader: PipeReader, loop: RelaySessionLoop,
        links: SessionLinks, grace: Duration, maxMessageBytes: Int, logger: Logger
    ) {
        self.child = child
        self.writer = writer
        self.reader = reader
        self.loop = loop
        self.links = links
        self.grace = grace
        self.maxMessageBytes = maxMessageBytes
        self.logger = logger
    }

    package func run() async {
        let drained = OneShot<Void>()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                _ = await FramePump.run(
                    reader, name: "mcp-firewall.server-reader", maxBytes: maxMessageBytes, loop: loop, logger: logger,
                    decode: RelayStateMachine.serverInput, oversized: ServerInput.oversized
                ) { [inbox = loop.inbox] inputs, bytes in
                    inbox.pushServer(.frames(inputs), bytes: bytes)
                }
                drained.fulfil(())
            }
            group.addTask { [self] in
                _ = await links.stopServer.valueIgnoringCancellation()
                await stopServer()
            }
            let status = await child.termination() ?? .signaled(SIGKILL)
            // Let the server's last words through before answering what is left.
            if await ChildProcess.wait(drained, upTo: .seconds(2)) == nil { reader.stop() }
            _ = await drained.valueIgnoringCancellation()
            // No client frame may follow the session's end: stop reading the client first, and let what
            // it read go ahead of the exit (arrival order).
            links.stopClientReading.fulfil(())
            _ = await ChildProcess.wait(links.clientEndPushed, upTo: .seconds(2))
            // After its last frames, in the same lane: the machine answers what is left, and ends.
            loop.inbox.pushServer(.exited(status.description), bytes: 0)
            loop.inbox.wakeServing()
            links.stopServer.fulfil(())
        }
        try? await gracefulShutdown()
    }

    /// Lets the server read what is queued for it, then closes its stdin and stops it.
    private func stopServer() async {
        writer.finish()
        if await writer.ended(upTo: grace) == nil { writer.stop() }
        _ = await writer.ended()
        _ = await child.shutDown(grace: grace)
    }
}
