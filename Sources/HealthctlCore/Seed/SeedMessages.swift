import PostgresClient

/// An error message as stored in `"errorMessage"`, with its COPY encoding made once and shared by
/// every row of an episode.
public final class SeedMessage: Sendable, Equatable, CustomStringConvertible {
    public let text: String
    let copyBytes: [UInt8]

    init(_ text: String) {
        self.text = text
        copyBytes = Array(CopyText.escape(text).utf8)
    }

    public var description: String { text }

    public static func == (lhs: SeedMessage, rhs: SeedMessage) -> Bool { lhs.text == rhs.text }
}

/// What went wrong during an outage; decides the message and the response times.
enum OutageKind: CaseIterable {
    /// The provider did not answer: mostly NULL response times.
    case timeout
    /// 5xx from the provider.
    case serverError
    /// 401/403 with the current token.
    case authFailure
    /// 429 and quota errors.
    case rateLimited
    /// The user revoked access or the refresh token expired: ERROR until someone reconnects.
    case revoked
}

/// Messages worded like real OAuth providers' errors. Some echo the request, tokens included, as
/// providers and HTTP clients do, so the seeded data exercises `Redactor`.
enum SeedMessages {
    static func outage(_ kind: OutageKind, _ integration: SyntheticIntegration, _ random: inout SeedRandom) -> SeedMessage {
        let provider = integration.providerDetails
        let text: String
        switch kind {
        case .timeout:
            text = random.pick([
                "ETIMEDOUT: request to https://\(provider.apiHost) timed out after 30000ms",
                "connect ECONNREFUSED \(random.between(3, 223)).\(random.below(256)).\(random.below(256)).\(random.below(256)):443",
                "socket hang up",
                "504 Gateway Timeout",
            ])
        case .serverError:
            text = random.pick([
                "500 Internal Server Error",
                "502 Bad Gateway: upstream connect error or disconnect/reset before headers",
                "503 Service Unavailable: \(provider.apiHost) is temporarily unavailable, try again later",
                "ECONNRESET: read ECONNRESET",
            ])
        case .authFailure:
            if random.chance(0.5) {
                text = tokenEcho(integration, &random)
            } else {
                text = random.pick([
                    "401 Unauthorized: The access token expired",
                    "401 Unauthorized: invalid_token",
                    "403 Forbidden: insufficient_scope (required: \(random.pick(provider.scopes)))",
                ])
            }
        case .rateLimited:
            text = random.chance(0.5)
                ? random.pick(provider.rateLimitMessages)
                : "429 Too Many Requests: rate limit exceeded, retry after \(random.pick([30, 60, 120, 300]))s"
        case .revoked:
            if let refresh = integration.refreshToken, random.chance(0.3) {
                text = "invalid_grant: refresh_token=\(refresh) is expired or revoked"
            } else {
                text = random.pick(provider.revokedMessages + ["{\"error\":\"invalid_grant\",\"error_description\":\"Token has been expired or revoked.\"}"])
            }
        }
        return SeedMessage(text)
    }

    /// An auth error that repeats the token it was given, the way careless clients log requests.
    private static func tokenEcho(_ integration: SyntheticIntegration, _ random: inout SeedRandom) -> String {
        let provider = integration.providerDetails
        let access = integration.accessToken
        var choices = [
            "401 Unauthorized: request with Authorization: Bearer \(access) was rejected",
            "{\"error\":\"invalid_token\",\"error_description\":\"Access token expired\",\"access_token\":\"\(access)\"}",
            "GET https://\(provider.apiHost)/v1/me?access_token=\(access) returned 401",
            "jwt expired: \(SeedProvider.jwt(&random))",
        ]
        if let refresh = integration.refreshToken {
            choices.append("token refresh failed: POST \(provider.tokenURL) grant_type=refresh_token&refresh_token=\(refresh) returned 400 invalid_grant")
        }
        return random.pick(choices)
    }

    /// A single failed check in otherwise healthy operation.
    static func transientKind(_ random: inout SeedRandom) -> OutageKind {
        random.pick(weighted: [(.timeout, 0.35), (.serverError, 0.45), (.rateLimited, 0.2)])
    }

    static func warning(_ integration: SyntheticIntegration, _ random: inout SeedRandom) -> SeedMessage {
        SeedMessage(random.pick([
            "slow response: above the 2000ms threshold",
            "rate limit nearly exhausted: \(random.between(1, 9))% of quota remaining",
            "access token expires in less than 10 minutes and the refresh is pending",
            "deprecated API version in use: sunset on 2027-03-31",
            "partial sync: \(random.between(1, 9)) of \(random.between(50, 400)) items failed",
            "429 Too Many Requests on 1 of 3 probes, retried successfully",
        ]))
    }

    static func unknown(_ random: inout SeedRandom) -> SeedMessage? {
        random.pick([
            nil,
            SeedMessage("health check skipped: worker restarted"),
            SeedMessage("unexpected response: 200 OK with an empty body"),
        ])
    }
}
