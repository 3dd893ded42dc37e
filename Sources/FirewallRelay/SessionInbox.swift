import FirewallCore
import Foundation
import Synchronization

/// Everything that happens to one stdio session, queued for its loop in three lanes.
///
/// The *client* and *server* lanes carry what the reader threads read, in order, ending with that
/// side's end. They are bounded: a reader pushing past `laneBytes` waits on its own thread (never
/// the cooperative pool), so it stops reading its pipe and the peer feels the back-pressure. The
/// *control* lane (approval answers, the timer, audit failures, shutdown) never blocks; it is bounded
/// by construction (held calls × channels, plus a constant).
///
/// While the server's writer is backed up the loop takes no client frames (they would feed it), and
/// while the client's writer is backed up it takes no frames at all; control events always flow, so a
/// stuck peer stalls the frames that feed it and nothing else. After a shutdown request nothing is
/// paused: the session drains to its end.
///
/// Whoever pushes may run the session too (`drain`): one thread at a time holds the right to run it,
/// and it runs until nothing takeable is left, so frames are decided on the reader thread that read
/// them, without a hand-off, while the loop's own thread stays asleep. Control events come from the
/// cooperative pool, which must never run the session (it writes the audit), so `post` wakes the
/// loop's thread instead.
package final class SessionInbox: Sendable {
    /// What one side said, in the order it said it.
    package enum ClientItem: Sendable {
        case frames([ClientInput])
        case ended(ClientEnd)
    }

    package enum ServerItem: Sendable {
        case frames([ServerInput])
        case exited(String)
    }

    private struct State {
        /// Each item with its bytes and its arrival number: the lanes are merged in arrival order, so
        /// the client's end comes before the server exit it caused.
        var client: [(item: ClientItem, bytes: Int, order: UInt64)] = []
        var server: [(item: ServerItem, bytes: Int, order: UInt64)] = []
        var arrivals: UInt64 = 0
        var control: [RelayEvent] = []
        var clientBytes = 0
        var serverBytes = 0
        var serverWriterBackedUp = false
        var clientWriterBackedUp = false
        var draining = false
        /// A thread is running the session (`drain`).
        var running = false
        /// The loop's thread sleeps on `ready` and needs a signal.
        var loopWaiting = false
        /// The session ended: the loop's thread returns.
        var served = false

        var takesClient: Bool { draining || (!serverWriterBackedUp && !clientWriterBackedUp) }
        var takesServer: Bool { draining || !clientWriterBackedUp }
        var hasWork: Bool {
            !control.isEmpty || (takesClient && !client.isEmpty) || (takesServer && !server.isEmpty)
        }

        /// Everything takeable: control events first, then the unpaused lanes in arrival order.
        mutating func takeAll() -> [RelayEvent]? {
            guard hasWork else { return nil }
            var events = control
            control.removeAll()
            let server = takesServer ? self.server : []
            let client = takesClient ? self.client : []
            if takesServer {
                self.server.removeAll()
                serverBytes = 0
            }
            if takesClient {
                self.client.removeAll()
                clientBytes = 0
            }
            var (s, c) = (server.startIndex, client.startIndex)
            while s < server.endIndex || c < client.endIndex {
                if c == client.endIndex || (s < server.endIndex && server[s].order < client[c].order) {
                    switch server[s].item {
                    case .frames(let inputs): events.append(.serverFrames(inputs))
                    case .exited(let termination): events.append(.serverExited(termination: termination))
                    }
                    s += 1
                } else {
                    switch client[c].item {
                    case .frames(let inputs): events.append(.clientFrames(inputs))
                    case .ended(let end): events.append(.clientEnded(end))
                    }
                    c += 1
                }
            }
            return events
        }
    }

    private let state = Mutex(State())
    /// The loop's thread waits on it for work nobody else will run.
    private let ready = NSCondition()
    /// Readers waiting for room in their lane.
    private let room = NSCondition()
    private let laneBytes: Int

    package init(laneBytes: Int = 4 << 20) {
        self.laneBytes = laneBytes
    }

    /// Queues what the client reader read; waits (on the reader's thread) while the lane is full.
    /// The reader then runs the session itself (`drain`).
    package func pushClient(_ item: ClientItem, bytes: Int) {
        // An end (no bytes) never waits: it is pushed from the pool.
        if bytes > 0 { waitForRoom { $0.clientBytes } }
        state.withLock {
            $0.arrivals += 1
            $0.client.append((item, bytes, $0.arrivals))
            $0.clientBytes += bytes
        }
    }

    /// Queues what the server reader read; waits (on the reader's thread) while the lane is full.
    package func pushServer(_ item: ServerItem, bytes: Int) {
        if bytes > 0 { waitForRoom { $0.serverBytes } }
        let exited = state.withLock { state -> Bool in
            state.arrivals += 1
            state.server.append((item, bytes, state.arrivals))
            state.serverBytes += bytes
            // The server is gone: nothing is paused any more, so the session reaches its end even if
            // the client stopped reading.
            guard case .exited = item else { return false }
            state.draining = true
            return true
        }
        if exited { signalRoom() }
    }

    /// Queues a control event and wakes the loop's thread; never blocks.
    package func post(_ event: RelayEvent) {
        wakeLoop {
            if case .shutdownRequested = event { $0.draining = true }
            $0.control.append(event)
        }
        // A drain lifts every lane's cap.
        if case .shutdownRequested = event { signalRoom() }
    }

    /// The server's writer is (or is no longer) backed up.
    package func serverWriterBackedUp(_ backedUp: Bool) {
        wakeLoop { $0.serverWriterBackedUp = backedUp }
    }

    /// The client's writer is (or is no longer) backed up.
    package func clientWriterBackedUp(_ backedUp: Bool) {
        wakeLoop { $0.clientWriterBackedUp = backedUp }
    }

    /// Runs `process` on everything takeable, on the calling thread, until nothing is left; returns at
    /// once if another thread is running the session (it takes what this one queued). Never call it
    /// on the cooperative pool: `process` writes the audit log.
    package func drain(_ process: ([RelayEvent]) -> Void) {
        let claimed = state.withLock { state -> Bool in
            guard !state.running, state.hasWork else { return false }
            state.running = true
            return true
        }
        guard claimed else { return }
        while true {
            let events = state.withLock { state -> [RelayEvent]? in
                if let events = state.takeAll() { return events }
                state.running = false
                return nil
            }
            guard let events else { return }
            signalRoom()
            process(events)
        }
    }

    /// The loop's thread: sleeps until there is work nobody is running, runs it, until `finished`.
    package func serve(_ process: ([RelayEvent]) -> Void) {
        while true {
            ready.lock()
            var served = false
            while !state.withLock({ state -> Bool in
                served = state.served
                let runnable = state.served || (state.hasWork && !state.running)
                state.loopWaiting = !runnable
                return runnable
            }) {
                ready.wait()
            }
            ready.unlock()
            if served { return }
            drain(process)
        }
    }

    /// Wakes the loop's thread for what was pushed from a thread that must not run the session itself
    /// (a side's end, pushed from the pool).
    package func wakeServing() {
        wakeLoop { _ in }
    }

    /// The session ended: the loop's thread stops serving (frames pushed later are still run by
    /// whoever pushes them).
    package func endServing() {
        state.withLock {
            $0.served = true
            $0.loopWaiting = false
        }
        ready.lock()
        ready.signal()
        ready.unlock()
    }

    /// Wakes the readers waiting for room (a brief lock, no syscall held across it).
    private func signalRoom() {
        room.lock()
        room.broadcast()
        room.unlock()
    }

    private func waitForRoom(_ bytes: (State) -> Int) {
        room.lock()
        while state.withLock({ bytes($0) > 0 && bytes($0) >= laneBytes && !$0.draining }) { room.wait() }
        room.unlock()
    }

    /// Changes the state and wakes the loop's thread if it sleeps and there is now work nobody runs.
    private func wakeLoop(_ change: (inout State) -> Void) {
        let signal = state.withLock { state -> Bool in
            change(&state)
            guard state.loopWaiting, state.hasWork, !state.running else { return false }
            state.loopWaiting = false
            return true
        }
        guard signal else { return }
        ready.lock()
        ready.signal()
        ready.unlock()
    }
}
