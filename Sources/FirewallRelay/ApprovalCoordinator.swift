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

/// Runs approval requests concurrently with the relay: each job races its channels against its
/// timeout and its withdrawal, and the first to finish decides; the losers are cancelled (a prompt
/// is taken down, a question to the client is withdrawn).
package final class ApprovalCoordinator: Sendable {
    /// One held call waiting for an answer.
    package struct Job: Sendable {
        package var request: ApprovalRequest
        /// Asked at once; the first answer wins. One channel unless the policy says `race: true`.
        package var channels: [any ApprovalChannel]
        package var timeout: Duration
        /// Fulfilled with a reason when the call is withdrawn (client cancelled, server gone).
        package var withdrawal: OneShot<Withdrawal>
        /// Called once with the answer, and the withdrawal when that is what ended the wait.
        package var completion: @Sendable (ApprovalResponse, Withdrawal?) -> Void

        package init(
            request: ApprovalRequest, channels: [any ApprovalChannel], timeout: Duration,
            withdrawal: OneShot<Withdrawal>, completion: @escaping @Sendable (ApprovalResponse, Withdrawal?) -> Void
        ) {
            self.request = request
            self.channels = channels
            self.timeout = timeout
            self.withdrawal = withdrawal
            self.completion = completion
        }
    }

    /// The channels the proxy runs itself (terminal, web, hooks), in no particular order.
    package let channels: [any ApprovalChannel]
    private let jobs: AsyncStream<Job>
    private let submissions: AsyncStream<Job>.Continuation

    package init(channels: [any ApprovalChannel]) {
        self.channels = channels
        // The relay caps held calls before submitting, so this buffer is bounded by that cap.
        (jobs, submissions) = AsyncStream<Job>.makeStream(bufferingPolicy: .unbounded)
    }

    /// The available channel named `name`, if any.
    package func channel(named name: String) -> (any ApprovalChannel)? {
        channels.first { $0.name == name && $0.isAvailable }
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
                group.addTask {
                    let (response, withdrawal) = await Self.process(job)
                    job.completion(response, withdrawal)
                }
            }
        }
    }

    private enum Event: Sendable {
        case answer(ApprovalResponse)
        case timedOut
        case withdrawn(Withdrawal)
    }

    static func process(_ job: Job) async -> (ApprovalResponse, Withdrawal?) {
        let names = job.channels.map(\.name).joined(separator: "+")
        return await withTaskGroup(of: Event?.self) { group in
            for channel in job.channels {
                group.addTask { .answer(await channel.requestApproval(job.request)) }
            }
            group.addTask {
                guard (try? await Task.sleep(for: job.timeout)) != nil else { return nil }
                return .timedOut
            }
            group.addTask { await job.withdrawal.value().map(Event.withdrawn) }
            var failures: [ApprovalResponse] = []
            var result: (ApprovalResponse, Withdrawal?)?
            while result == nil, let next = await group.next() {
                switch next {
                case .answer(let response) where response.outcome == .unattended:
                    // A channel that could not reach anyone loses the race, unless every channel failed.
                    failures.append(response)
                    if failures.count == job.channels.count { result = (Self.combined(failures), nil) }
                case .answer(let response):
                    result = (response, nil)
                case .timedOut:
                    result = (
                        ApprovalResponse(
                            outcome: .timeout, approver: Approver(kind: .policy, channel: names),
                            detail: "no answer within \(DurationText.describe(job.timeout))"), nil
                    )
                case .withdrawn(let withdrawal):
                    result = (
                        ApprovalResponse(
                            outcome: .cancelled,
                            approver: Approver(kind: withdrawal.byClient ? .client : .policy, channel: names),
                            detail: withdrawal.reason), withdrawal
                    )
                case nil:
                    continue
                }
            }
            group.cancelAll()
            return result
                ?? (
                    ApprovalResponse(
                        outcome: .cancelled, approver: Approver(kind: .policy, channel: names),
                        detail: "approval interrupted"), nil
                )
        }
    }

    /// One response standing for several channels that all failed.
    private static func combined(_ failures: [ApprovalResponse]) -> ApprovalResponse {
        guard failures.count > 1 else { return failures[0] }
        return ApprovalResponse(
            outcome: .unattended,
            approver: Approver(kind: .policy, channel: failures.map(\.approver.channel).joined(separator: "+")),
            detail: failures.map(\.detail).joined(separator: "; "))
    }
}
