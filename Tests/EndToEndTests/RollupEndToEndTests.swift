import Foundation
import PostgresClient
import TestSupport
import Testing

/// Rollups through the built binary: a report keeps its numbers once prune deletes the rows,
/// reruns change nothing, late rows and restores are noticed, and prune refuses days that no
/// current rollup holds.
@Suite(.requiresDatabase) struct RollupEndToEndTests {
    let database: TestDatabase
    let connection: PostgresConnection
    let archive: URL

    init() throws {
        database = try TestDatabase("rollup")
        connection = try database.connect()
        archive = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-rollup-\(UUID().uuidString)")
        try expect(["schema", "apply", "--with-base-table"])
        try expect(["seed", "--integrations", "12", "--days", "9", "--seed", "11", "--until", "2026-11-23T00:00:00Z"])
        try Self.accountingSettings.write(to: Self.accountingFile, atomically: true, encoding: .utf8)
    }

    /// Maintenance (one-off for a provider, weekly in a zone with DST) and service hours with a
    /// holiday, so the accounting rules are checked against pruned days too.
    static let accountingSettings = """
        [report.service_hours]
        days = ["mon", "tue", "wed", "thu", "fri"]
        from = "08:00"
        to = "20:00"
        timezone = "America/New_York"
        holidays = ["2026-11-19"]

        [[maintenance]]
        start = "2026-11-17T22:00:00Z"
        end = "2026-11-18T03:00:00Z"
        providers = ["github", "slack"]
        reason = "provider migration"

        [[maintenance]]
        every = "week"
        days = ["mon", "fri"]
        from = "09:00"
        to = "11:30"
        timezone = "Europe/Berlin"
        reason = "weekly deploy window"
        """

    static let accountingFile = FileManager.default.temporaryDirectory
        .appendingPathComponent("healthctl-rollup-accounting-\(ProcessInfo.processInfo.processIdentifier).toml")

    /// The report modes compared before and after prune: every choice a rollup must serve.
    var modes: [[String]] {
        Self.modes + [[
            "--config", Self.accountingFile.path, "--service-hours", "--min-incident", "3m",
            "--compare", "previous", "--group-by", "provider", "--warning-as", "down",
        ]]
    }

    @discardableResult
    func run(_ arguments: [String]) throws -> HealthctlProcess.Output {
        try HealthctlProcess.run(arguments, environment: ["DATABASE_URL": database.url])
    }

    @discardableResult
    func expect(_ arguments: [String]) throws -> HealthctlProcess.Output {
        let output = try run(arguments)
        try #require(output.status == 0, "\(arguments): \(output.stderr)")
        return output
    }

    func count(_ sql: String) throws -> Int { try connection.query(sql).first?.int(0) ?? -1 }

    static let modes: [[String]] = [
        ["--warning-as", "up", "--latency-of", "all"], ["--warning-as", "down", "--latency-of", "all"],
        ["--warning-as", "up", "--latency-of", "healthy"], ["--warning-as", "down", "--latency-of", "healthy"],
    ]

