import FirewallCore
import FirewallTestSupport
import Foundation
import Testing

@testable import FirewallRelay

/// Answers arriving on the webhook's callback URL: signed, fresh, bound to the waiting call, once.
struct WebhookCallbacksTests {
    static let secret = Array("callback-secret".utf8)

    private struct Delivery {
        var body: [UInt8]
        var timestamp: String
        var signature: String
    }

    private static func signed(_ text: String, at time: Double = Date().timeIntervalSince1970) -> Delivery {
        let body = Array(text.utf8)
        let timestamp = String(Int(time))
        return Delivery(
            body: body, timestamp: timestamp,
            signature: WebhookSignature.sign(body: body, timestamp: timestamp, secret: secret))
    }

    private static func approval(_ request: ApprovalRequest, binding: String? = nil) -> String {
        #"{"decision":"approve","approver":"alice","approval_id":"\#(request.id)","binding":"\#(binding ?? request.binding)"}"#
    }

    private func deliver(_ callbacks: WebhookCallbacks, _ delivery: Delivery) -> WebhookCallbacks.Result {
        callbacks.deliver(
            body: delivery.body, timestamp: delivery.timestamp, signature: delivery.signature,
            now: Date().timeIntervalSince1970)
    }

    @Test func goodCallbackWakesTheWaitingRequestOnce() async throws {
        let callbacks = WebhookCallbacks(secret: Self.secret)
        let request = try ApprovalRequest.fixture()
        let answer = callbacks.register(request)
        let delivery = Self.signed(Self.approval(request))
        let result = deliver(callbacks, delivery)
        #expect(result == .accepted(approvalID: "approval-1"))
        #expect(result.status == 200)
        let response = try #require(await answer.value())
        #expect(response.outcome == .approved)
        #expect(response.approver == Approver(kind: .human, channel: "webhook", identity: "alice"))
        #expect(response.detail == "approved by alice via the webhook")
        #expect(deliver(callbacks, delivery).status == 404)
    }

    @Test(arguments: [
        ("sha256=" + String(repeating: "0", count: 64), "the signature does not match the body and timestamp"),
        ("sha256=abc", "the signature does not match the body and timestamp"),
        ("", "the signature does not match the body and timestamp"),
    ])
    func badSignatureIsUnauthorizedAndChangesNothing(signature: String, reason: String) throws {
        let callbacks = WebhookCallbacks(secret: Self.secret)
        let request = try ApprovalRequest.fixture()
        let answer = callbacks.register(request)
        var delivery = Self.signed(Self.approval(request))
        delivery.signature = signature
        #expect(deliver(callbacks, delivery) == .unauthorized(reason))
        #expect(answer.peek() == nil)
        #expect(callbacks.waitingCount == 1)
    }

    @Test func signatureCoversTheBodyAndTheTimestamp() throws {
        let callbacks = WebhookCallbacks(secret: Self.secret)
        let request = try ApprovalRequest.fixture()
        _ = callbacks.register(request)
        var tampered = Self.signed(Self.approval(request))
        tampered.body = Array(Self.approval(request).replacingOccurrences(of: "alice", with: "mallory").utf8)
        #expect(deliver(callbacks, tampered).status == 401)
        var moved = Self.signed(Self.approval(request))
        moved.timestamp = String(Int(moved.timestamp)! + 1)
        #expect(deliver(callbacks, moved).status == 401)
        let otherSecret = WebhookCallbacks(secret: Array("other".utf8))
        _ = otherSecret.register(request)
        #expect(deliver(otherSecret, Self.signed(Self.approval(request))).status == 401)
    }

    @Test(arguments: [-600.0, -301, 400])
    func staleOrFutureTimestampIsUnauthorized(offset: Double) throws {
        let callbacks = WebhookCallbacks(secret: Self.secret)
        let request = try ApprovalRequest.fixture()
        let answer = callbacks.register(request)
        let delivery = Self.signed(Self.approval(request), at: Date().timeIntervalSince1970 + offset)
        #expect(
            deliver(callbacks, delivery) == .unauthorized("the timestamp is not within 5 minutes of the proxy's clock"))
        #expect(answer.peek() == nil)
    }

    @Test func wrongBindingDeniesTheWaitingRequest() async throws {
        let callbacks = WebhookCallbacks(secret: Self.secret)
        let request = try ApprovalRequest.fixture()
        let answer = callbacks.register(request)
        let result = deliver(callbacks, Self.signed(Self.approval(request, binding: String(repeating: "0", count: 64))))
        #expect(result.status == 400)
        #expect(result.reason.hasPrefix("webhook callback is bound to a different call"))
        let response = try #require(await answer.value())
        #expect(response.outcome == .unattended)
        #expect(response.approver == Approver(kind: .policy, channel: "webhook"))
        #expect(response.detail == result.reason)
        #expect(callbacks.waitingCount == 0)
    }

    @Test func callbackMustNameTheApprovalAndItsBinding() throws {
        let callbacks = WebhookCallbacks(secret: Self.secret)
        let request = try ApprovalRequest.fixture()
        let answer = callbacks.register(request)
        let anonymous = deliver(callbacks, Self.signed(#"{"decision":"approve","approver":"alice"}"#))
        #expect(anonymous == .invalid("webhook callback has no `approval_id`"))
        #expect(answer.peek() == nil)
        let unbound = deliver(
            callbacks, Self.signed(#"{"decision":"approve","approver":"alice","approval_id":"approval-1"}"#))
        #expect(unbound == .invalid("webhook callback has no `binding`"))
        #expect(answer.peek()?.outcome == .unattended)
    }

    @Test func malformedCallbackIsInvalid() throws {
        let callbacks = WebhookCallbacks(secret: Self.secret)
        let result = deliver(callbacks, Self.signed("approve"))
        #expect(result.status == 400)
        #expect(result.reason.hasPrefix("webhook callback is not valid JSON: "))
    }

    @Test func unknownWithdrawnOrExpiredApprovalsAreNotFound() async throws {
        let callbacks = WebhookCallbacks(secret: Self.secret)
        let request = try ApprovalRequest.fixture()
        #expect(
            deliver(callbacks, Self.signed(Self.approval(request)))
                == .unknownApproval("no approval `approval-1` is waiting for an answer"))
        _ = callbacks.register(request)
        callbacks.withdraw(request.id)
        #expect(deliver(callbacks, Self.signed(Self.approval(request))).status == 404)
        let expired = try ApprovalRequest.fixture(id: "approval-2", timeout: -1)
        let answer = callbacks.register(expired)
        #expect(
            deliver(callbacks, Self.signed(Self.approval(expired)))
                == .unknownApproval("approval `approval-2` has expired"))
        #expect(try #require(await answer.value()).outcome == .unattended)
    }
}
