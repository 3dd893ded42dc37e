import FirewallHTTP
import Testing

/// Token, Host, Origin, content type and CSRF checks, with no server.
struct RequestGateTests {
    let gate = RequestGate(
        pathToken: AccessToken(bytes: Array(repeating: 7, count: 32)),
        csrfToken: AccessToken(bytes: Array(repeating: 9, count: 32)), address: WebApprovalAddress())

    var token: String { gate.pathToken.text }

    @Test func routesOnlyPathsCarryingTheToken() {
        #expect(gate.route("/approve/\(token)/") == .page)
        #expect(gate.route("/approve/\(token)") == .page)
        #expect(gate.route("/approve/\(token)/events") == .events)
        #expect(gate.route("/approve/\(token)/decide") == .decide)
        for path in [
            "/", "/approve/", "/approve//", "/approve/\(token)x/", "/approve/\(token.dropLast())/",
            "/approve/\(gate.csrfToken.text)/", "/approve/\(token)/events/", "/approve/\(token)/other",
            "/approve/\(token)/decide/x", "/APPROVE/\(token)/", "/x/approve/\(token)/", "/events", "/decide",
        ] {
            #expect(gate.route(path) == .notFound, "\(path)")
        }
    }

    @Test(arguments: [
        ("127.0.0.1:8080", true), ("localhost:8080", true), ("LOCALHOST:8080", true), ("127.0.0.1", false),
        ("127.0.0.1:8081", false), ("localhost", false), ("attacker.example:8080", false), ("[::1]:8080", false),
        ("127.0.0.1:8080.attacker.example", false), ("", false),
    ])
    func acceptsOnlyTheBoundHost(host: String, accepted: Bool) {
        #expect((gate.checkHost(host, port: 8080) == nil) == accepted)
    }

    @Test func refusesARequestWithoutHost() {
        #expect(gate.checkHost(nil, port: 8080)?.status == 403)
    }

    @Test func anIPv6PageAcceptsItsOwnAuthority() {
        let gate = RequestGate(
            pathToken: AccessToken(), csrfToken: AccessToken(), address: WebApprovalAddress(host: .ipv6, port: 0))
        #expect(gate.checkHost("[::1]:9000", port: 9000) == nil)
        #expect(gate.checkHost("127.0.0.1:9000", port: 9000) != nil)
    }

    @Test func acceptsASameOriginJSONAnswerWithTheCSRFToken() {
        let csrf = gate.csrfToken.text
        let host = "127.0.0.1:8080"
        #expect(
            gate.checkAnswer(host: host, origin: "http://127.0.0.1:8080", contentType: "application/json", csrf: csrf)
                == nil)
        #expect(
            gate.checkAnswer(host: host, origin: nil, contentType: "Application/JSON; charset=utf-8", csrf: csrf) == nil
        )
        #expect(
            gate.checkAnswer(
                host: "localhost:8080", origin: "http://localhost:8080", contentType: "application/json", csrf: csrf)
                == nil)
    }

    @Test(arguments: [
        ("http://attacker.example", "application/json", "csrf", 403),
        ("null", "application/json", "csrf", 403),
        ("http://localhost:8080", "application/json", "csrf", 403),
        ("https://127.0.0.1:8080", "application/json", "csrf", 403),
        ("http://127.0.0.1:8080", "text/plain", "csrf", 415),
        ("http://127.0.0.1:8080", "application/x-www-form-urlencoded", "csrf", 415),
        ("http://127.0.0.1:8080", "multipart/form-data", "csrf", 415),
        ("http://127.0.0.1:8080", "application/jsonp", "csrf", 415),
        ("http://127.0.0.1:8080", "", "csrf", 415),
        ("http://127.0.0.1:8080", "application/json", "", 403),
        ("http://127.0.0.1:8080", "application/json", "wrong", 403),
        ("http://127.0.0.1:8080", "application/json", "path", 403),
    ])
    func refusesCrossSiteOrForgedAnswers(origin: String, contentType: String, csrf: String, status: Int) {
        let token =
            switch csrf {
            case "csrf": gate.csrfToken.text
            case "path": gate.pathToken.text
            default: csrf
            }
        let rejection = gate.checkAnswer(
            host: "127.0.0.1:8080", origin: origin, contentType: contentType.isEmpty ? nil : contentType,
            csrf: token.isEmpty ? nil : token)
        #expect(rejection?.status == status)
    }
}