    @Test func aReportHasTheSameNumbersBeforeAndAfterPrune() throws {
        let week = ["report", "--period", "2026-W47", "--format", "json"]
        let before = try modes.map { try expect(week + $0).stdout }
        // percentile_disc on the server, per integration, before the rows go.
        let disc = try connection.query(
            """
            SELECT "integrationId", percentile_disc(0.5) WITHIN GROUP (ORDER BY "responseTime"),
                   percentile_disc(0.95) WITHIN GROUP (ORDER BY "responseTime"), percentile_disc(0.99) WITHIN GROUP (ORDER BY "responseTime")
            FROM "IntegrationHealthLog" WHERE "checkedAt" >= '2026-11-16' AND "checkedAt" < '2026-11-23' AND "responseTime" >= 0
            GROUP BY 1 ORDER BY 1
            """).rows.map { [$0[0] ?? "", $0[1] ?? "", $0[2] ?? "", $0[3] ?? ""] }
        #expect(ReportJSONComparison.daySources(before[0]) == Array(repeating: "raw", count: 7))
        // The accounting mode really leaves time out, compares and groups.
        let accounting = try #require(try JSONSerialization.jsonObject(with: Data(before[4].utf8)) as? [String: Any])
        #expect((accounting["maintenance"] as? [[String: Any]])?.map { $0["reason"] as? String } == ["provider migration", "weekly deploy window"])
        let fleet = try #require(accounting["fleet"] as? [String: Any])
        let excluded = try #require((fleet["availability"] as? [String: Any])?["maintenanceSeconds"] as? Double)
        #expect(excluded > 0)
        #expect((fleet["previous"] as? [String: Any])?["hasData"] as? Bool == true)
        #expect(((accounting["groups"] as? [String: Any])?["items"] as? [Any])?.isEmpty == false)

        try expect(["rollup"])
        try expect(["prune", "--before", "2026-11-20T00:00:00Z", "--archive-dir", archive.path])
        defer { try? FileManager.default.removeItem(at: archive) }
        #expect(try count("SELECT count(*) FROM \"IntegrationHealthLog\" WHERE \"checkedAt\" < '2026-11-20'") == 0)

        for (mode, expected) in zip(modes, before) {
            let after = try expect(week + mode).stdout
            #expect(ReportJSONComparison.withoutVolatileFields(after) == ReportJSONComparison.withoutVolatileFields(expected), "\(mode)")
            #expect(ReportJSONComparison.daySources(after) == Array(repeating: "rollup", count: 7), "\(mode): every day of the week is rolled up")
        }
        let after = try #require(try JSONSerialization.jsonObject(with: Data(try expect(week).stdout.utf8)) as? [String: Any])
        let integrations = try #require(after["integrations"] as? [[String: Any]])
        let fromRollups = integrations.compactMap { item -> [String]? in
            guard let latency = item["latencyMs"] as? [String: Any], (latency["count"] as? Int ?? 0) > 0 else { return nil }
            return [item["id"] as? String ?? "", "\(latency["p50"] as? Int ?? -1)", "\(latency["p95"] as? Int ?? -1)", "\(latency["p99"] as? Int ?? -1)"]
        }
        #expect(fromRollups == disc, "percentiles from the rollups' histograms are percentile_disc's")

        // Another fixed max gap cannot be computed from the rollups: the pruned days say so, on
        // stderr and in the JSON, instead of mixing numbers made with another setting.
        let otherGap = try expect(week + ["--max-gap", "10m"])
        #expect(otherGap.stderr.contains("2026-11-16: log rows pruned; the rollup was made with max gap auto, which cannot be turned into --max-gap 10m; report with --max-gap auto to use it"), "\(otherGap.stderr)")
        #expect(ReportJSONComparison.daySources(otherGap.stdout) == Array(repeating: "raw", count: 7))

        // Log rows only: the pruned days have no data, and the report says where it read.
        let raw = try expect(week + ["--source", "raw"]).stdout
        #expect(ReportJSONComparison.withoutVolatileFields(raw) != ReportJSONComparison.withoutVolatileFields(before[0]))
        let markdown = try expect(["report", "--period", "2026-W47", "--format", "markdown"]).stdout
        #expect(markdown.contains("Read from daily rollups (the log rows were pruned, or match the rollup): 2026-11-16 to 2026-11-22."), "\(markdown.prefix(1500))")
    }

