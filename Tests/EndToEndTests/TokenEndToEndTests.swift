import Foundation
import PostgresClient
import TestSupport
import Testing

/// Token health in every output, from `tokenExpiry` and whether tokens are set; no token value
/// ever leaves the database.
@Suite(.serialized, .requiresDatabase) struct TokenEndToEndTests {
    let database: TestDatabase

    init() throws {
        database = try TestDatabase("e2e_tokens")
        try database.applySchema()
        // Every token holds a marker no output may contain. tok_revoked fails with invalid_grant
        // on 2026-11-20; tok_dead expired without a refresh token; tok_soon expires in two days.
        try database.connect().execute(script: """
            INSERT INTO "Integration" (id, "userId", provider, "accessToken", "refreshToken", "tokenExpiry", "updatedAt") VALUES
              ('tok_ok', 'cus_1', 'google', 'SECRET-ACCESS-1', 'SECRET-REFRESH-1', now() + interval '30 days', now()),
              ('tok_soon', 'cus_1', 'slack', 'SECRET-ACCESS-2', NULL, now() + interval '2 days', now()),
              ('tok_dead', 'cus_2', 'notion', 'SECRET-ACCESS-3', NULL, timestamp '2026-11-20 08:00:00', now()),
              ('tok_refresh', 'cus_2', 'github', 'SECRET-ACCESS-4', 'SECRET-REFRESH-4', timestamp '2026-11-20 08:00:00', now()),
              ('tok_revoked', 'cus_3', 'google', 'SECRET-ACCESS-5', 'SECRET-REFRESH-5', now() + interval '30 days', now());
            """)
        try database.insertWeekOfChecks(
            ["tok_ok", "tok_soon", "tok_dead", "tok_refresh", "tok_revoked"], failing: "tok_revoked", down: 1152...1200,
            errorMessage: "invalid_grant: Token has been expired or revoked. refresh_token=1//0gAbCdEf", responseTimeSQL: "120")
    }

    func report(_ arguments: [String]) throws -> HealthctlProcess.Output {
        try HealthctlProcess.run(["report", "--database-url", database.url, "--period", "2026-W47"] + arguments)
    }

    @Test func everyOutputSaysHowTheTokensStand() throws {
        let json = try report(["--format", "json"])
        try #require(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let integrations = try #require(object["integrations"] as? [[String: Any]])
        var states: [String: String] = [:]
        for item in integrations {
            let token = try #require(item["token"] as? [String: Any], "\(item["id"] ?? "")")
            states[item["id"] as? String ?? ""] = token["state"] as? String
        }
        #expect(states == [
            "tok_ok": "ok", "tok_soon": "expiring", "tok_dead": "expired-unrefreshable", "tok_refresh": "expired-refreshable",
            "tok_revoked": "revoked-suspected",
        ])
        let revoked = try #require(integrations.first { $0["id"] as? String == "tok_revoked" }?["token"] as? [String: Any])
        #expect(revoked["evidence"] as? String == "invalid_grant: Token has been expired or revoked. refresh_token=[REDACTED]")
        #expect(revoked["needsReconnect"] as? Bool == true && revoked["hasRefreshToken"] as? Bool == true)
        let dead = try #require(integrations.first { $0["id"] as? String == "tok_dead" }?["token"] as? [String: Any])
        #expect(dead["expiresAt"] as? String == "2026-11-20T08:00:00Z" && dead["hasRefreshToken"] as? Bool == false)
        let counts = try #require((object["fleet"] as? [String: Any])?["tokens"] as? [String: Int])
        #expect(counts == ["ok": 1, "expiring": 1, "expired-refreshable": 1, "expired-unrefreshable": 1, "revoked-suspected": 1])
        let incident = try #require(((integrations.first { $0["id"] as? String == "tok_revoked" }?["incidents"] as? [String: Any])?["items"] as? [[String: Any]])?.first)
        #expect(incident["tokenError"] as? Bool == true)

        let markdown = try report(["--format", "markdown"]).stdout
        #expect(markdown.contains("## Tokens needing attention\n\n2 integrations need the customer to reconnect."))
        #expect(markdown.contains("| tok_revoked | cus_3 | google | revoked-suspected (reconnect) | "))
        #expect(markdown.contains(" | invalid_grant: Token has been expired or revoked. refresh_token=[REDACTED] |"))
        #expect(markdown.contains("| tok_dead | cus_2 | notion | expired-unrefreshable (reconnect) | 2026-11-20T08:00:00Z |  |"))
        #expect(markdown.contains("token error: invalid_grant"))

        let csv = try report(["--format", "csv"]).stdout.components(separatedBy: "\r\n")
        #expect(csv[0].hasSuffix(",burn_alert,token_state,token_expires_at"))
        #expect(csv.contains { $0.hasPrefix("tok_dead,") && $0.hasSuffix(",expired-unrefreshable,2026-11-20T08:00:00Z") })

        let metrics = try report(["--format", "prometheus"]).stdout
        #expect(metrics.contains("healthctl_tokens{window=\"2026-W47\",state=\"revoked-suspected\"} 1"))
        #expect(metrics.contains("healthctl_token_expiry_timestamp_seconds{integration=\"tok_dead\",provider=\"notion\",window=\"2026-W47\"} 1795161600\n"))

        let single = try report(["--integration", "tok_dead"]).stdout
        #expect(single.contains("Token: expired-unrefreshable (expires 2026-11-20T08:00:00Z; no refresh token): the customer must reconnect."))
        let html = try report(["--format", "html"]).stdout
        #expect(html.contains(">Tokens needing attention</h2>"))
    }

    @Test func noTokenValueLeavesTheDatabase() throws {
        var outputs = ""
        for format in ["json", "csv", "markdown", "html", "prometheus"] {
            let output = try report(["--format", format, "--log-level", "trace", "--log-format", "json"])
            #expect(output.status == 0, "\(format): \(output.stderr)")
            outputs += output.stdout + output.stderr
        }
        outputs += try HealthctlProcess.run(["backfill", "--dry-run", "--verbose", "--database-url", database.url, "--log-level", "trace"]).stdout
        #expect(!outputs.contains("SECRET-"), "a token value reached an output")
        #expect(!outputs.contains("0gAbCdEf"), "a token in an error message reached an output")
    }

    @Test func withoutTheTokenColumnsTheTokenIsNullAndSaidSo() throws {
        try database.connect().execute(script: #"ALTER TABLE "Integration" DROP COLUMN "tokenExpiry", DROP COLUMN "refreshToken""#)
        let json = try report(["--format", "json"])
        try #require(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["integrations"] as? [[String: Any]])?.allSatisfy { $0["token"] is NSNull } == true)
        #expect((object["fleet"] as? [String: Any])?["tokens"] is NSNull)
        #expect((object["notes"] as? [String])?.first == "the \"Integration\" table has no \"tokenExpiry\" or \"refreshToken\" column: token health is not known")
        let markdown = try report(["--format", "markdown"]).stdout
        #expect(markdown.contains("Note: the \"Integration\" table has no \"tokenExpiry\" or \"refreshToken\" column: token health is not known."))
        #expect(!markdown.contains("Tokens needing attention"))
    }
}
