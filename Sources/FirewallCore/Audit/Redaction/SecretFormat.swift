/// A well-known secret format the audit redacts wherever it appears inside a string value.
///
/// The shapes follow the published detector sets (gitleaks `config/gitleaks.toml`, Yelp
/// detect-secrets), re-implemented as forward byte matchers: no regular expression runs on the
/// audit path, and every matcher's work is bounded, so one pass over a string stays linear in its length.
package enum SecretFormat: Int, CaseIterable, Sendable {
    /// `AKIA…`, `ASIA…`, `ABIA…`, `ACCA…`, `A3T?…` and 16 base-32 capitals.
    case awsAccessKeyID
    /// `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` and 36 or more letters and digits; `github_pat_` and 82 or more.
    case githubToken
    /// `xoxb-`, `xoxp-`, `xoxa-`, `xoxe-`, `xoxo-`, `xoxr-`, `xoxs-`, `xapp-` tokens.
    case slackToken
    /// The secret path of `hooks.slack.com/services/…` (also `workflows/`, `triggers/`).
    case slackWebhookURL
    /// The body of a `-----BEGIN … PRIVATE KEY-----` block (PEM, OpenSSH, PGP `PRIVATE KEY BLOCK`).
    case privateKey
    /// A JSON Web Token: `eyJ…` header, `.eyJ…` claims, `.` and a signature.
    case jwt
    /// Stripe secret and restricted keys: `sk_live_…`, `rk_test_…`, `sk_prod_…`.
    case stripeKey
    /// `AIza` and 35 URL-safe characters.
    case googleAPIKey
    /// `sk-ant-…` (Anthropic API, admin and OAuth keys).
    case anthropicKey
    /// `sk-proj-…`, `sk-svcacct-…`, `sk-admin-…`, and other `sk-…` keys holding the `T3BlbkFJ` marker.
    case openAIKey
    /// The credential after `Bearer ` (at least 8 characters, one of them a digit).
    case bearerToken
    /// The credential after `Basic `: base64 that decodes to `user:password`.
    case basicAuth
    /// The password of a URL's `user:password@` (`postgres://app:hunter2@db/…`).
    case urlPassword

    /// The rule's name in markers (`[REDACTED:jwt]`), in `redactions` and in the policy's `disable:`.
    package var name: String {
        switch self {
        case .awsAccessKeyID: "aws_access_key_id"
        case .githubToken: "github_token"
        case .slackToken: "slack_token"
        case .slackWebhookURL: "slack_webhook_url"
        case .privateKey: "private_key"
        case .jwt: "jwt"
        case .stripeKey: "stripe_key"
        case .googleAPIKey: "google_api_key"
        case .anthropicKey: "anthropic_key"
        case .openAIKey: "openai_key"
        case .bearerToken: "bearer_token"
        case .basicAuth: "basic_auth"
        case .urlPassword: "url_password"
        }
    }

    /// The format named `name`, if any.
    package init?(name: String) {
        guard let format = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = format
    }

    /// A set of formats as bits, for the scanner's inner loop.
    struct Set: Sendable, Equatable {
        var bits: UInt32

        static let all = Set(bits: (1 << UInt32(SecretFormat.allCases.count)) - 1)
        static let none = Set(bits: 0)

        func contains(_ format: SecretFormat) -> Bool { bits & (1 << UInt32(format.rawValue)) != 0 }

        mutating func remove(_ format: SecretFormat) { bits &= ~(1 << UInt32(format.rawValue)) }

        var isEmpty: Bool { bits == 0 }
    }
}