    @Test func rerunsChangeNothingAndLateRowsAreRolledUpAgain() throws {
        let first = try expect(["rollup", "--format", "json"]).stdout
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        let days = try #require(summary["rolledUp"] as? [[String: Any]])
        #expect(days.count >= 9 && days.allSatisfy { $0["reason"] as? String == "missing" })
        let pieces = try count("SELECT count(*) FROM healthctl.rollup")
        let hash = try connection.query("SELECT md5(string_agg(day::text || integration_id || encode(piece, 'hex'), ',' ORDER BY day, integration_id)) FROM healthctl.rollup").first?.string(0)
        let again = try expect(["rollup"]).stdout
        #expect(again.hasPrefix("rolled up 0 days"), "\(again)")
        #expect(try count("SELECT count(*) FROM healthctl.rollup") == pieces)
        #expect(try connection.query("SELECT md5(string_agg(day::text || integration_id || encode(piece, 'hex'), ',' ORDER BY day, integration_id)) FROM healthctl.rollup").first?.string(0) == hash)

        // A check arrives late for 2026-11-18, already rolled up.
        let id = try #require(try connection.query("SELECT id FROM \"Integration\" ORDER BY id LIMIT 1").first?.string(0))
        try connection.query(
            """
            INSERT INTO "IntegrationHealthLog" (id, "integrationId", status, "errorMessage", "responseTime", "checkedAt")
            VALUES ('late_1', $1, 'ERROR', 'late: token=abcdef0123456789abcdef0123456789', 4321, '2026-11-18 12:00:00.123')
            """, [id])
        let dryRun = try expect(["rollup", "--dry-run"]).stdout
        #expect(dryRun.contains("would roll up 1 day") && dryRun.contains("2026-11-18") && dryRun.contains("(stale)"), "\(dryRun)")
        let day = ["report", "--period", "2026-11-18", "--format", "json", "--integration", id]
        let stale = try expect(day)
        #expect(stale.stderr.contains("the rollup is stale"), "\(stale.stderr)")
        #expect(ReportJSONComparison.daySources(stale.stdout) == ["raw"])
        try expect(["rollup"])
        let current = try expect(day).stdout
        #expect(ReportJSONComparison.daySources(current) == ["rollup"])
        #expect(ReportJSONComparison.withoutVolatileFields(current) == ReportJSONComparison.withoutVolatileFields(stale.stdout))
        #expect(current.contains("late: token=[REDACTED]") && !current.contains("abcdef0123456789"))
        #expect(try count("SELECT count(*) FROM healthctl.rollup_day WHERE day = '2026-11-18' AND rows = (SELECT count(*) FROM \"IntegrationHealthLog\" WHERE \"checkedAt\" >= '2026-11-18' AND \"checkedAt\" < '2026-11-19')") == 1)
    }

    @Test func pruneRefusesDaysWithoutACurrentRollupAndARestoreNeedsNoNewRollup() throws {
        defer { try? FileManager.default.removeItem(at: archive) }
        let rows = try count("SELECT count(*) FROM \"IntegrationHealthLog\"")
        let refused = try run(["prune", "--before", "2026-11-20T00:00:00Z", "--archive-dir", archive.path])
        #expect(refused.status == 78)
        #expect(refused.stderr.contains("run healthctl rollup --until 2026-11-20 first, or give --without-rollups"), "\(refused.stderr)")
        #expect(try count("SELECT count(*) FROM \"IntegrationHealthLog\"") == rows, "nothing was deleted")
        let none = try expect(["doctor"]).stdout
        #expect(none.contains("[warn] rollups:") && none.contains("complete days with log rows have no current rollup (2026-11-14"), "\(none)")
        try expect(["rollup", "--until", "2026-11-19"])
        let doctor = try expect(["doctor"]).stdout
        #expect(doctor.contains("days rolled up, 2026-11-14 to 2026-11-18 (last day rolled up)") && doctor.contains("have no current rollup (2026-11-19, 2026-11-20"), "\(doctor)")
        let partly = try run(["prune", "--before", "2026-11-20T00:00:00Z", "--archive-dir", archive.path])
        #expect(partly.status == 78 && partly.stderr.contains("day 2026-11-19 has no current rollup"), "\(partly.stderr)")
        try expect(["rollup"])
        #expect(try expect(["doctor"]).stdout.contains("every complete day with log rows is rolled up"))
        try expect(["prune", "--before", "2026-11-20T00:00:00Z", "--archive-dir", archive.path])
        let week = ["report", "--period", "2026-W47", "--format", "json"]
        let pruned = try expect(week).stdout
        try expect(["archive", "restore", archive.path])
        #expect(try count("SELECT count(*) FROM \"IntegrationHealthLog\"") == rows)
        let again = try expect(["rollup"]).stdout
        #expect(again.hasPrefix("rolled up 0 days"), "the restored rows are the rolled-up ones: \(again)")
        let raw = try expect(week + ["--source", "raw"]).stdout
        #expect(ReportJSONComparison.withoutVolatileFields(raw) == ReportJSONComparison.withoutVolatileFields(pruned))
    }

