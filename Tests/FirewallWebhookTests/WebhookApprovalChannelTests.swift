import FirewallCore
import FirewallTestSupport
import Foundation
import Testing

@testable import FirewallWebhook

/// Asking through a webhook, against a local HTTP server that records what it is sent.
@Suite(.timeLimit(.minutes(1)))
struct WebhookApprovalChannelTests {
    static let secret = "test-secret-\(UUID().uuidString)"
    static let environment = ["MCP_FIREWALL_TEST_WEBHOOK_SECRET": secret]

    private func channel(_ url: String, callbackURL: String? = nil) throws -> WebhookApprovalChannel {
        try WebhookApprovalChannel(
            webhook: .init(url: url, secretEnvironmentVariable: "MCP_FIREWALL_TEST_WEBHOOK_SECRET"),
            callbackURL: callbackURL, environment: Self.environment)
    }

    private static func body(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func approvalInTheResponseBodyAndASignedRequest() async throws {
        let server = try TestHTTPServer { _ in
            .status(200, body: Self.body(#"{"decision":"approve","approver":"alice@example.com"}"#))
        }
        let request = try ApprovalRequest.fixture()
        let response = try await channel(server.url).requestApproval(request)
        await server.stop()
        #expect(response.outcome == .approved)
        #expect(response.approver == Approver(kind: .human, channel: "webhook", identity: "alice@example.com"))
        #expect(response.detail == "approved by alice@example.com via the webhook")
        let sent = try #require(server.recorded.first)
        #expect(server.recorded.count == 1)
        #expect(sent.method == "POST")
        #expect(sent.path == "/approvals")
        #expect(sent.headers["content-type"] == "application/json")
        #expect(sent.body == request.json())
        let timestamp = try #require(sent.headers["x-mcp-firewall-timestamp"])
        let signature = try #require(sent.headers["x-mcp-firewall-signature"])
        #expect(WebhookSignature.isFresh(timestamp, now: Date().timeIntervalSince1970))
        #expect(
            WebhookSignature.verify(signature, body: sent.body, timestamp: timestamp, secret: Array(Self.secret.utf8)))
        #expect(!WebhookSignature.verify(signature, body: sent.body, timestamp: timestamp, secret: Array("x".utf8)))
    }

    @Test func denialInTheResponseBody() async throws {
        let server = try TestHTTPServer { _ in
            .status(200, body: Self.body(#"{"decision":"deny","approver":"bob","comment":"no"}"#))
        }
        let response = try await channel(server.url).requestApproval(try .fixture())
        await server.stop()
        #expect(response.outcome == .declined)
        #expect(response.approver == Approver(kind: .human, channel: "webhook", identity: "bob", comment: "no"))
    }

    @Test(arguments: [
        (TestHTTPServer.Reply.status(500, body: body("down")), "webhook answered 500: down"),
        (.status(404), "webhook answered 404"),
        (.status(302, headers: ["Location": "http://127.0.0.1:1/elsewhere"]), "webhook answered 302"),
        (.status(200, body: body("approved!")), "webhook's answer is not valid JSON: "),
        (
            .status(200, body: body(#"{"decision":"approve"}"#)),
            "webhook's answer approves without naming an `approver`"
        ),
        (.status(202), "webhook answered 202 Accepted, but no callback URL is configured"),
        (.status(200, body: Array(repeating: 0x20, count: 70000)), "webhook answered 200 with more than 65536 bytes"),
    ])
    func anythingButAGoodAnswerIsUnattended(reply: TestHTTPServer.Reply, detail: String) async throws {
        let server = try TestHTTPServer { _ in reply }
        let response = try await channel(server.url).requestApproval(try .fixture())
        await server.stop()
        #expect(response.outcome == .unattended)
        #expect(response.approver == Approver(kind: .policy, channel: "webhook"))
        #expect(response.detail.hasPrefix(detail), "\(response.detail)")
        #expect(server.recorded.count == 1)
    }

    @Test func unreachableWebhookIsUnattended() async throws {
        let server = try TestHTTPServer(listening: false) { _ in .status(200) }
        let response = try await channel(server.url).requestApproval(try .fixture())
        await server.stop()
        #expect(response.outcome == .unattended)
        #expect(response.detail.hasPrefix("webhook request failed: "), "\(response.detail)")
    }

    @Test func acceptedRequestIsAnsweredOnTheCallback() async throws {
        let posted = OneShot<TestHTTPServer.Request>()
        let server = try TestHTTPServer { request in
            posted.fulfil(request)
            return .status(202)
        }
        let channel = try channel(server.url, callbackURL: "https://proxy.example/approvals/callback")
        let request = try ApprovalRequest.fixture()
        async let answer = channel.requestApproval(request)
        let sent = try #require(await posted.value())
        let document = try JSONParser.parse(sent.body)
        #expect(document["callback_url"] == .string("https://proxy.example/approvals/callback"))
        #expect(document["approval_id"] == .string("approval-1"))
        #expect(document["binding"] == .string(request.binding))
        let callback = Self.body(
            #"{"decision":"approve","approver":"carol","approval_id":"approval-1","binding":"\#(request.binding)"}"#)
        let timestamp = String(Int(Date().timeIntervalSince1970))
        let signature = WebhookSignature.sign(body: callback, timestamp: timestamp, secret: Array(Self.secret.utf8))
        #expect(
            channel.callbacks.deliver(
                body: callback, timestamp: timestamp, signature: signature, now: Date().timeIntervalSince1970)
                == .accepted(approvalID: "approval-1"))
        let response = await answer
        await server.stop()
        #expect(response.outcome == .approved)
        #expect(response.approver == Approver(kind: .human, channel: "webhook", identity: "carol"))
        #expect(channel.callbacks.waitingCount == 0)
        #expect(
            channel.callbacks.deliver(
                body: callback, timestamp: timestamp, signature: signature, now: Date().timeIntervalSince1970)
                == .unknownApproval("no approval `approval-1` is waiting for an answer"))
    }

    @Test func cancellationAbortsTheRequest() async throws {
        let server = try TestHTTPServer { _ in .hang }
        let channel = try channel(server.url)
        let request = try ApprovalRequest.fixture()
        let task = Task { await channel.requestApproval(request) }
        task.cancel()
        let response = await task.value
        #expect(response.outcome == .cancelled)
        #expect(response.detail == "the webhook request was withdrawn before an answer")
        await server.stop()
    }

    @Test func cancellationAbortsARequestInFlight() async throws {
        let arrived = OneShot<Void>()
        let server = try TestHTTPServer { _ in
            arrived.fulfil(())
            return .hang
        }
        let channel = try channel(server.url)
        let request = try ApprovalRequest.fixture()
        let task = Task { await channel.requestApproval(request) }
        _ = await arrived.value()
        task.cancel()
        #expect(await task.value.outcome == .cancelled)
        #expect(await server.clientClosed.value() != nil)
        await server.stop()
    }

    @Test func cancellationWhileWaitingForTheCallback() async throws {
        let posted = OneShot<Void>()
        let server = try TestHTTPServer { _ in
            posted.fulfil(())
            return .status(202)
        }
        let channel = try channel(server.url, callbackURL: "http://127.0.0.1:9/callback")
        let request = try ApprovalRequest.fixture()
        let task = Task { await channel.requestApproval(request) }
        _ = await posted.value()
        task.cancel()
        #expect(await task.value.outcome == .cancelled)
        #expect(channel.callbacks.waitingCount == 0)
        await server.stop()
    }

    @Test(arguments: [
        ("ftp://example.com/hook", nil, "the webhook URL `ftp://example.com/hook` is not an http or https URL"),
        ("file:///tmp/hook", nil, "the webhook URL `file:///tmp/hook` is not an http or https URL"),
        ("not a url", nil, "the webhook URL `not a url` is not an http or https URL"),
        (
            "https://example.com/hook", "mailto:me@example.com",
            "the webhook callback URL `mailto:me@example.com` is not"
        ),
    ])
    func onlyHTTPURLsAreAccepted(url: String, callbackURL: String?, message: String) {
        #expect {
            try channel(url, callbackURL: callbackURL)
        } throws: { error in
            "\(error)".hasPrefix(message)
        }
    }

    @Test(arguments: [[:], ["MCP_FIREWALL_TEST_WEBHOOK_SECRET": ""]])
    func missingSecretRefusesToStart(environment: [String: String]) {
        #expect {
            try WebhookApprovalChannel(
                webhook: .init(
                    url: "https://example.com/hook", secretEnvironmentVariable: "MCP_FIREWALL_TEST_WEBHOOK_SECRET"),
                environment: environment)
        } throws: { error in
            "\(error)"
                == "the webhook secret variable `MCP_FIREWALL_TEST_WEBHOOK_SECRET` is not set or empty; the proxy "
                + "does not send unsigned approval requests"
        }
    }
}
