import Foundation
import TestSupport
import Testing
import PostgresClient

/// `healthctl report` as a user runs it: formats, files, filters and usage errors.
@Suite(.serialized, .requiresDatabase) struct ReportEndToEndTests {
    let database: TestDatabase

    init() throws {
        database = try TestDatabase("e2e_report")
        try database.applySchema()
        try database.connect().execute(script: """
            INSERT INTO "Integration" (id, "userId", provider, "updatedAt") VALUES
              ('int_a', 'u', 'google', now()), ('int_b', 'u', 'github', now()), ('int_c', 'u', 'google', now());
            """)
        try database.insertWeekOfChecks(["int_a", "int_b"], failing: "int_b", errorMessage: "invalid_grant | access_token=ya29.SECRETSECRET")
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

    func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func failOnBreachWritesTheReportThenExits3() throws {
        let missed = try report(["--period", "2026-W47", "--format", "csv", "--fail-on-breach"])
        #expect(missed.status == 3)
        #expect(missed.stdout.components(separatedBy: "\r\n").count == 5, "the report is written first")
        #expect(missed.stderr == "healthctl: 1 integration missed the SLO: int_b\n")
        let met = try report(["--period", "2026-W47", "--format", "csv", "--fail-on-breach", "--slo", "99"])
        #expect(met.status == 0, "\(met.stderr)")
        // Without the flag a breach is only reported.
        #expect(try report(["--period", "2026-W47", "--format", "csv"]).status == 0)
    }

    @Test func burnRatesOfAShortWindowLookBeforeIt() throws {
        // int_b was down 10:00-11:00; the report covers 11:00-12:00 only.
        let output = try report(["--since", "2026-11-16T11:00:00Z", "--until", "2026-11-16T12:00:00Z", "--format", "json", "--integration", "int_b"])
        #expect(output.status == 0, "\(output.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let slo = try #require((object["integrations"] as? [[String: Any]])?.first?["slo"] as? [String: Any])
        let rates = try #require(slo["burnRates"] as? [String: Any])
        // Checks start at 00:00: the 24h and 72h windows cover 12 hours, 1 of them down.
        #expect(abs((rates["72h"] as? Double ?? 0) - 1000.0 / 12) < 1e-6)
        #expect(abs((rates["6h"] as? Double ?? 0) - 1000.0 / 6) < 1e-6)
        #expect(abs((rates["2h"] as? Double ?? 0) - 500) < 1e-6)
        #expect(rates["30m"] as? Double == 0)
        #expect(slo["alert"] as? String == "ticket")
        #expect(slo["alertRule"] as? String == "24h and 2h above 3x")
        #expect(((object["fleet"] as? [String: Any])?["integrations"] as? [String: Any])?["ticketing"] as? Int == 1)
    }

    @Test func oneReportPerCustomerAndACustomerFilter() throws {
        try database.connect().execute(script: "UPDATE \"Integration\" SET \"userId\" = 'cus/42' WHERE id = 'int_b'")
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let split = try report(["--period", "2026-W47", "--format", "markdown", "--split-by", "user", "--output-dir", directory.path])
        #expect(split.status == 0, "\(split.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["2026-W47-user-cus%2F42.md", "2026-W47-user-u.md"])
        let customer = try String(contentsOf: directory.appendingPathComponent("2026-W47-user-cus%2F42.md"), encoding: .utf8)
        // One integration: the file is its page.
        #expect(customer.hasPrefix("# int_b: 2026-W47\n\nProvider github, customer cus/42.\n"))
        #expect(!customer.contains("int_a"))

        let filtered = try report(["--period", "2026-W47", "--format", "json", "--user", "u", "--group-by", "provider"])
        #expect(filtered.status == 0, "\(filtered.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(filtered.stdout.utf8)) as? [String: Any])
        #expect((object["integrations"] as? [[String: Any]])?.map { $0["id"] as? String } == ["int_a", "int_c"])
        let groups = try #require(object["groups"] as? [String: Any])
        #expect(groups["by"] as? String == "provider")
        #expect((groups["items"] as? [[String: Any]])?.map { $0["key"] as? String } == ["google"])

        let unknown = try report(["--period", "2026-W47", "--user", "cus/43"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr == "healthctl: error: no integration of user \"cus/43\"; did you mean \"cus/42\"?\n")
        let toStdout = try report(["--period", "2026-W47", "--split-by", "user"])
        #expect(toStdout.status == 64)
        #expect(toStdout.stderr.contains("--split-by user writes one file per user: give --output-dir DIR"))
    }

    @Test func customerFlagsNeedTheUserIdColumn() throws {
        try database.connect().execute(script: "ALTER TABLE \"Integration\" DROP COLUMN \"userId\"")
        for flags in [["--user", "u"], ["--group-by", "user"]] {
            let output = try report(["--period", "2026-W47"] + flags)
            #expect(output.status == 64)
            #expect(output.stderr == "healthctl: error: \(flags[0] == "--user" ? "--user" : flags.joined(separator: " ")) needs the customer column \"userId\", and the \"Integration\" table has none\n")
        }
        #expect(try report(["--period", "2026-W47", "--group-by", "provider"]).status == 0)
    }

    @Test func maintenanceFromTheSettingsFileAndItsErrors() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let settings = directory.appendingPathComponent("healthctl.toml")
        // int_b is down 2026-11-16 10:00-11:00; a window 09:30-10:30 for github halves it.
        try """
            [[maintenance]]
            start = "2026-11-16T09:30:00Z"
            end = "2026-11-16T10:30:00Z"
            providers = ["github"]
            reason = "GitHub API migration"
            """.write(to: settings, atomically: true, encoding: .utf8)
        let honored = try report(["--period", "2026-W47", "--format", "json", "--config", settings.path])
        #expect(honored.status == 0, "\(honored.stderr)")
        #expect(honored.stdout.contains("\"reason\": \"GitHub API migration\""))
        #expect(honored.stdout.contains("\"excludedSeconds\": 1800,"))
        #expect(honored.stdout.contains("\"downSeconds\": 1800,"))
        let ignored = try report(["--period", "2026-W47", "--format", "json", "--config", settings.path, "--maintenance", "ignore"])
        #expect(ignored.stdout.contains("\"downSeconds\": 3600,"))

        try """
            [[maintenance]]
            every = "week"
            days = ["sun"]
            from = "02:00"
            to = "04:00"
            timezone = "Europe/Berlln"
            reason = "weekly deploy window"
            """.write(to: settings, atomically: true, encoding: .utf8)
        let bad = try report(["--period", "2026-W47", "--config", settings.path])
        #expect(bad.status == 78)
        #expect(bad.stderr.hasPrefix("healthctl: error: \(settings.path) line 1: maintenance entry 1 (\"weekly deploy window\"): unknown time zone \"Europe/Berlln\""))
        let noHours = try report(["--period", "2026-W47", "--service-hours"])
        #expect(noHours.status == 64)
        #expect(noHours.stderr.contains("--service-hours needs [report.service_hours] in the settings file"))
    }

    @Test func unwritableOutputExits73() throws {
        let output = try report(["--period", "2026-W47", "--output", "/nonexistent-dir/report.md"])
        #expect(output.status == 73)
        #expect(output.stderr.hasPrefix("healthctl: error: cannot write the report to /nonexistent-dir/report.md"))
    }
}
