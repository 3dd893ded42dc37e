import AsyncHTTPClient
import FirewallCore
import FirewallRelay
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Ships audit batches to an HTTP collector: one `POST` per batch of NDJSON (`application/x-ndjson`),
/// the log's exact lines, or their lokryn `LogRequest` JSON (`format: lokryn`).
///
/// Every request is signed like the approval webhook's (`X-MCP-Firewall-Timestamp`,
/// `X-MCP-Firewall-Signature: sha256=HMAC(secret, "<timestamp>." + body)`, `WebhookSignature`) and
/// carries `Idempotency-Key`, the same for a batch on every attempt and after a restart. Redirects are
/// not followed (a signed batch goes only where the policy says); a request that takes longer than
/// the sink's timeout is abandoned and retried.
package final class HTTPAuditSink: AuditSink {
    package let name: String
    package let url: String
    private let format: AuditSinkSettings.BodyFormat
    private let secret: [UInt8]
    private let headers: [(name: String, value: String)]
    private let timeout: Duration
    private let configuration: HTTPClient.Configuration
    /// Made at the first delivery and shut down by `finish`, so a sink that never runs (the proxy did
    /// not start) holds no client that would have to be shut down.
    private let client = Mutex<HTTPClient?>(nil)
    private let mapping = Mutex(LokrynMapping())
    private let logger: Logger
    private let clock: @Sendable () -> Double

    /// Reads the HMAC key and the headers' variables from `environment`; throws when the URL is not one
    /// the proxy sends records to, or a variable is unset, so the proxy refuses to start rather than send
    /// unsigned batches.
    package init(
        name: String, http: AuditSinkSettings.HTTP, environment: [String: String], logger: Logger,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) throws(AuditSinkError) {
        try AuditSinkSettings.check(http)
        let variable = http.secretEnvironmentVariable
        guard let secret = environment[variable], !secret.isEmpty else {
            throw AuditSinkError(
                "audit sink `\(name)`: the HMAC key variable `\(variable)` is not set or empty; the proxy does not "
                    + "send unsigned audit batches")
        }
        var headers: [(name: String, value: String)] = []
        for header in http.headers {
            switch header.value {
            case .literal(let value):
                headers.append((header.name, value))
            case .environment(let variable):
                guard let value = environment[variable], !value.isEmpty else {
                    throw AuditSinkError(
                        "audit sink `\(name)`: the header \(header.name) comes from `\(variable)`, which is not set")
                }
                headers.append((header.name, value))
            }
        }
        self.name = name
        self.url = http.url
        self.format = http.format
        self.secret = Array(secret.utf8)
        self.headers = headers
        self.timeout = http.timeout
        self.logger = logger
        self.clock = clock
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.decompression = .disabled
        configuration.timeout = .init(
            connect: .milliseconds(Int64(min(http.timeout, .seconds(10)).milliseconds)),
            read: .milliseconds(Int64(http.timeout.milliseconds)))
        self.configuration = configuration
    }

    private func httpClient() -> HTTPClient {
        client.withLock { client in
            if let client { return client }
            let made = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            client = made
            return made
        }
    }

    /// The request body for `batch`, nil when nothing in it is to be sent (lokryn: no line is a record).
    package func body(for batch: AuditLineBatch) -> [UInt8]? {
        switch format {
        case .ndjson:
            return batch.bytes
        case .lokryn:
            var body: [UInt8] = []
            var skipped = 0
            mapping.withLock { mapping in
                for line in batch.lines {
                    guard let mapped = mapping.map(line) else {
                        skipped += 1
                        continue
                    }
                    body += mapped
                    body.append(0x0A)
                }
            }
            if skipped > 0 {
                logger.warning(
                    "lines that are not audit records (cut short) have no lokryn form and are not sent",
                    metadata: [
                        "audit.sink": "\(name)", "audit.lines": "\(skipped)", "audit.batch": "\(batch.idempotencyKey)",
                    ])
            }
            return body.isEmpty ? nil : body
        }
    }

    package func deliver(_ batch: AuditLineBatch) async -> AuditSinkDelivery {
        guard let body = body(for: batch) else { return .delivered }
        let timestamp = String(Int64(clock()))
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-ndjson")
        request.headers.add(name: "Idempotency-Key", value: batch.idempotencyKey)
        request.headers.add(name: WebhookSignature.timestampHeader, value: timestamp)
        request.headers.add(
            name: WebhookSignature.signatureHeader,
            value: WebhookSignature.sign(body: body, timestamp: timestamp, secret: secret))
        for header in headers { request.headers.add(name: header.name, value: header.value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await httpClient().execute(request, timeout: .milliseconds(Int64(timeout.milliseconds)))
            let answer: [UInt8]
            do {
                answer = Array(buffer: try await response.body.collect(upTo: 4096))
            } catch {
                answer = Array("(a body of more than 4096 bytes)".utf8)
            }
            return AuditSinkDelivery.classify(
                status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"),
                body: answer, now: clock())
        } catch {
            return .retry(reason: "request failed: \(Self.describe(error))", after: nil)
        }
    }

    package func finish() async {
        let made = client.withLock { client -> HTTPClient? in
            defer { client = nil }
            return client
        }
        try? await made?.shutdown()
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: return "no answer in time"
            case .connectTimeout: return "could not connect in time"
            default: return "\(error)"
            }
        }
        return String(describing: error)
    }
}

extension Duration {
    /// Whole milliseconds.
    fileprivate var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