    @Test func csvByWeekAndMonthAddUpToTheWindow() throws {
        try expect(["rollup"])
        let byWeek = try expect(["report", "--since", "2026-11-14", "--until", "2026-11-23", "--format", "csv", "--by", "week"]).stdout
        let lines = byWeek.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(lines[0][0] == "integration_id" && lines[0][1] == "period")
        #expect(Set(lines.dropFirst().map { $0[1] }) == ["2026-W46", "2026-W47"])
        let whole = try expect(["report", "--since", "2026-11-14", "--until", "2026-11-23", "--format", "csv"]).stdout
            .split(separator: "\r\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        for row in whole {
            let parts = lines.dropFirst().filter { $0[0] == row[0] }
            #expect(parts.count == 2)
            #expect(parts.reduce(0) { $0 + (Int($1[3]) ?? 0) } == Int(row[2]), "checks of \(row[0]) add up")
        }
        let byMonth = try expect(["report", "--since", "2026-11-14", "--until", "2026-11-23", "--format", "csv", "--by", "month"]).stdout
        #expect(byMonth.split(separator: "\r\n").dropFirst().allSatisfy { $0.split(separator: ",")[1] == "2026-11" })
        let refused = try run(["report", "--period", "2026-W47", "--format", "json", "--by", "week"])
        #expect(refused.status == 64 && refused.stderr.contains("--by week is for --format csv"))
    }

    /// Killed at random moments, on a plain and on a partitioned table, rollup leaves each day
    /// rolled up, and each month merged, whole or not at all: the next run ends with exactly the
    /// pieces of a clean run.
    @Test(arguments: [false, true])
    func killedAtRandomMomentsTheNextRunEndsWithTheSamePieces(partitioned: Bool) throws {
        let database = try TestDatabase("rollup_kill")
        let connection = try database.connect()
        func run(_ arguments: [String]) throws -> HealthctlProcess.Output { try HealthctlProcess.run(arguments + ["--database-url", database.url]) }
        #expect(try run(["schema", "apply", "--with-base-table"] + (partitioned ? ["--partitioned"] : [])).status == 0)
        #expect(try run(["seed", "--integrations", "60", "--days", "20", "--seed", "5", "--until", "2026-11-23T00:00:00Z"]).status == 0)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<6 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: HealthctlProcess.binaryPath)
            process.environment = HealthctlProcess.environment
            process.arguments = ["rollup", "--quiet", "--database-url", database.url]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 20_000...600_000, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        // A killed run's session may hold the rollup lock a moment longer (exit 75).
        var final = try run(["rollup"])
        for _ in 0..<50 where final.status == 75 {
            usleep(100_000)
            final = try run(["rollup"])
        }
        #expect(final.status == 0, "\(final.stderr)")
        let hash = "SELECT md5(string_agg(day::text || integration_id || encode(piece, 'hex'), ',' ORDER BY day, integration_id)) FROM healthctl.rollup"
        let monthHash = """
            SELECT count(*), md5(string_agg(month::text || integration_id || encode(piece, 'hex'), ',' ORDER BY month, integration_id))
            FROM healthctl.rollup_month_piece
            """
        let afterKills = try connection.query(hash).first?.string(0)
        // November is complete (the data ends on 2026-11-22) and merged into a month rollup.
        let monthsAfterKills = try connection.query(monthHash).first.map { [$0[0], $0[1]] }
        #expect(try connection.query(monthHash).first?.int(0) ?? 0 > 0)
        #expect(try connection.query("SELECT count(*) FROM healthctl.rollup_month WHERE month = '2026-11-01'").first?.int(0) == 1)
        // Every rolled-up day has the rows the table has, and a piece per integration with checks that day.
        let mismatched = try connection.query(
            """
            SELECT count(*) FROM healthctl.rollup_day d
            WHERE d.rows <> (SELECT count(*) FROM "IntegrationHealthLog" l WHERE l."checkedAt" >= d.day AND l."checkedAt" < d.day + 1)
               OR (SELECT count(*) FROM healthctl.rollup r WHERE r.day = d.day)
                  <> (SELECT count(DISTINCT "integrationId") FROM "IntegrationHealthLog" l WHERE l."checkedAt" >= d.day AND l."checkedAt" < d.day + 1)
            """).first?.int(0)
        #expect(mismatched == 0)
        try connection.query("DELETE FROM healthctl.rollup_day")
        #expect(try run(["rollup"]).status == 0)
        #expect(try connection.query(hash).first?.string(0) == afterKills, "the same pieces as a run never killed")
        #expect(try connection.query(monthHash).first.map { [$0[0], $0[1]] } == monthsAfterKills, "the same month pieces, merged again")
    }
}

