import FirewallCore
import Foundation
import Hummingbird
import Logging

/// Answers the approval page's three routes — the page, its event stream and answers — after `RequestGate`
/// has checked the token and the `Host`; everything else is 404 or 405.
struct WebApprovalResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    static let csrfHeader = HTTPFields.Element.Name(RequestGate.csrfHeader)!

    /// Where a webhook posts a decision it could not give in its response (202 Accepted).
    static let webhookCallbackPath = "/webhook/callback"

    let gate: RequestGate
    let board: ApprovalBoard
    /// The port the server listens on; set before the first request is accepted.
    let port: LockedValue<Int?>
    let page: ByteBuffer
    /// Waiting webhook approvals, when the policy configures a webhook.
    let webhookCallbacks: WebhookCallbacks?

    init(gate: RequestGate, board: ApprovalBoard, port: LockedValue<Int?>, webhookCallbacks: WebhookCallbacks? = nil) {
        self.gate = gate
        self.board = board
        self.port = port
        self.page = ByteBuffer(string: ApprovalPage.html(csrfToken: gate.csrfToken))
        self.webhookCallbacks = webhookCallbacks
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        if let webhookCallbacks, request.uri.path == Self.webhookCallbackPath {
            return try await webhookCallback(request, callbacks: webhookCallbacks, logger: context.logger)
        }
        let route = gate.route(request.uri.path)
        guard route != .notFound else { return Self.error(404, "not found") }
        guard let port = port.value else { return Self.error(503, "the approval page is starting") }
        let host = request.head.authority ?? ""
        if let rejection = gate.checkHost(request.head.authority, port: port) {
            context.logger.notice("approval page request refused", metadata: ["http.host": "\(host)"])
            return Self.error(rejection)
        }
        switch (route, request.method) {
        case (.page, .get):
            return Self.response(.ok, contentType: "text/html; charset=utf-8", body: page)
        case (.events, .get):
            return events(request)
        case (.decide, .post):
            return try await decide(request, host: host, logger: context.logger)
        default:
            var response = Self.error(405, "method not allowed")
            response.headers[.allow] = route == .decide ? "POST" : "GET"
            return response
        }
    }

    /// The event stream: a snapshot, then additions and removals, until the page goes away, falls too far
    /// behind, or the server shuts down.
    private func events(_ request: Request) -> Response {
        guard let (id, events) = board.subscribe() else {
            return Self.error(503, "too many approval pages are open")
        }
        let board = self.board
        let body = ResponseBody { writer in
            defer { board.unsubscribe(id) }
            try await request.body.consumeWithInboundCloseHandler { _ in
                for await event in events {
                    try await writer.write(ByteBuffer(bytes: event.bytes))
                }
            } onInboundClosed: {
                board.unsubscribe(id)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: Self.headers(contentType: "text/event-stream"), body: body)
    }

    /// An answer: same-origin JSON with the CSRF token, for a waiting call, bound to exactly what was shown.
    private func decide(_ request: Request, host: String, logger: Logger) async throws -> Response {
        let headers = request.headers
        if let rejection = gate.checkAnswer(
            host: host, origin: headers[.origin], contentType: headers[.contentType],
            csrf: headers[Self.csrfHeader])
        {
            logger.notice("approval answer refused", metadata: ["http.status": "\(rejection.status)"])
            return Self.error(rejection)
        }
        if let length = headers[.contentLength].flatMap(Int.init), length > DecisionForm.maxBodyBytes {
            return Self.error(413, "the answer is too large")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: DecisionForm.maxBodyBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return Self.error(413, "the answer is too large")
        }
        let form: DecisionForm
        do {
            form = try DecisionForm(parsing: Array(body.readableBytesView))
        } catch {
            return Self.error(400, error.description)
        }
        let metadata: Logger.Metadata = ["approval.id": "\(form.approvalID)"]
        switch board.answer(form) {
        case .deliver:
            let outcome = form.approve ? "approved" : "declined"
            logger.info(
                "approval answered on the web page",
                metadata: metadata.merging(["approval.outcome": "\(outcome)"]) { $1 })
            var writer = JSONWriter()
            writer.beginObject()
            writer.field("ok", true)
            writer.field("outcome", outcome)
            writer.endObject()
            return Self.response(.ok, contentType: "application/json", body: ByteBuffer(bytes: writer.bytes))
        case .unknown:
            return Self.error(404, "no call with this approval id is waiting")
        case .alreadyAnswered:
            return Self.error(409, "this call was already answered")
        case .noLongerWaiting:
            return Self.error(410, "this call is no longer waiting (withdrawn or timed out)")
        case .bindingMismatch:
            logger.warning("approval answer for a different call refused", metadata: metadata)
            return Self.error(412, "the answer does not match the waiting call (binding mismatch): reload the page")
        }
    }

    /// A webhook's late decision. It comes from the chat-ops bridge (through whatever tunnel reaches this
    /// loopback server), not from a browser, so it carries no page token: the HMAC signature over
    /// timestamp and body, with the webhook's shared secret, is what authenticates it.
    private func webhookCallback(
        _ request: Request, callbacks: WebhookCallbacks, logger: Logger
    ) async throws -> Response {
        guard request.method == .post else {
            var response = Self.error(405, "method not allowed")
            response.headers[.allow] = "POST"
            return response
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: ApprovalAnswer.maxDocumentBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return Self.error(413, "the decision is too large")
        }
        let headers = request.headers
        let result = callbacks.deliver(
            body: Array(body.readableBytesView),
            timestamp: HTTPFields.Element.Name(WebhookSignature.timestampHeader).flatMap { headers[$0] } ?? "",
            signature: HTTPFields.Element.Name(WebhookSignature.signatureHeader).flatMap { headers[$0] } ?? "",
            now: Date().timeIntervalSince1970)
        logger.info(
            "webhook callback", metadata: ["http.status": "\(result.status)", "reason": "\(result.reason)"])
        return Self.error(result.status, result.reason)
    }

    /// Headers every response carries: no caching, no sniffing, no referrer, no framing, nothing but the page's
    /// own script and style.
    static func headers(contentType: String) -> HTTPFields {
        [
            .contentType: contentType,
            .cacheControl: "no-store",
            .xContentTypeOptions: "nosniff",
            .contentSecurityPolicy: ApprovalPage.contentSecurityPolicy,
            .crossOriginResourcePolicy: "same-origin",
            HTTPFields.Element.Name("Referrer-Policy")!: "no-referrer",
            HTTPFields.Element.Name("X-Frame-Options")!: "DENY",
            HTTPFields.Element.Name("Cross-Origin-Opener-Policy")!: "same-origin",
        ]
    }

    static func response(_ status: HTTPResponse.Status, contentType: String, body: ByteBuffer) -> Response {
        Response(status: status, headers: headers(contentType: contentType), body: ResponseBody(byteBuffer: body))
    }

    /// `{"error": message}` with `status`.
    static func error(_ status: Int, _ message: String) -> Response {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("error", message)
        writer.endObject()
        return response(
            HTTPResponse.Status(code: status), contentType: "application/json", body: ByteBuffer(bytes: writer.bytes))
    }

    static func error(_ rejection: RequestGate.Rejection) -> Response {
        error(rejection.status, rejection.message)
    }
}
