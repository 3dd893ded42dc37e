import FirewallCore
import FirewallHTTP
import Hummingbird
import HummingbirdTesting
import Testing

/// The live server on a loopback port: routes, rejections, the event stream and answers end to end.
struct WebApprovalServerTests {
    @Test func servesThePageWithItsSecurityHeaders() async throws {
        try await LiveServer.run { live in
            let response = try await live.send(live.base)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            #expect(response.headers[.contentSecurityPolicy] == ApprovalPage.contentSecurityPolicy)
            #expect(response.headers[.xContentTypeOptions] == "nosniff")
            #expect(response.headers[.cacheControl] == "no-store")
            #expect(response.headers[HTTPFields.Element.Name("Referrer-Policy")!] == "no-referrer")
            let body = String(buffer: try #require(response.body))
            #expect(body.contains(live.server.gate.csrfToken.text))
        }
    }

    @Test func everyPathWithoutTheTokenIsNotFound() async throws {
        try await LiveServer.run { live in
            let token = live.server.gate.pathToken.text
            for path in [
                "/", "/approve/", "/approve/\(token.dropLast())/", "/approve/\(token)A/events", "/events",
                "/approve/\(live.server.gate.csrfToken.text)/", "/approve/\(token)/nothing", "/favicon.ico",
            ] {
                let response = try await live.send(path)
                #expect(response.status == .notFound, "\(path)")
                #expect(response.body.map { String(buffer: $0) }?.contains(token) != true)
            }
            let wrongMethod = try await live.send(live.base + "decide")
            #expect(wrongMethod.status == .methodNotAllowed)
        }
    }

    @Test func refusesAnotherHostEvenWithTheToken() async throws {
        try await LiveServer.run { live in
            for host in ["attacker.example:\(live.port)", "127.0.0.1", "localhost:1", nil] as [String?] {
                let response = try await live.send(live.base, authority: host)
                #expect(response.status == .forbidden, "\(host ?? "no Host")")
            }
            #expect(try await live.send(live.base, authority: "localhost:\(live.port)").status == .ok)
        }
    }

    @Test func refusesAnswersThatAreNotSameOriginJSONWithTheCSRFToken() async throws {
        try await LiveServer.run { live in
            let request = Fixtures.request()
            let body = Fixtures.answer(request)
            let csrf = HTTPFields.Element.Name(RequestGate.csrfHeader)!
            let token = live.server.gate.csrfToken.text
            let origin = "http://\(live.authority)"
            let cases: [(HTTPFields, HTTPResponse.Status)] = [
                ([.contentType: "application/json", .origin: "http://attacker.example", csrf: token], .forbidden),
                ([.contentType: "text/plain", .origin: origin, csrf: token], .unsupportedMediaType),
                ([.contentType: "application/x-www-form-urlencoded", csrf: token], .unsupportedMediaType),
                ([.contentType: "application/json", .origin: origin], .forbidden),
                (
                    [.contentType: "application/json", .origin: origin, csrf: live.server.gate.pathToken.text],
                    .forbidden
                ),
            ]
            for (headers, status) in cases {
                let response = try await live.decide(body, headers: headers)
                #expect(response.status == status, "\(headers)")
            }
            let large = try await live.decide(String(repeating: " ", count: DecisionForm.maxBodyBytes + 1))
            #expect(large.status == .contentTooLarge)
            let malformed = try await live.decide("{")
            #expect(malformed.status == .badRequest)
            // None of them reached the board: the call is unknown, not answered.
            let unknown = try await live.decide(body)
            #expect(unknown.status == .notFound)
        }
    }

    @Test func anApprovalOnThePageReachesTheChannel() async throws {
        try await LiveServer.run { live in
            let request = Fixtures.request(id: "a1")
            async let response = live.server.channel.requestApproval(request)
            let stream = try EventStreamReader(port: live.port, path: live.base + "events", host: live.authority)
            #expect(try await stream.head().contains("text/event-stream"))
            var event = try await stream.next()
            if event.name == "snapshot" && event.data == #"{"pending":[]}"# { event = try await stream.next() }
            #expect(event.data.contains(#""approval_id":"a1""#))
            let answer = try await live.decide(Fixtures.answer(request, approver: "alice", comment: "ok"))
            #expect(answer.status == .ok)
            let result = await response
            #expect(result.outcome == .approved)
            #expect(result.approver == Approver(kind: .human, channel: "web", identity: "alice", comment: "ok"))
            #expect(
                try await stream.next()
                    == StreamEvent(name: "remove", data: #"{"approval_id":"a1","reason":"approved"}"#))
            let again = try await live.decide(Fixtures.answer(request, approve: false))
            #expect(again.status == .conflict)
        }
    }

    @Test func aDenialOnThePageReachesTheChannel() async throws {
        try await LiveServer.run { live in
            let request = Fixtures.request(id: "d1")
            let (id, events) = try #require(live.server.board.subscribe())
            async let response = live.server.channel.requestApproval(request)
            for await event in events where event == .added(ApprovalEvent.card(request)) { break }
            live.server.board.unsubscribe(id)
            #expect(try await live.decide(Fixtures.answer(request, approve: false)).status == .ok)
            let result = await response
            #expect(result.outcome == .declined)
            #expect(result.approver.identity == WebApprovalChannel.anonymousIdentity)
        }
    }

    @Test func refusesAnAnswerBoundToADifferentCall() async throws {
        try await LiveServer.run { live in
            let request = Fixtures.request(id: "b1")
            let (id, events) = try #require(live.server.board.subscribe())
            let task = Task { await live.server.channel.requestApproval(request) }
            for await event in events where event == .added(ApprovalEvent.card(request)) { break }
            live.server.board.unsubscribe(id)
            let changed = Fixtures.request(
                id: "b1",
                arguments: .object([.init("employee_id", .string("E-1001")), .init("new_salary", .number("999999"))]))
            let response = try await live.decide(Fixtures.answer(request, binding: changed.binding))
            #expect(response.status == .preconditionFailed)
            #expect(live.server.board.pendingCalls.map(\.id) == ["b1"])
            task.cancel()
            #expect(await task.value.outcome == .cancelled)
        }
    }

    @Test func theStreamShowsASnapshotThenAdditionsAndRemovals() async throws {
        try await LiveServer.run { live in
            let first = Fixtures.request(id: "s1")
            let second = Fixtures.request(id: "s2")
            let firstTask = Task { await live.server.channel.requestApproval(first) }
            let (id, events) = try #require(live.server.board.subscribe())
            for await event in events where event != .snapshot([]) { break }
            live.server.board.unsubscribe(id)
            let stream = try EventStreamReader(port: live.port, path: live.base + "events", host: live.authority)
            _ = try await stream.head()
            let snapshot = try await stream.next()
            #expect(snapshot.name == "snapshot")
            #expect(snapshot.data.contains(#""approval_id":"s1""#))
            let secondTask = Task { await live.server.channel.requestApproval(second) }
            let added = try await stream.next()
            #expect(added.name == "add")
            #expect(added.data == String(decoding: ApprovalEvent.card(second), as: UTF8.self))
            firstTask.cancel()
            #expect(await firstTask.value.outcome == .cancelled)
            #expect(
                try await stream.next()
                    == StreamEvent(name: "remove", data: #"{"approval_id":"s1","reason":"withdrawn"}"#))
            secondTask.cancel()
            #expect(
                try await stream.next()
                    == StreamEvent(name: "remove", data: #"{"approval_id":"s2","reason":"withdrawn"}"#))
            #expect(live.server.board.pendingCalls.isEmpty)
        }
    }

    @Test func hostileTextTravelsAsJSONAndNeverAsMarkup() async throws {
        try await LiveServer.run { live in
            let hostile = "<img src=x onerror=alert(1)>"
            let request = Fixtures.request(
                id: "h1", tool: hostile,
                arguments: .object([.init(hostile, .string("</script><script>alert(2)</script>"))]))
            let task = Task { await live.server.channel.requestApproval(request) }
            defer { task.cancel() }
            let stream = try EventStreamReader(port: live.port, path: live.base + "events", host: live.authority)
            _ = try await stream.head()
            var event = try await stream.next()
            while !event.data.contains("h1") { event = try await stream.next() }
            let card = try JSONParser.parse(Array(event.data.utf8))
            let shown =
                event.name == "add"
                ? card
                : card["pending"].flatMap { value -> JSONValue? in
                    if case .array(let items) = value { return items.first }
                    return nil
                }
            #expect(shown?["request"]?["tool"]?.stringValue == hostile)
            let page = String(buffer: try #require(try await live.send(live.base).body))
            #expect(!page.contains("<img"))
            #expect(!page.contains(hostile))
        }
    }

    @Test func gracefulShutdownEndsOpenStreams() async throws {
        let stream = try await LiveServer.run { live in
            let stream = try EventStreamReader(port: live.port, path: live.base + "events", host: live.authority)
            _ = try await stream.head()
            #expect(try await stream.next().name == "snapshot")
            return stream
        }
        #expect(await stream.ends())
    }

    @Test func aTakenPortIsReportedAsABindFailure() async throws {
        try await LiveServer.run { live in
            let second = WebApprovalServer(
                address: WebApprovalAddress(host: .ipv4, port: live.port), logger: Fixtures.quietLogger)
            await #expect {
                try await second.run()
            } throws: { error in
                guard case .bindFailed(let address, _) = error as? WebApprovalError else { return false }
                return address == live.authority
            }
            #expect(await second.url() == nil)
        }
    }

    @Test func tooManyPagesAreRefusedNotQueued() async throws {
        try await LiveServer.run(limits: .init(maxSubscribers: 1)) { live in
            let first = try EventStreamReader(port: live.port, path: live.base + "events", host: live.authority)
            _ = try await first.head()
            _ = try await first.next()
            let second = try await live.send(live.base + "events")
            #expect(second.status == .serviceUnavailable)
        }
    }
}
