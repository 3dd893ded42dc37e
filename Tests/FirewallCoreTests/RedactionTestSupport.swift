import Foundation
import Testing

@testable import FirewallCore

/// Synthetic secrets of every built-in format, built at run time so that no secret scanner mistakes
/// this file for a leak. None of them is, or ever was, a real credential.
enum FakeSecret {
    static func repeated(_ piece: String, toLength length: Int) -> String {
        String(String(repeating: piece, count: length / piece.count + 1).prefix(length))
    }

    static let aws = "AKIA" + "IOSFODNN7EXAMPLE"
    static let github = "ghp_" + repeated("a1B2c3", toLength: 36)
    static let githubFineGrained = "github_pat_" + repeated("11AbC_d2", toLength: 82)
    static let slack = "xoxb-" + "123456789012-123456789012-" + repeated("aB3", toLength: 24)
    static let slackWebhookPath = "T00000000/B00000000/" + repeated("XyZ", toLength: 24)
    static let jwt =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" + ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0"
        + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
    static let stripe = "sk_" + "live_" + repeated("4eC39HqLyj", toLength: 24)
    static let google = "AIza" + repeated("SyD-9tSrke72PouQMnMX", toLength: 35)
    static let anthropic = "sk-ant-" + "api03-" + repeated("Ab3_x-Yz9", toLength: 93) + "AA"
    static let openAIProject = "sk-" + "proj-" + repeated("Zq7Xw2", toLength: 56)
    static let openAILegacy = "sk-" + repeated("Ab1", toLength: 20) + "T3Blbk" + "FJ" + repeated("cD2", toLength: 20)
    static let pemBody = repeated("MIIEowIBAAKCAQEAx4f", toLength: 120)
    static let privateKey = "-----BEGIN RSA " + "PRIVATE KEY-----\n" + pemBody + "\n-----END RSA PRIVATE KEY-----"
    /// `user:password` in base64.
    static let basic = "dXNlcjpwYXNzd29yZA=="
    static let bearer = "mF_9.B5f-4.1JqM" + "zz9"
}

/// Redacts `text` (JSON) with `redactor`; nil when nothing changed. The output must be valid JSON to
/// both the proxy's parser and Foundation's, on one line.
func redact(
    _ text: String, with redactor: Redactor = .standard, sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws -> (text: String, findings: [RedactionFinding])? {
    guard let result = redactor.redact(json: Array(text.utf8)) else { return nil }
    let output = String(decoding: result.bytes, as: UTF8.self)
    #expect(throws: Never.self, "not JSON: \(output)", sourceLocation: sourceLocation) {
        // Structure only: the input's own duplicate keys stay duplicates.
        _ = try JSONParser.parse(result.bytes, rules: .structureOnly)
    }
    #expect(
        (try? JSONSerialization.jsonObject(with: Data(result.bytes), options: [.fragmentsAllowed])) != nil,
        "Foundation cannot read: \(output)", sourceLocation: sourceLocation)
    #expect(
        !result.bytes.contains(0x0A) || text.utf8.contains(0x0A), "a line break appeared",
        sourceLocation: sourceLocation)
    return (output, result.findings)
}

extension JSONValue {
    /// Element `index` of an array.
    subscript(index: Int) -> JSONValue? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }
}