/// Month rollups through the built binary: `rollup` merges complete months, reports without a
/// daily series read them, and every number is the one the days give, after late rows, a
/// rerun and a prune too.
@Suite(.requiresDatabase) struct MonthRollupEndToEndTests {
    let database: TestDatabase
    let connection: PostgresConnection

    init() throws {
        database = try TestDatabase("monthrollup")
        connection = try database.connect()
        try expect(["schema", "apply", "--with-base-table"])
        try expect(["seed", "--integrations", "8", "--days", "40", "--seed", "5", "--until", "2026-11-03T00:00:00Z"])
    }

    @discardableResult
    func expect(_ arguments: [String]) throws -> HealthctlProcess.Output {
        let output = try HealthctlProcess.run(arguments, environment: ["DATABASE_URL": database.url])
        try #require(output.status == 0, "\(arguments): \(output.stderr)")
        return output
    }

    static let window = ["--since", "2026-09-20", "--until", "2026-11-03", "--log-level", "debug"]

    /// Reports in every format, one per integration in each mode a rollup must serve, with the months
    /// each reads from month rollups once they are current: every whole month of its window,
    /// none with week buckets.
    static let reports: [(arguments: [String], months: String?)] = {
        var reports: [(arguments: [String], months: String?)] = []
        for mode in RollupEndToEndTests.modes { reports.append((["report", "--format", "csv"] + window + mode, "2026-10")) }
        reports.append((["report", "--format", "csv", "--by", "month", "--warning-as", "down"] + window, "2026-10"))
        let json = ["report", "--format", "json"] + window
        reports.append((json, "2026-10"))
        reports.append((json + ["--warning-as", "down", "--latency-of", "all", "--min-incident", "3m"], "2026-10"))
        reports.append((["report", "--format", "markdown"] + window, "2026-10"))
        reports.append((["report", "--format", "csv", "--by", "day"] + window, "2026-10"))
        reports.append((["report", "--format", "csv", "--by", "week"] + window, nil))
        let metrics = ["report", "--since", "2026-09-01", "--until", "2026-11-01", "--format", "prometheus", "--min-incident", "3m", "--log-level", "debug"]
        reports.append((metrics, "2026-09, 2026-10"))
        return reports
    }()

