import FirewallCore

/// Why a held call stopped waiting before anyone answered.
package struct Withdrawal: Sendable {
    package var reason: String
    /// True when the client withdrew it (cancelled, disconnected): it then expects no answer.
    package var byClient: Bool

    package init(reason: String, byClient: Bool) {
        self.reason = reason
        self.byClient = byClient
    }
}

/// Runs approval requests concurrently with the relay: each job races its channel against its
/// timeout and its withdrawal, and the first to finish decides.
package final class ApprovalCoordinator: Sendable {
    /// One held call waiting for an answer.
    package struct Job: Sendable {
        package var request: ApprovalRequest
        package var channel: any ApprovalChannel
        package var timeout: Duration
        /// Fulfilled with a reason when the call is withdrawn (client cancelled, server gone).
        package var withdrawal: OneShot<Withdrawal>
        package var completion: @Sendable (ApprovalResponse) -> Void
    }

    package let channels: [any ApprovalChannel]
    private let jobs: AsyncStream<Job>
    private let submissions: AsyncStream<Job>.Continuation

    package init(channels: [any ApprovalChannel]) {
        self.channels = channels
        // The relay caps held calls before submitting, so this buffer is bounded by that cap.
        (jobs, submissions) = AsyncStream<Job>.makeStream(bufferingPolicy: .unbounded)
    }

    /// The first channel that can reach someone now, if any.
    package var availableChannel: (any ApprovalChannel)? {
        channels.first { $0.isAvailable }
    }

    /// Queues a job; it starts at once.
    package func submit(_ job: Job) {
        submissions.yield(job)
    }

    /// Stops accepting jobs; `run` returns once the running ones finish.
    package func finish() {
        submissions.finish()
    }

    /// Processes jobs until `finish()`; each job runs as a child task.
    package func run() async {
        await withDiscardingTaskGroup { group in
            for await job in jobs {
                group.addTask { job.completion(await Self.process(job)) }
            }
        }
    }

    static func process(_ job: Job) async -> ApprovalResponse {
        let channelName = job.channel.name
        return await withTaskGroup(of: ApprovalResponse?.self) { group in
            group.addTask { await job.channel.requestApproval(job.request) }
            group.addTask {
                guard (try? await Task.sleep(for: job.timeout)) != nil else { return nil }
                return ApprovalResponse(
                    outcome: .timeout, approver: Approver(kind: .policy, channel: channelName),
                    detail: "no answer within \(Self.describe(job.timeout))"
                )
            }
            group.addTask {
                guard let withdrawal = await job.withdrawal.value() else { return nil }
                return ApprovalResponse(
                    outcome: .cancelled,
                    approver: Approver(kind: withdrawal.byClient ? .client : .policy, channel: channelName),
                    detail: withdrawal.reason)
            }
            var first: ApprovalResponse?
            while first == nil, let next = await group.next() { first = next }
            group.cancelAll()
            return first
                ?? ApprovalResponse(
                    outcome: .cancelled, approver: Approver(kind: .policy, channel: channelName),
                    detail: "approval interrupted")
        }
    }

    static func describe(_ duration: Duration) -> String {
        let millis = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return millis % 1000 == 0 ? "\(millis / 1000) s" : "\(millis) ms"
    }
}
