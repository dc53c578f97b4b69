import Foundation
import Synchronization

/// What healthctl knows about OAuth tokens, in one place: the provider token formats the
/// redactor masks, the wordings of a revoked or invalid grant, and the facts it may read about a
/// token (when it expires, whether one is set) without ever selecting one.
public enum TokenKnowledge {
    /// Provider token formats: Google `ya29.`, GitHub `gho_`/`ghp_`/..., Slack `xoxb-`/..., Stripe
    /// style `sk_live_`. `Redactor` masks them wherever they appear.
    static let providerTokenPattern =
        #"\b(?:ya29\.[A-Za-z0-9_\-]+|gh[oprsu]_[A-Za-z0-9]{20,}|xox[abprs]-[A-Za-z0-9\-]+|sk_(?:live|test)_[A-Za-z0-9]+)"#

    /// How providers say that a grant is revoked or no longer valid, so the customer must
    /// reconnect: each with the provider that words it so (nil: the OAuth standard or several).
    public static let revokedWordings: [(provider: String?, pattern: String)] = [
        (nil, #"\binvalid_grant\b"#),
        (nil, #"\binvalid_token\b"#),
        (nil, #"(?:token|grant) (?:has been|was|is) (?:expired or )?revoked"#),
        (nil, #"\brevoked\b"#),
        (nil, #"refresh[ _]token (?:is |passed is )?(?:invalid|incorrect|expired)"#),
        ("google", #"token has been expired or revoked"#),
        ("github", #"\bbad_refresh_token\b|401 bad credentials"#),
        ("slack", #"\btoken_revoked\b|\binvalid_auth\b|\baccount_inactive\b"#),
        ("microsoft", #"\bAADSTS(?:70008|50173|700082|700084|50078)\b"#),
        ("salesforce", #"expired access/refresh token"#),
        ("hubspot", #"\bBAD_REFRESH_TOKEN\b|missing or invalid refresh token"#),
        ("notion", #"api token is invalid"#),
        ("zoom", #"invalid token!"#),
        ("atlassian", #"\bunauthorized_client\b"#),
    ]

    /// Every wording in one case-insensitive alternation: one pass over a message. ICU's engine
    /// (`NSRegularExpression`) answers in microseconds where Swift's `Regex` took a third of a
    /// millisecond per message, a noticeable part of a year's report with a few hundred wordings.
    private static let revokedExpression =
        // Literals above, each exercised by TokenHealthTests.
        try! NSRegularExpression(pattern: revokedWordings.map { "(?:\($0.pattern))" }.joined(separator: "|"), options: [.caseInsensitive])

    /// Verdicts on messages seen before: reports ask about the same few wordings again and again
    /// (every incident of a year), and a regular expression costs microseconds each time.
    private static let verdicts = Mutex<[String: Bool]>([:])
    private static let verdictLimit = 4096

    /// True when an error message reads like a revoked or invalid grant.
    public static func looksRevoked(_ message: String) -> Bool {
        if let known = verdicts.withLock({ $0[message] }) { return known }
        let verdict = revokedExpression.firstMatch(in: message, range: NSRange(message.startIndex..., in: message)) != nil
        verdicts.withLock { cache in
            if cache.count >= verdictLimit { cache.removeAll(keepingCapacity: true) }
            cache[message] = verdict
        }
        return verdict
    }

    /// SQL for the token facts of the `Integration` row `alias`: `tokenExpiry`, and whether an
    /// access and a refresh token are set, as booleans. Never a token's value. A missing column
    /// is NULL.
    static func factsSQL(_ schema: HealthSchema, alias: String) -> (expiresAt: String, hasAccessToken: String, hasRefreshToken: String) {
        let prefix = alias.isEmpty ? "" : alias + "."
        return (
            schema.hasTokenExpiry ? HealthSchema.epochMillisecondsSQL("\(prefix)\"tokenExpiry\"") : "NULL::int8",
            schema.hasIntegrationColumn("accessToken") ? "coalesce(\(prefix)\"accessToken\" <> '', false)" : "NULL::bool",
            schema.hasRefreshToken ? "coalesce(\(prefix)\"refreshToken\" <> '', false)" : "NULL::bool"
        )
    }

    /// Expired, and nothing to refresh it with: backfill's token rule derives ERROR from it, and
    /// a report calls the token `expired-unrefreshable`.
    public static func isExpiredUnrefreshable(expired: Bool?, hasRefreshToken: Bool?) -> Bool {
        expired == true && hasRefreshToken == false
    }
}

/// A token's facts as healthctl reads them; nil fields for columns the table does not have.
public struct TokenFacts: Sendable, Equatable {
    public var expiresAtMs: Int64?
    public var hasAccessToken: Bool?
    public var hasRefreshToken: Bool?

    public init(expiresAtMs: Int64? = nil, hasAccessToken: Bool? = nil, hasRefreshToken: Bool? = nil) {
        self.expiresAtMs = expiresAtMs
        self.hasAccessToken = hasAccessToken
        self.hasRefreshToken = hasRefreshToken
    }
}

/// How an integration's token stands at a report's generation time.
public enum TokenState: String, Sendable, CaseIterable, Equatable {
    case ok
    case expiring
    case expiredRefreshable = "expired-refreshable"
    case expiredUnrefreshable = "expired-unrefreshable"
    case revokedSuspected = "revoked-suspected"

    /// The customer has to reconnect.
    public var needsReconnect: Bool { self == .expiredUnrefreshable || self == .revokedSuspected }
}

public struct TokenStatus: Sendable, Equatable {
    public var state: TokenState
    public var facts: TokenFacts
    /// The redacted message that made it `revoked-suspected`.
    public var evidence: String?

    /// The state from the facts and the latest errors (redacted, newest first): revoked wording in
    /// them wins; then an expiry before `nowMs` (refreshable or not); then one within `warningMs`.
    public static func assess(_ facts: TokenFacts, latestErrors: [String], nowMs: Int64, warningMs: Int64) -> TokenStatus {
        if let evidence = latestErrors.first(where: TokenKnowledge.looksRevoked) {
            return TokenStatus(state: .revokedSuspected, facts: facts, evidence: evidence)
        }
        guard let expiry = facts.expiresAtMs else { return TokenStatus(state: .ok, facts: facts) }
        if expiry < nowMs {
            let unrefreshable = TokenKnowledge.isExpiredUnrefreshable(expired: true, hasRefreshToken: facts.hasRefreshToken)
            return TokenStatus(state: unrefreshable ? .expiredUnrefreshable : .expiredRefreshable, facts: facts)
        }
        return TokenStatus(state: expiry <= nowMs + warningMs ? .expiring : .ok, facts: facts)
    }
}
