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
        var client: [(ClientItem, Int)] = []
        var server: [(ServerItem, Int)] = []
        var control: [RelayEvent] = []
        var clientBytes = 0
        var serverBytes = 0
        var serverWriterBackedUp = false
        var clientWriterBackedUp = false
        var draining = false
        var waiter: CheckedContinuation<Void, Never>?

        var takesClient: Bool { draining || (!serverWriterBackedUp && !clientWriterBackedUp) }
        var takesServer: Bool { draining || !clientWriterBackedUp }
        var hasWork: Bool {
            !control.isEmpty || (takesClient && !client.isEmpty) || (takesServer && !server.isEmpty)
        }
    }

    private let state = Mutex(State())
    /// Readers waiting for room in their lane.
    private let room = NSCondition()
    private let laneBytes: Int

    package init(laneBytes: Int = 4 << 20) {
        self.laneBytes = laneBytes
    }

    /// Queues what the client reader read; waits (on the reader's thread) while the lane is full.
    package func pushClient(_ item: ClientItem, bytes: Int) {
        waitForRoom { $0.clientBytes }
        wake {
            $0.client.append((item, bytes))
            $0.clientBytes += bytes
        }
    }

    /// Queues what the server reader read; waits (on the reader's thread) while the lane is full.
    package func pushServer(_ item: ServerItem, bytes: Int) {
        waitForRoom { $0.serverBytes }
        wake {
            $0.server.append((item, bytes))
            $0.serverBytes += bytes
        }
    }

    /// Queues a control event; never blocks.
    package func post(_ event: RelayEvent) {
        wake {
            if case .shutdownRequested = event { $0.draining = true }
            $0.control.append(event)
        }
        // A drain lifts every lane's cap.
        if case .shutdownRequested = event { signalRoom() }
    }

    /// The server's writer is (or is no longer) backed up.
    package func serverWriterBackedUp(_ backedUp: Bool) {
        wake { $0.serverWriterBackedUp = backedUp }
    }

    /// The client's writer is (or is no longer) backed up.
    package func clientWriterBackedUp(_ backedUp: Bool) {
        wake { $0.clientWriterBackedUp = backedUp }
    }

    /// Waits until something can be taken, then takes all of it: control events first, then the lanes
    /// that are not paused, each in order. Only the session's loop calls this.
    package func take() async -> [RelayEvent] {
        while true {
            let events = state.withLock { state -> [RelayEvent]? in
                guard state.hasWork else { return nil }
                var events = state.control
                state.control.removeAll()
                if state.takesServer {
                    events += state.server.map { item, _ in
                        switch item {
                        case .frames(let inputs): RelayEvent.serverFrames(inputs)
                        case .exited(let termination): RelayEvent.serverExited(termination: termination)
                        }
                    }
                    state.server.removeAll()
                    state.serverBytes = 0
                }
                if state.takesClient {
                    events += state.client.map { item, _ in
                        switch item {
                        case .frames(let inputs): RelayEvent.clientFrames(inputs)
                        case .ended(let end): RelayEvent.clientEnded(end)
                        }
                    }
                    state.client.removeAll()
                    state.clientBytes = 0
                }
                return events
            }
            if let events {
                signalRoom()
                return events
            }
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    if state.hasWork { return true }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
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

    /// Changes the state and resumes the loop if it waits and now has work.
    private func wake(_ change: (inout State) -> Void) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            change(&state)
            guard state.hasWork, let waiter = state.waiter else { return nil }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }
}
