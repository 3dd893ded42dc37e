import FirewallCore
import ServiceLifecycle
import Synchronization

/// Runs the external approval channels (terminal, web page, hooks) for held calls, concurrently with
/// the relay. It decides nothing: each channel's answer goes back to the session as an event, and the
/// session's state machine decides (the first answer, the race, the timeout); it only starts the
/// channels and takes them down when the session withdraws the call.
///
/// As a service it runs until the group tells it to stop, which comes after the session has ended
/// (and withdrawn what it held); it returns once the channels still running have finished.
package final class ApprovalCoordinator: Service, Sendable {
    /// The channels to ask about one held call, and where their answers go.
    private struct Job: Sendable {
        var request: ApprovalRequest
        var channels: [any ApprovalChannel]
        var withdrawal: OneShot<Void>
        var answer: @Sendable (_ channel: String, _ response: ApprovalResponse) -> Void
    }

    /// The channels the proxy runs itself (terminal, web, hooks), in no particular order.
    package let channels: [any ApprovalChannel]
    private let jobs: AsyncStream<Job>
    private let submissions: AsyncStream<Job>.Continuation
    /// Running jobs by approval id, to withdraw them.
    private let running = Mutex<[String: OneShot<Void>]>([:])

    package init(channels: [any ApprovalChannel]) {
        self.channels = channels
        // The relay caps held calls before starting them, so this buffer is bounded by that cap.
        (jobs, submissions) = AsyncStream<Job>.makeStream(bufferingPolicy: .unbounded)
    }

    /// The channel named `name`, if it is available or may become so.
    package func channel(named name: String) -> (any ApprovalChannel)? {
        channels.first { $0.name == name && ($0.isAvailable || $0.mayBecomeAvailable) }
    }

    /// The names of the channels that can reach someone.
    package var availableChannels: Set<String> { Set(channels.filter(\.isAvailable).map(\.name)) }

    /// The names of the channels that cannot reach anyone now but may later (the approver).
    package var laterChannels: Set<String> {
        Set(channels.filter { !$0.isAvailable && $0.mayBecomeAvailable }.map(\.name))
    }

    /// Asks the named channels about a held call; each answer is handed to `answer` as it comes.
    /// Returns at once.
    package func start(
        _ start: ApprovalStart, answer: @escaping @Sendable (_ channel: String, _ response: ApprovalResponse) -> Void
    ) {
        let withdrawal = OneShot<Void>()
        running.withLock { $0[start.request.id] = withdrawal }
        submissions.yield(
            Job(
                request: start.request, channels: start.channels.compactMap { channel(named: $0) },
                withdrawal: withdrawal, answer: answer))
    }

    /// Takes a call off its channels (the prompt comes down, the page forgets it); their tasks are
    /// cancelled and whatever they answer then is ignored by the session.
    package func withdraw(approvalID: String) {
        running.withLock { $0.removeValue(forKey: approvalID) }?.fulfil(())
    }

    /// Stops accepting jobs; `run` returns once the running ones finish.
    package func finish() {
        submissions.finish()
    }

    /// Processes jobs until `finish()` or a graceful shutdown; each job runs as a child task.
    package func run() async {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await job in jobs {
                    group.addTask { await Self.process(job) }
                }
            }
        } onGracefulShutdown: { [self] in
            finish()
        }
    }

    private static func process(_ job: Job) async {
        await withTaskGroup(of: Bool.self) { group in
            for channel in job.channels {
                group.addTask {
                    job.answer(channel.name, await channel.requestApproval(job.request))
                    return false
                }
            }
            group.addTask {
                _ = await job.withdrawal.value()
                return true
            }
            var open = job.channels.count
            while open > 0, let withdrawn = await group.next() {
                if withdrawn { break }
                open -= 1
            }
            group.cancelAll()
        }
    }
}
