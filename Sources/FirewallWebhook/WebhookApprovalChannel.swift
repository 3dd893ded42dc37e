import AsyncHTTPClient
import FirewallCore
import Foundation
import NIOCore
import NIOHTTP1

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
        let now = Date().timeIntervalSince1970
        let timestamp = String(Int64(now))
        var http = HTTPClientRequest(url: url.absoluteString)
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "application/json")
        http.headers.add(name: WebhookSignature.timestampHeader, value: timestamp)
        http.headers.add(
            name: WebhookSignature.signatureHeader,
            value: WebhookSignature.sign(body: body, timestamp: timestamp, secret: secret))
        http.body = .bytes(ByteBuffer(bytes: body))
        // A limit beyond the approval deadline: the approval timeout decides (`timeout`, and
        // `on_timeout: fail` applies), not the HTTP stack.
        let limit = TimeAmount.seconds(Int64(max(1, request.deadline - now)) + 30)
        let outcome = await Self.post(http, timeout: limit)
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

    /// How one POST ended.
    enum Outcome: Sendable {
        case answered(Int, [UInt8])
        case tooLarge(Int)
        case failed(String)
    }

    /// Sends one request on a client of its own: no cookies, no cache, no redirects (a signed request
    /// goes only where the policy says), the body read up to the decision document's limit. Nil when
    /// the task was cancelled (the call was withdrawn).
    static func post(_ request: HTTPClientRequest, timeout: TimeAmount) async -> Outcome? {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.decompression = .disabled
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let outcome: Outcome?
        do {
            let response = try await client.execute(request, timeout: timeout)
            let status = Int(response.status.code)
            do {
                let body = try await response.body.collect(upTo: ApprovalAnswer.maxDocumentBytes)
                outcome = .answered(status, Array(buffer: body))
            } catch is NIOTooManyBytesError {
                outcome = .tooLarge(status)
            }
        } catch {
            outcome = Task.isCancelled ? nil : .failed(describe(error))
        }
        try? await client.shutdown()
        return outcome
    }

    /// A transport error as a person reads it.
    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        return String(describing: error)
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
