import FirewallCore
import Logging
import ServiceLifecycle

/// The MCP client on our stdin and stdout, as a service: reads its frames into the session and owns
/// the one writer of our stdout. When the client's input ends, and the session has run that end, it
/// asks for the server to be stopped; when the group tells it to stop (after the session has ended),
/// the answers still queued go out, for up to the grace period, unless the client stopped reading.
package final class StdioClientTransport: Service, Sendable {
    let writer: DescriptorWriter
    private let reader: PipeReader
    private let loop: RelaySessionLoop
    private let links: SessionLinks
    private let grace: Duration
    private let maxMessageBytes: Int
    private let logger: Logger

    init(
        writer: DescriptorWriter, reader: PipeReader, loop: RelaySessionLoop, links: SessionLinks,
        grace: Duration, maxMessageBytes: Int, logger: Logger
    ) {
        self.writer = writer
        self.reader = reader
        self.loop = loop
        self.links = links
        self.grace = grace
        self.maxMessageBytes = maxMessageBytes
        self.logger = logger
    }

    package func run() async {
        let inbox = loop.inbox
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [reader, links] in
                _ = await links.stopClientReading.valueIgnoringCancellation()
                reader.stop()
            }
            let end = await FramePump.run(
                reader, name: "mcp-firewall.client-reader", maxBytes: maxMessageBytes, loop: loop, logger: logger,
                decode: RelayStateMachine.clientInput, oversized: ClientInput.oversized
            ) { inputs, bytes in
                inbox.pushClient(.frames(inputs), bytes: bytes)
            }
            switch end {
            case .endOfFile: inbox.pushClient(.ended(.endOfFile), bytes: 0)
            case .stopped: inbox.pushClient(.ended(.stopped), bytes: 0)
            case .failed(let reason): inbox.pushClient(.ended(.failed(reason)), bytes: 0)
            }
            links.clientEndPushed.fulfil(())
            links.stopClientReading.fulfil(())
            // Ends are pushed from the pool: the loop's thread runs them. Every frame the client sent is
            // decided (and its forward queued) before the server's stdin is closed.
            inbox.wakeServing()
            _ = await ChildProcess.wait(loop.clientEndRun, upTo: grace)
            links.stopServer.fulfil(())
        }
        try? await gracefulShutdown()
        // The answers to what was outstanding go out before we exit, unless the client stopped reading.
        writer.finish()
        _ = await writer.ended(upTo: grace)
    }
}
