import FirewallCore
import Foundation
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Asks through an HTTP endpoint (`approval.webhook`): a chat-ops bridge that shows the request to
/// people and relays their answer.
///
/// Each request is one `POST` of `ApprovalRequest.json()` (with `callback_url` added when a callback
/// URL is configured), signed with HMAC-SHA256 over `"<timestamp>.<body>"` (`WebhookSignature`). A
/// `200` carries the decision document in its body; a `202 Accepted` means the answer will come to the
/// callback URL, through `callbacks`. Any other status, a redirect, a network error or a malformed
/// answer is a fail-closed `unattended` response naming the cause. Cancellation aborts the request.
package final class WebhookApprovalChannel: ApprovalChannel {
    package let name = "webhook"
    package let isAvailable = true
    package let url: URL
    package var whereToAnswer: String { "the approval.webhook at \(url.host ?? url.absoluteString)" }
    /// Sent as `callback_url`; the HTTP route there hands callbacks to `callbacks.deliver`.
    package let callbackURL: String?
    /// The approvals waiting for a callback; verified with the same secret.
    package let callbacks: WebhookCallbacks
    private let secret: [UInt8]
    private let session: URLSession
    private let transfers: WebhookTransfers

    /// Reads the secret from `environment[webhook.secretEnvironmentVariable]`; throws when the URL is
    /// not http(s) or the secret is missing, so the proxy refuses to start rather than send unsigned
    /// requests.
    package init(
        webhook: ApprovalSettings.Webhook, callbackURL: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(WebhookError) {
        self.url = try Self.httpURL(webhook.url, role: "webhook URL")
        if let callbackURL { _ = try Self.httpURL(callbackURL, role: "webhook callback URL") }
        self.callbackURL = callbackURL
        let variable = webhook.secretEnvironmentVariable
        guard !variable.isEmpty else { throw WebhookError("the webhook names no secret environment variable") }
        guard let secret = environment[variable], !secret.isEmpty else {
            throw WebhookError(
                "the webhook secret variable `\(variable)` is not set or empty; the proxy does not send unsigned "
                    + "approval requests")
        }
        self.secret = Array(secret.utf8)
        self.callbacks = WebhookCallbacks(secret: self.secret)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        self.transfers = WebhookTransfers(limit: ApprovalAnswer.maxDocumentBytes)
        self.session = URLSession(configuration: configuration, delegate: transfers, delegateQueue: nil)
    }

    deinit {
        session.invalidateAndCancel()
    }

    private static func httpURL(_ text: String, role: String) throws(WebhookError) -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else {
            throw WebhookError("the \(role) `\(ApprovalSummary.sanitize(text))` is not an http or https URL")
        }
        return url
    }

    /// The request document as posted: `request.json()`, plus `callback_url` when one is configured.
    package func document(for request: ApprovalRequest) -> [UInt8] {
        var body = request.json()
        guard let callbackURL, body.last == UInt8(ascii: "}") else { return body }
        var writer = JSONWriter()
        writer.string(callbackURL)
        body.removeLast()
        body += Array(#","callback_url":"#.utf8) + writer.bytes + [UInt8(ascii: "}")]
        return body
    }

    package func requestApproval(_ request: ApprovalRequest) async -> ApprovalResponse {
        let source = ApprovalAnswer.Source.webhook
        let body = document(for: request)
        // Registered before the POST: a fast bridge may call back before its 202 has been read.
        let callback = callbackURL.map { _ in callbacks.register(request) }
        defer { if callback != nil { callbacks.withdraw(request.id) } }
        let now = Posix.now()
        let timestamp = String(Int64(now))
        var http = URLRequest(url: url)
        http.httpMethod = "POST"
        http.setValue("application/json", forHTTPHeaderField: "Content-Type")
        http.setValue(timestamp, forHTTPHeaderField: WebhookSignature.timestampHeader)
        http.setValue(
            WebhookSignature.sign(body: body, timestamp: timestamp, secret: secret),
            forHTTPHeaderField: WebhookSignature.signatureHeader)
        http.httpBody = Data(body)
        // An idle limit beyond the approval deadline: the approval timeout decides (`timeout`, and
        // `on_timeout: fail` applies), not the HTTP stack.
        http.timeoutInterval = max(1, request.deadline - now) + 30
        let task = session.dataTask(with: http)
        let done = transfers.start(task)
        task.resume()
        let outcome = await withTaskCancellationHandler {
            await done.value()
        } onCancel: {
            WebhookTransfers.cancel(task)
        }
        guard let outcome else { return withdrawn }
        switch outcome {
        case .failed(let reason):
            return source.failure("webhook request failed: \(reason)")
        case .tooLarge(let status):
            return source.failure("webhook answered \(status) with more than \(ApprovalAnswer.maxDocumentBytes) bytes")
        case .answered(200, let answer):
            return ApprovalAnswer.response(parsing: answer, to: request, from: source)
        case .answered(202, _):
            guard let callback else {
                return source.failure("webhook answered 202 Accepted, but no callback URL is configured")
            }
            return await callback.value() ?? withdrawn
        case .answered(let status, let answer):
            let excerpt = ApprovalSummary.middleCut(
                ApprovalSummary.sanitize(String(decoding: answer, as: UTF8.self)), limit: 200)
            return source.failure("webhook answered \(status)" + (excerpt.isEmpty ? "" : ": \(excerpt)"))
        }
    }

    private var withdrawn: ApprovalResponse {
        ApprovalResponse(
            outcome: .cancelled, approver: Approver(kind: .policy, channel: name),
            detail: "the webhook request was withdrawn before an answer")
    }
}

/// The webhook is misconfigured; the proxy does not start.
package struct WebhookError: Error, Sendable, CustomStringConvertible {
    package var message: String
    package var description: String { message }

    init(_ message: String) {
        self.message = message
    }
}

/// The session delegate: collects each response body up to a limit, refuses redirects (a signed
/// request goes only where the policy says) and reports each transfer's end once.
final class WebhookTransfers: NSObject, URLSessionDataDelegate, Sendable {
    enum Outcome: Sendable {
        case answered(Int, [UInt8])
        case tooLarge(Int)
        case failed(String)
    }

    private struct Transfer {
        var body: [UInt8] = []
        var overflow = false
        var done: OneShot<Outcome>
    }

    private let limit: Int
    private let transfers = Mutex<[Int: Transfer]>([:])

    init(limit: Int) {
        self.limit = limit
    }

    /// Follows `task` from before it is resumed.
    func start(_ task: URLSessionTask) -> OneShot<Outcome> {
        let done = OneShot<Outcome>()
        transfers.withLock { $0[task.taskIdentifier] = Transfer(done: done) }
        return done
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let overflowed = transfers.withLock { transfers -> Transfer? in
            guard var transfer = transfers[dataTask.taskIdentifier], !transfer.overflow else { return nil }
            transfer.body.append(contentsOf: data)
            transfer.overflow = transfer.body.count > limit
            if transfer.overflow { transfer.body = [] }
            transfers[dataTask.taskIdentifier] = transfer
            return transfer.overflow ? transfer : nil
        }
        guard let overflowed else { return }
        // Answer at once (an endless body never completes) and stop the transfer off this queue:
        // cancelling from the session's own delegate queue can wait behind the data still arriving.
        let status = (dataTask.response as? HTTPURLResponse)?.statusCode ?? 0
        overflowed.done.fulfil(.tooLarge(status))
        Self.cancel(dataTask)
    }

    /// Cancels a transfer without blocking the caller (a task's cancellation handler, the delegate queue).
    static func cancel(_ task: URLSessionTask) {
        DispatchQueue.global().async { task.cancel() }
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let transfer = transfers.withLock({ $0.removeValue(forKey: task.taskIdentifier) }) else { return }
        let status = (task.response as? HTTPURLResponse)?.statusCode
        if transfer.overflow, let status {
            transfer.done.fulfil(.tooLarge(status))
        } else if let error {
            transfer.done.fulfil(.failed(error.localizedDescription))
        } else if let status {
            transfer.done.fulfil(.answered(status, transfer.body))
        } else {
            transfer.done.fulfil(.failed("no HTTP response"))
        }
    }
}
