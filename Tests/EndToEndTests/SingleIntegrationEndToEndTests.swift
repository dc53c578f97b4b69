import Foundation
import PostgresClient
import TestSupport
import Testing

/// `healthctl report --integration X` read by a person: the page of one integration, and ids
/// given by a prefix.
@Suite(.serialized, .requiresDatabase) struct SingleIntegrationEndToEndTests {
    let database: TestDatabase

    init() throws {
        database = try TestDatabase("e2e_single")
        try database.applySchema()
        // slack_cus_0001 is down 2026-11-16 10:00-11:00; slack_cus_0002 has no checks.
        try database.connect().execute(script: """
            INSERT INTO "Integration" (id, "userId", provider, "updatedAt") VALUES
              ('slack_cus_0001', 'u1', 'slack', now()), ('slack_cus_0002', 'u2', 'slack', now()), ('github_cus_0003', 'u2', 'github', now());
            UPDATE "Integration" SET "healthStatus" = 'ERROR', "lastHealthCheck" = '2026-11-22 23:55:00' WHERE id = 'slack_cus_0001';
            """)
        try database.insertWeekOfChecks(
            ["slack_cus_0001", "github_cus_0003"], failing: "slack_cus_0001", errorMessage: "invalid_auth: xoxb-1234567890-abcdefghijkl")
    }

    func report(_ arguments: [String]) throws -> HealthctlProcess.Output {
        try HealthctlProcess.run(["report", "--database-url", database.url] + arguments)
    }

    @Test func oneIntegrationWithDataReadsAsItsPage() throws {
        let output = try report(["--period", "2026-W47", "--integration", "slack_cus_0001"])
        #expect(output.status == 0, "\(output.stderr)")
        let page = output.stdout
        #expect(page.hasPrefix("# slack_cus_0001: 2026-W47\n\nProvider slack, customer u1.\nNow ERROR, last health check 2026-11-22T23:55:00Z (stale).\n"))
        #expect(page.contains("**SLO 99.9 % missed**: availability 99.404 % (time-weighted), 1h of downtime against 10m 5s allowed; error budget left -495.2 %. 1 incident (mean time to recover 1h), 2016 checks, coverage 100.0 %"))
        #expect(page.contains("| 2026-11-16 | **95.833 %** | 1h | 1 | "))
        #expect(page.contains(" ms | 288 |"))
        #expect(page.contains("| 2026-11-17 | 100.000 % | 0s | 0 |"))
        // Slack's invalid_auth reads as a revoked grant: the incident is a token error, the token suspect.
        #expect(page.contains("| 2026-11-16T10:00:00Z | 2026-11-16T11:00:00Z | 1h | token error: invalid_auth: [REDACTED] |"))
        #expect(page.contains("Token: revoked-suspected (no refresh token; latest incident: invalid_auth: [REDACTED]): the customer must reconnect."))
        #expect(page.contains("## Top errors\n\n| Count | Message (redacted) |\n|---:|---|\n| 12 | invalid_auth: [REDACTED] |"))
        for fleetWording in ["Fleet", "Worst", "integrations", "worst first", "1 incidents", "xoxb-"] {
            #expect(!page.contains(fleetWording), "\(fleetWording)")
        }
    }

    @Test func oneIntegrationWithoutDataSaysSo() throws {
        let output = try report(["--period", "2026-W47", "--integration", "slack_cus_0002"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("Now UNKNOWN, no health check recorded (stale)."))
        #expect(output.stdout.contains("**No data**: no check counted in the window (0 checks read). The SLO cannot be judged."))
        #expect(output.stdout.contains("| 2026-11-16 | no data |  |  |  |  | 0 |"))
        #expect(output.stdout.contains("## Incidents\n\nNone."))
    }

    @Test func anIncidentStillGoingAtTheEndIsOpen() throws {
        let output = try report(["--since", "2026-11-16T00:00:00Z", "--until", "2026-11-16T10:30:00Z", "--integration", "slack_cus_0001"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("| 2026-11-16T10:00:00Z | open (ongoing at the window's end) | 30m | token error: invalid_auth: [REDACTED] |"))
        #expect(output.stdout.contains("1 incident"))
    }

    @Test func aUniquePrefixIsResolvedAndShown() throws {
        let markdown = try report(["--period", "2026-W47", "--integration", "github", "--log-level", "notice"])
        #expect(markdown.status == 0, "\(markdown.stderr)")
        #expect(markdown.stdout.hasPrefix("# github_cus_0003: 2026-W47\n\nProvider github, customer u2, matched from the prefix \"github\".\n"))
        #expect(markdown.stderr.contains("--integration github is github_cus_0003"))
        let html = try report(["--period", "2026-W47", "--integration", "github_cus", "--format", "html"])
        #expect(html.status == 0, "\(html.stderr)")
        #expect(html.stdout.contains("<body class=\"single\">"))
        #expect(html.stdout.contains("<h1>github_cus_0003: 2026-W47</h1>"))
        #expect(!html.stdout.contains(">SLO breaches</h2>") && !html.stdout.contains("Worst"))
        let json = try report(["--period", "2026-W47", "--integration", "github", "--format", "json"])
        #expect(json.stdout.contains("\"id\": \"github_cus_0003\""))
    }

    @Test func ambiguousUnknownAndShortPrefixesExit64() throws {
        let ambiguous = try report(["--period", "2026-W47", "--integration", "slack_cus"])
        #expect(ambiguous.status == 64)
        #expect(ambiguous.stderr == "healthctl: error: --integration \"slack_cus\" is the start of several ids: \"slack_cus_0001\", \"slack_cus_0002\"; give more of the id\n")
        let unknown = try report(["--period", "2026-W47", "--integration", "zoom_cus_0009"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.hasPrefix("healthctl: error: no integration with id \"zoom_cus_0009\""))
        let short = try report(["--period", "2026-W47", "--integration", "slack"])
        #expect(short.status == 64)
        #expect(short.stderr.hasPrefix("healthctl: error: no integration with id \"slack\""))
    }

    @Test func aSplitFileWithOneIntegrationIsItsPage() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-single-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let split = try report(["--period", "2026-W47", "--split-by", "user", "--output-dir", directory.path])
        #expect(split.status == 0, "\(split.stderr)")
        let one = try String(contentsOf: directory.appendingPathComponent("2026-W47-user-u1.md"), encoding: .utf8)
        #expect(one.hasPrefix("# slack_cus_0001: 2026-W47\n"))
        let two = try String(contentsOf: directory.appendingPathComponent("2026-W47-user-u2.md"), encoding: .utf8)
        #expect(two.hasPrefix("# Integration health: 2026-W47\n") && two.contains("Customer: u2 (2 integrations)."))
    }
}
