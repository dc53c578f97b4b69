/// An OAuth provider as the seed imitates it: how common it is, how fast its API answers, what its
/// tokens look like and how it words its errors.
struct SeedProvider: Sendable {
    var name: String
    var weight: Double
    var medianLatencyMs: Double
    /// Share of integrations that hold a refresh token (some providers issue none).
    var refreshTokenShare: Double
    var accessTokenLifetimeMs: Int64
    var tokenURL: String
    var apiHost: String
    var scopes: [String]
    var accessToken: @Sendable (inout SeedRandom) -> String
    var refreshToken: @Sendable (inout SeedRandom) -> String
    /// Errors only this provider writes, by kind (besides the generic HTTP ones).
    var revokedMessages: [String]
    var rateLimitMessages: [String]

    static let base64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

    /// A JWT-shaped token: `{"alg":"RS256","typ":"JWT"}` header, random payload and signature.
    static func jwt(_ random: inout SeedRandom) -> String {
        "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJ" + random.token(117, alphabet: base64URL) + "."
            + random.token(86, alphabet: base64URL)
    }

    private static let hour: Int64 = 3_600_000

    static let all: [SeedProvider] = [
        SeedProvider(
            name: "google", weight: 20, medianLatencyMs: 180, refreshTokenShare: 0.95, accessTokenLifetimeMs: hour,
            tokenURL: "https://oauth2.googleapis.com/token", apiHost: "www.googleapis.com",
            scopes: ["openid", "email", "https://www.googleapis.com/auth/calendar.readonly", "https://www.googleapis.com/auth/drive.file"],
            accessToken: { "ya29.a0" + $0.token(150, alphabet: base64URL) },
            refreshToken: { "1//0" + $0.token(99, alphabet: base64URL) },
            revokedMessages: ["invalid_grant: Token has been expired or revoked."],
            rateLimitMessages: ["429 RESOURCE_EXHAUSTED: Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user'"]),
        SeedProvider(
            name: "github", weight: 14, medianLatencyMs: 120, refreshTokenShare: 0.3, accessTokenLifetimeMs: 8 * hour,
            tokenURL: "https://github.com/login/oauth/access_token", apiHost: "api.github.com",
            scopes: ["repo", "read:org", "workflow"],
            accessToken: { "gho_" + $0.token(36) },
            refreshToken: { "ghr_" + $0.token(76) },
            revokedMessages: ["401 Bad credentials", "{\"error\":\"bad_refresh_token\",\"error_description\":\"The refresh token passed is incorrect or expired.\"}"],
            rateLimitMessages: ["403 API rate limit exceeded for installation ID 41873920."]),
        SeedProvider(
            name: "slack", weight: 12, medianLatencyMs: 150, refreshTokenShare: 0.4, accessTokenLifetimeMs: 12 * hour,
            tokenURL: "https://slack.com/api/oauth.v2.access", apiHost: "slack.com",
            scopes: ["channels:read", "chat:write", "users:read"],
            accessToken: { "xoxb-" + $0.token(13, alphabet: "0123456789") + "-" + $0.token(13, alphabet: "0123456789") + "-" + $0.token(24) },
            refreshToken: { "xoxe-1-" + $0.token(140) },
            revokedMessages: ["{\"ok\":false,\"error\":\"token_revoked\"}", "{\"ok\":false,\"error\":\"invalid_auth\"}"],
            rateLimitMessages: ["{\"ok\":false,\"error\":\"ratelimited\"}"]),
        SeedProvider(
            name: "microsoft", weight: 12, medianLatencyMs: 260, refreshTokenShare: 0.95, accessTokenLifetimeMs: 75 * 60_000,
            tokenURL: "https://login.microsoftonline.com/common/oauth2/v2.0/token", apiHost: "graph.microsoft.com",
            scopes: ["offline_access", "User.Read", "Calendars.Read", "Mail.Read"],
            accessToken: { jwt(&$0) },
            refreshToken: { "0.AX" + $0.token(180, alphabet: base64URL) },
            revokedMessages: [
                "invalid_grant: AADSTS70008: The provided authorization code or refresh token has expired due to inactivity.",
                "invalid_grant: AADSTS50173: The provided grant has expired due to it being revoked.",
            ],
            rateLimitMessages: ["429 TooManyRequests: Application is over its MailboxConcurrency limit."]),
        SeedProvider(
            name: "salesforce", weight: 8, medianLatencyMs: 320, refreshTokenShare: 0.9, accessTokenLifetimeMs: 2 * hour,
            tokenURL: "https://login.salesforce.com/services/oauth2/token", apiHost: "acme.my.salesforce.com",
            scopes: ["api", "refresh_token", "offline_access"],
            accessToken: { "00D" + $0.token(12) + "!" + $0.token(96, alphabet: base64URL) },
            refreshToken: { "5Aep" + $0.token(83) },
            revokedMessages: ["{\"error\":\"invalid_grant\",\"error_description\":\"expired access/refresh token\"}"],
            rateLimitMessages: ["REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded."]),
        SeedProvider(
            name: "hubspot", weight: 7, medianLatencyMs: 210, refreshTokenShare: 0.95, accessTokenLifetimeMs: 30 * 60_000,
            tokenURL: "https://api.hubapi.com/oauth/v1/token", apiHost: "api.hubapi.com",
            scopes: ["oauth", "crm.objects.contacts.read", "crm.objects.deals.read"],
            accessToken: { "CN" + $0.token(140, alphabet: base64URL) },
            refreshToken: { "na1-" + $0.token(4, alphabet: "0123456789abcdef") + "-" + $0.token(32, alphabet: "0123456789abcdef") },
            revokedMessages: ["{\"status\":\"BAD_REFRESH_TOKEN\",\"message\":\"missing or invalid refresh token\"}"],
            rateLimitMessages: ["429 TEN_SECONDLY_ROLLING: You have reached your ten_secondly_rolling limit."]),
        SeedProvider(
            name: "notion", weight: 6, medianLatencyMs: 230, refreshTokenShare: 0.1, accessTokenLifetimeMs: 24 * hour,
            tokenURL: "https://api.notion.com/v1/oauth/token", apiHost: "api.notion.com",
            scopes: ["read_content", "read_user"],
            accessToken: { "secret_" + $0.token(43) },
            refreshToken: { "nrt_" + $0.token(43) },
            revokedMessages: ["401 unauthorized: API token is invalid."],
            rateLimitMessages: ["429 rate_limited: You have been rate limited. Please try again in a few minutes."]),
        SeedProvider(
            name: "dropbox", weight: 6, medianLatencyMs: 200, refreshTokenShare: 0.9, accessTokenLifetimeMs: 4 * hour,
            tokenURL: "https://api.dropboxapi.com/oauth2/token", apiHost: "api.dropboxapi.com",
            scopes: ["files.metadata.read", "files.content.read", "account_info.read"],
            accessToken: { "sl." + $0.token(136, alphabet: base64URL) },
            refreshToken: { $0.token(64) },
            revokedMessages: ["{\"error\":\"invalid_grant\",\"error_description\":\"refresh token is invalid or revoked\"}"],
            rateLimitMessages: ["429 too_many_requests: retry after 300s"]),
        SeedProvider(
            name: "zoom", weight: 6, medianLatencyMs: 240, refreshTokenShare: 0.95, accessTokenLifetimeMs: hour,
            tokenURL: "https://zoom.us/oauth/token", apiHost: "api.zoom.us",
            scopes: ["meeting:read", "user:read"],
            accessToken: { jwt(&$0) },
            refreshToken: { jwt(&$0) },
            revokedMessages: ["{\"reason\":\"Invalid Token!\",\"error\":\"invalid_request\"}"],
            rateLimitMessages: ["429 You have reached the maximum per-second rate limit for this API."]),
        SeedProvider(
            name: "atlassian", weight: 9, medianLatencyMs: 280, refreshTokenShare: 0.9, accessTokenLifetimeMs: hour,
            tokenURL: "https://auth.atlassian.com/oauth/token", apiHost: "api.atlassian.com",
            scopes: ["read:jira-work", "read:confluence-content.all", "offline_access"],
            accessToken: { jwt(&$0) },
            refreshToken: { jwt(&$0) },
            revokedMessages: ["{\"error\":\"unauthorized_client\",\"error_description\":\"refresh_token is invalid\"}"],
            rateLimitMessages: ["429 Rate limit exceeded. Retry-After: 60"]),
    ]

    static let weighted: [(SeedProvider, Double)] = all.map { ($0, $0.weight) }
}