    /// Each report's output (without the time it was made), and the months it read from month
    /// rollups.
    func outputs(_ extra: [String] = []) throws -> [(stdout: String, months: String?)] {
        try Self.reports.map { report in
            let output = try expect(report.arguments + extra)
            let line = output.stderr.split(separator: "\n").first { $0.contains("from month rollups: ") }
            // What may differ between runs over the same numbers: when the report was made and
            // where each day was read from.
            let stdout = ReportJSONComparison.withoutVolatileFields(output.stdout)
                ?? output.stdout.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.isEmpty && !$0.contains(" Generated ") && !$0.hasPrefix("Read from ") && !($0.hasPrefix("- 20") && $0.contains("rollup")) }
                .joined(separator: "\n")
            return (stdout, line.map { String($0.split(separator: ": ").last ?? "") })
        }
    }

    /// Each report's output equals the other's; a difference names the report and its first line.
    func expectSame(_ actual: [(stdout: String, months: String?)], _ expected: [(stdout: String, months: String?)], _ what: String) {
        for (index, (left, right)) in zip(actual, expected).enumerated() where left.stdout != right.stdout {
            let line = zip(left.stdout.split(separator: "\n"), right.stdout.split(separator: "\n")).first { $0 != $1 }
            Issue.record("\(what): \(Self.reports[index].arguments.joined(separator: " ")) differs first at \(line.map { "\($0.0) | \($0.1)" } ?? "the end")")
        }
    }

    @Test func reportsReadWholeMonthsFromMonthRollupsWithTheNumbersOfTheDays() throws {
        let raw = try outputs(["--source", "raw"])
        #expect(raw.allSatisfy { $0.months == nil })

        let rollup = try expect(["rollup", "--until", "2026-11-03"])
        #expect(rollup.stdout.contains("merged 2 months into month rollups (2026-09 to 2026-10)"), "\(rollup.stdout)")
        let fromMonths = try outputs()
        #expect(fromMonths.map(\.months) == Self.reports.map(\.months))
        expectSame(fromMonths, raw, "month rollups against log rows")
        // A rerun finds every month current.
        #expect(!(try expect(["rollup", "--until", "2026-11-03"]).stdout.contains("merged")))

        // Day rollups without month tables (made by an older healthctl): reports read the days,
        // a dry run names the months, and the next rollup creates the tables and merges them.
        try connection.execute(script: "DROP TABLE healthctl.rollup_month_piece; DROP TABLE healthctl.rollup_month")
        let withoutMonthTables = try outputs()
        #expect(withoutMonthTables.allSatisfy { $0.months == nil })
        expectSame(withoutMonthTables, raw, "day rollups without month tables against log rows")
        let dryRun = try expect(["rollup", "--until", "2026-11-03", "--dry-run"])
        #expect(dryRun.stdout.contains("would merge 2 months into month rollups (2026-09 to 2026-10)"), "\(dryRun.stdout)")
        #expect(try connection.query("SELECT to_regclass('healthctl.rollup_month') IS NULL").first?.bool(0) == true, "a dry run creates nothing")
        #expect(try expect(["rollup", "--until", "2026-11-03"]).stdout.contains("merged 2 months into month rollups (2026-09 to 2026-10)"))
        #expect(try outputs().map(\.months) == fromMonths.map(\.months))

        // A late row makes its day stale: the report reads October day by day, with the row.
        try connection.query(
            """
            INSERT INTO "IntegrationHealthLog" (id, "integrationId", status, "errorMessage", "responseTime", "checkedAt")
            SELECT 'late_row', id, 'ERROR', 'late', 7777, '2026-10-15 12:00:00.5' FROM "Integration" ORDER BY id LIMIT 1
            """)
        let stale = try outputs()
        #expect(stale.map(\.months) == Self.reports.map { $0.months == nil ? nil : $0.months == "2026-10" ? nil : "2026-09" })
        let rawWithLateRow = try outputs(["--source", "raw"])
        expectSame(stale, rawWithLateRow, "a stale October against log rows")
        #expect(rawWithLateRow.map(\.stdout) != raw.map(\.stdout))

        // The next rollup rolls the day up again and merges October again.
        let again = try expect(["rollup", "--until", "2026-11-03"])
        #expect(again.stdout.contains("2026-10-15") && again.stdout.contains("merged 1 month into month rollups (2026-10)"), "\(again.stdout)")
        let merged = try outputs()
        #expect(merged.map(\.months) == fromMonths.map(\.months))
        expectSame(merged, rawWithLateRow, "October merged again against log rows")

        // Pruned: the months still give the same numbers.
        let archive = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-monthrollup-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: archive) }
        try expect(["prune", "--before", "2026-10-25T00:00:00Z", "--archive-dir", archive.path])
        let pruned = try outputs()
        #expect(pruned.map(\.months) == fromMonths.map(\.months))
        expectSame(pruned, rawWithLateRow, "pruned against log rows")

        // With no log rows left there is no day to roll up, and the months are still merged.
        try connection.execute(script: "DELETE FROM healthctl.rollup_month; DELETE FROM \"IntegrationHealthLog\"")
        let withoutRows = try expect(["rollup", "--until", "2026-11-03"])
        #expect(withoutRows.stdout.contains("merged 2 months into month rollups (2026-09 to 2026-10)"), "\(withoutRows.stdout)")
        let fromRollupsOnly = try outputs()
        #expect(fromRollupsOnly.map(\.months) == fromMonths.map(\.months))
        expectSame(fromRollupsOnly, rawWithLateRow, "rollups alone against log rows")
    }
}
