import Foundation
import TestSupport
import Testing
import PostgresClient

/// `healthctl report` as a user runs it: formats, files, filters and usage errors.
@Suite(.serialized, .requiresDatabase) struct ReportEndToEndTests {
    let database: TestDatabase

    init() throws {
        database = try TestDatabase("e2e_report")
        let setup = try HealthctlProcess.run(["schema", "apply", "--with-base-table", "--database-url", database.url])
        #expect(setup.status == 0)
        try database.connect().execute(script: """
            INSERT INTO "Integration" (id, "userId", provider, "updatedAt") VALUES
              ('int_a', 'u', 'google', now()), ('int_b', 'u', 'github', now()), ('int_c', 'u', 'google', now());
            INSERT INTO "IntegrationHealthLog" (id, "integrationId", status, "errorMessage", "responseTime", "checkedAt")
            SELECT 'l' || s || i, i,
                   CASE WHEN i = 'int_b' AND s BETWEEN 120 AND 131 THEN 'ERROR' ELSE 'HEALTHY' END::"IntegrationHealthStatus",
                   CASE WHEN i = 'int_b' AND s BETWEEN 120 AND 131 THEN 'invalid_grant | access_token=ya29.SECRETSECRET' END,
                   100 + s % 50, timestamp '2026-11-16 00:00:00' + s * interval '5 minutes'
            FROM generate_series(0, 2015) s, unnest(ARRAY['int_a', 'int_b']) i;
            """)
    }

    func report(_ arguments: [String], directory: URL? = nil) throws -> HealthctlProcess.Output {
        try HealthctlProcess.run(["report", "--database-url", database.url] + arguments, directory: directory)
    }

    @Test func jsonForAnISOWeek() throws {
        let output = try report(["--period", "2026-W47", "--format", "json"])
        #expect(output.status == 0, "\(output.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        #expect(object["schemaVersion"] as? Int == 2)
        let integrations = try #require(object["integrations"] as? [[String: Any]])
        #expect(integrations.map { $0["id"] as? String } == ["int_a", "int_b", "int_c"])
        let b = try #require(integrations[1]["availability"] as? [String: Any])
        // (Foundation's JSON parser on Linux may differ in the last bit; the printed text is exact.)
        #expect(output.stdout.contains("\"timeWeighted\": 0.9940476190476191,"))
        #expect(b["upSeconds"] as? Double == 601_200 && b["downSeconds"] as? Double == 3600)
        #expect(integrations[2]["hasData"] as? Bool == false)
        #expect(!output.stdout.contains("SECRETSECRET"))
    }

    @Test func csvAndMarkdownToFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let markdown = try report(["--period", "2026-W47", "--format", "markdown", "--output-dir", "reports"], directory: directory)
        #expect(markdown.status == 0, "\(markdown.stderr)")
        #expect(markdown.stdout.isEmpty)
        let file = directory.appendingPathComponent("reports/2026-W47.md").path
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.hasPrefix("# Integration health: 2026-W47"))
        #expect(text.contains("| int_b | github | 99.404 % |"))
        #expect(text.contains("invalid_grant \\| access_token=[REDACTED]"))
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("reports").path) == ["2026-W47.md"])

        let csv = try report(["--since", "2026-11-16", "--until", "2026-11-18", "--format", "csv", "--by", "day", "--output", "days.csv"], directory: directory)
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = try String(contentsOf: directory.appendingPathComponent("days.csv"), encoding: .utf8).components(separatedBy: "\r\n")
        #expect(lines.first?.hasPrefix("integration_id,date,provider,checks_total,") == true)
        #expect(lines.count == 1 + 3 * 2 + 1)
        #expect(lines[3].hasPrefix("int_b,2026-11-16,github,288,276,0,12,0,"))
    }

    @Test func filtersByIntegrationAndProvider() throws {
        let one = try report(["--period", "2026-W47", "--format", "csv", "--integration", "int_b"])
        #expect(one.status == 0)
        #expect(one.stdout.components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }.map { String($0.prefix(5)) } == ["int_b"])
        let google = try report(["--period", "2026-W47", "--format", "csv", "--provider", "google"])
        #expect(google.stdout.components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }.map { String($0.prefix(5)) } == ["int_a", "int_c"])
    }

    @Test func usageErrorsExit64() throws {
        let unknown = try report(["--period", "2026-W47", "--integration", "int_x"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr == "healthctl: error: no integration with id \"int_x\"; did you mean \"int_a\", \"int_b\", \"int_c\"?\n")
        let backwards = try report(["--since", "2026-11-20", "--until", "2026-11-10"])
        #expect(backwards.status == 64)
        #expect(backwards.stderr.contains("--since 2026-11-20T00:00:00Z is not before --until 2026-11-10T00:00:00Z"))
        #expect(try report(["--period", "2026-W99"]).status == 64)
        #expect(try report(["--slo", "101"]).status == 64)
        #expect(try report(["--max-gap", "soon"]).status == 64)
    }

    @Test func unwritableOutputExits73() throws {
        let output = try report(["--period", "2026-W47", "--output", "/nonexistent-dir/report.md"])
        #expect(output.status == 73)
        #expect(output.stderr.hasPrefix("healthctl: error: cannot write the report to /nonexistent-dir/report.md"))
    }
}
