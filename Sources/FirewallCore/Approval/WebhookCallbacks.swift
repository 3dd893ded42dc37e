import Synchronization

/// The approvals waiting for a webhook's callback (after it answered `202 Accepted`), by approval id.
///
/// An HTTP route hands every callback to `deliver`, which checks it like the request was signed: the
/// HMAC over `"<timestamp>.<body>"` with the shared secret, a timestamp within five minutes of now,
/// and a decision document that names the approval and its binding. A good answer wakes the waiting
/// channel, once: the id is then forgotten, so a replayed callback finds nothing.
package final class WebhookCallbacks: Sendable {
    /// What became of one callback, with the HTTP status the route should answer.
    package enum Result: Sendable, Equatable {
        /// The answer reached the waiting request.
        case accepted(approvalID: String)
        /// Bad signature or stale timestamp: nothing was read.
        case unauthorized(String)
        /// No request with that id is waiting (never was, already answered, withdrawn or expired).
        case unknownApproval(String)
        /// Signed, but not an acceptable decision document. When it names a waiting request, that
        /// request is denied (`unattended`) with the reason.
        case invalid(String)

        /// 200, 401, 404 or 400.
        package var status: Int {
            switch self {
            case .accepted: 200
            case .unauthorized: 401
            case .unknownApproval: 404
            case .invalid: 400
            }
        }

        /// A sentence for the response body and the log.
        package var reason: String {
            switch self {
            case .accepted(let id): "answer for approval \(id) accepted"
            case .unauthorized(let reason), .unknownApproval(let reason), .invalid(let reason): reason
            }
        }
    }

    private struct Waiter {
        var request: ApprovalRequest
        var answer: OneShot<ApprovalResponse>
    }

    private let secret: [UInt8]
    private let waiters = Mutex<[String: Waiter]>([:])

    /// `secret` is the webhook's shared secret, the same that signs the requests.
    package init(secret: [UInt8]) {
        self.secret = secret
    }

    /// Waits for `request`'s callback from now on; the answer arrives on the returned value.
    package func register(_ request: ApprovalRequest) -> OneShot<ApprovalResponse> {
        let answer = OneShot<ApprovalResponse>()
        waiters.withLock { $0[request.id] = Waiter(request: request, answer: answer) }
        return answer
    }

    /// Stops waiting for the callback of approval `id` (answered, withdrawn or timed out).
    package func withdraw(_ id: String) {
        _ = waiters.withLock { $0.removeValue(forKey: id) }
    }

    /// The number of approvals waiting for a callback.
    package var waitingCount: Int { waiters.withLock { $0.count } }

    /// Checks one callback and, when it is good, hands its answer to the waiting request. `now` is the
    /// wall clock in seconds since 1970, against which the timestamp and the deadline are checked.
    package func deliver(body: [UInt8], timestamp: String, signature: String, now: Double) -> Result {
        guard WebhookSignature.verify(signature, body: body, timestamp: timestamp, secret: secret) else {
            return .unauthorized("the signature does not match the body and timestamp")
        }
        guard WebhookSignature.isFresh(timestamp, now: now) else {
            return .unauthorized("the timestamp is not within 5 minutes of the proxy's clock")
        }
        let source = ApprovalAnswer.Source.webhookCallback
        let answer: ApprovalAnswer
        do {
            answer = try ApprovalAnswer.parse(body)
        } catch {
            return .invalid("\(source.document) \(error)")
        }
        guard let id = answer.approvalID else {
            return .invalid("\(source.document) \(ApprovalAnswerError.missing("approval_id"))")
        }
        guard let waiter = waiters.withLock({ $0.removeValue(forKey: id) }) else {
            return .unknownApproval("no approval `\(ApprovalSummary.sanitize(id))` is waiting for an answer")
        }
        guard now <= waiter.request.deadline else {
            waiter.answer.fulfil(source.failure("the webhook callback came after the approval deadline"))
            return .unknownApproval("approval `\(ApprovalSummary.sanitize(id))` has expired")
        }
        do throws(ApprovalAnswerError) {
            try answer.check(against: waiter.request, requireIdentifiers: true)
        } catch {
            let reason = "\(source.document) \(error)"
            waiter.answer.fulfil(source.failure(reason))
            return .invalid(reason)
        }
        waiter.answer.fulfil(answer.response(to: waiter.request, from: source))
        return .accepted(approvalID: id)
    }
}
