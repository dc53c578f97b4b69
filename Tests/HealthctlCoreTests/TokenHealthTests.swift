import Foundation
@testable import HealthctlCore
import PostgresClient
import TestSupport
import Testing

/// Token states with known answers, and the revoked wordings of the providers.
@Suite struct TokenHealthTests {
    static let now: Int64 = 1_796_000_000_000
    static let day = CalendarDay.dayMs
    static let week = 7 * day

    static func state(_ expiry: Int64?, refresh: Bool?, errors: [String] = []) -> TokenState {
        TokenStatus.assess(TokenFacts(expiresAtMs: expiry, hasAccessToken: true, hasRefreshToken: refresh), latestErrors: errors, nowMs: now, warningMs: week).state
    }

    @Test func theWarningWindowsBoundaries() {
        #expect(Self.state(Self.now + Self.week + 1, refresh: true) == .ok)
        #expect(Self.state(Self.now + Self.week, refresh: true) == .expiring, "expiring at exactly the warning")
        #expect(Self.state(Self.now, refresh: false) == .expiring, "expiring now is not yet expired")
        #expect(Self.state(Self.now - 1, refresh: true) == .expiredRefreshable)
        #expect(Self.state(Self.now - 1, refresh: false) == .expiredUnrefreshable)
        #expect(Self.state(Self.now - Self.day, refresh: nil) == .expiredRefreshable, "without the column nothing says it cannot refresh")
        #expect(Self.state(nil, refresh: false) == .ok, "no expiry recorded")
        let wider = TokenStatus.assess(TokenFacts(expiresAtMs: Self.now + 10 * Self.day), latestErrors: [], nowMs: Self.now, warningMs: 14 * Self.day)
        #expect(wider.state == .expiring)
    }

    @Test func revokedWordingWinsAndIsTheEvidence() {
        let status = TokenStatus.assess(
            TokenFacts(expiresAtMs: Self.now + 30 * Self.day, hasRefreshToken: true),
            latestErrors: ["invalid_grant: Token has been expired or revoked."], nowMs: Self.now, warningMs: Self.week)
        #expect(status.state == .revokedSuspected && status.state.needsReconnect)
        #expect(status.evidence == "invalid_grant: Token has been expired or revoked.")
        #expect(Self.state(Self.now - 1, refresh: false, errors: ["503 Service Unavailable"]) == .expiredUnrefreshable)
    }

    static let revoked: [(String, String)] = [
        ("google", "invalid_grant: Token has been expired or revoked."),
        ("github", "{\"error\":\"bad_refresh_token\",\"error_description\":\"The refresh token passed is incorrect or expired.\"}"),
        ("github", "401 Bad credentials"),
        ("slack", "{\"ok\":false,\"error\":\"token_revoked\"}"),
        ("slack", "{\"ok\":false,\"error\":\"invalid_auth\"}"),
        ("microsoft", "invalid_grant: AADSTS70008: The provided authorization code or refresh token has expired due to inactivity."),
        ("microsoft", "AADSTS50173: The provided grant has expired due to it being revoked."),
        ("salesforce", "{\"error\":\"invalid_grant\",\"error_description\":\"expired access/refresh token\"}"),
        ("hubspot", "{\"status\":\"BAD_REFRESH_TOKEN\",\"message\":\"missing or invalid refresh token\"}"),
        ("notion", "401 unauthorized: API token is invalid."),
        ("dropbox", "{\"error\":\"invalid_grant\",\"error_description\":\"refresh token is invalid or revoked\"}"),
        ("zoom", "{\"reason\":\"Invalid Token!\",\"error\":\"invalid_request\"}"),
        ("atlassian", "{\"error\":\"unauthorized_client\",\"error_description\":\"refresh_token is invalid\"}"),
        ("any", "401 Unauthorized: invalid_token"),
    ]

    @Test(arguments: revoked)
    func providersRevokedWordingsAreRecognised(_ provider: String, _ message: String) {
        #expect(TokenKnowledge.looksRevoked(message), "\(provider)")
        #expect(TokenKnowledge.looksRevoked(Redactor.redact(message)), "\(provider), redacted")
    }

    @Test(arguments: [
        "429 Too Many Requests", "503 Service Unavailable", "upstream request timeout", "401 Unauthorized: The access token expired",
        "error code: 401", "{\"ok\":false,\"error\":\"ratelimited\"}", "token expired, refreshing",
    ])
    func otherErrorsAreNotRevocations(_ message: String) {
        #expect(!TokenKnowledge.looksRevoked(message))
    }

    @Test func theRedactorMasksTheProviderFormatsTokenKnowledgeNames() {
        for token in ["ya29.a0AfH6SMBx3", "ghp_abcdefghijklmnopqrstuvwx", "xoxb-1234-abcd", "sk_live_abc123"] {
            #expect(Redactor.redact("token \(token) failed") == "token \(Redactor.mask) failed", "\(token)")
        }
    }
}

/// The report's SQL of "Integration" never selects a token: each mention of a token column is
/// a test whether it is set.
@Suite(.requiresDatabase) struct TokenSQLTests {
    @Test func theIntegrationQuerySelectsNoTokenValue() throws {
        let database = try TestDatabase("token_sql")
        try database.applySchema()
        let schema = try SchemaInspector.inspect(try database.connect(), schema: "public")
        #expect(schema.hasTokenExpiry && schema.hasRefreshToken && schema.hasIntegrationColumn("accessToken"))
        let sql = ReportSource.integrationsSQL(schema: schema, conditions: [])
        for column in ["\"accessToken\"", "\"refreshToken\""] {
            let mentions = sql.components(separatedBy: column).count - 1
            let tests = sql.components(separatedBy: "coalesce(\(column) <> '', false)").count - 1
            #expect(mentions == 1 && tests == 1, "\(column) appears only as a test of whether it is set: \(sql)")
        }
        // The server agrees: the query runs, and what comes back is booleans and times.
        let rows = try database.connect().query(sql)
        #expect(rows.rows.isEmpty)
    }
}
