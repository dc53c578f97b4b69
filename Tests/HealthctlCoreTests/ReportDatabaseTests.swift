import Foundation
import HealthctlCore
import PostgresClient
import TestSupport
import Testing

/// The report's database side against a real server: what is read, and percentiles against
/// PostgreSQL's own `percentile_disc` on the same rows.
@Suite(.serialized, .requiresDatabase) struct ReportDatabaseTests {
    typealias F = Fixture
    let database: TestDatabase
    let connection: PostgresConnection

    init() throws {
        database = try TestDatabase.migrated("report")
        connection = try database.connect()
        try connection.execute(script: """
            INSERT INTO "Integration" (id, "userId", provider, "updatedAt", "healthStatus", "lastHealthCheck") VALUES
              ('int_a', 'u1', 'google', now(), 'HEALTHY', '2026-11-16 23:55:00'),
              ('int_b', 'u1', 'github', now(), 'ERROR', NULL),
              ('int_c', 'u2', 'google', now(), 'UNKNOWN', NULL),
              ('int_d', 'u2', 'slack', now(), 'UNKNOWN', NULL)
            """)
    }

    var target: ConnectionTarget { get throws { try ConnectionTarget.resolve(flag: database.url) } }

    func insert(_ id: String, _ checks: [Check]) throws {
        for (index, check) in checks.enumerated() {
            try connection.query(
                """
                INSERT INTO "IntegrationHealthLog" (id, "integrationId", status, "errorMessage", "responseTime", "checkedAt")
                VALUES ($1, $2, $3::"IntegrationHealthStatus", $4, $5, $6::timestamp)
                """,
                ["\(id)_\(index)_\(check.timeMs)", id, check.status.rawValue, check.errorMessage, check.responseTimeMs,
                 PostgresTimestamp.format(epochMilliseconds: check.timeMs)])
        }
    }

    func window(_ since: Int64, _ until: Int64) -> ReportWindow { ReportWindow(sinceMs: since, untilMs: until, label: "t") }

    func report(
        _ window: ReportWindow, selection: ReportSelection = ReportSelection(), settings: ReportSettings = ReportSettings(),
        target: ConnectionTarget? = nil
    ) throws -> ReportSource.Loaded {
        try ReportSource.report(
            target: try target ?? self.target, request: ReportSource.Request(selection: selection, window: window, settings: settings),
            nowMs: window.untilMs)
    }

    @Test func percentilesEqualPercentileDisc() throws {
        try connection.execute(script: """
            INSERT INTO "IntegrationHealthLog" (id, "integrationId", status, "responseTime", "checkedAt")
            SELECT 'p_' || i || '_' || s, i, CASE WHEN s % 17 = 0 THEN 'ERROR' ELSE 'HEALTHY' END::"IntegrationHealthStatus",
                   CASE WHEN s % 23 = 0 THEN NULL WHEN s % 29 = 0 THEN -1 ELSE (hashint4(s * 7 + length(i)) & 4095) END,
                   timestamp '2026-11-16 00:00:00' + s * interval '61 seconds' + (hashint4(s) & 1023) * interval '1 millisecond'
            FROM generate_series(0, 1200) s, unnest(ARRAY['int_a', 'int_b', 'int_c']) i
            WHERE i <> 'int_c' OR s % 3 = 0
            """)
        let since = F.t0 + 3 * F.hour
        let until = F.t0 + 17 * F.hour
        for latencyOf in ReportSettings.LatencyOf.allCases {
            let settings = ReportSettings(latencyOf: latencyOf)
            let report = try self.report(window(since, until), settings: settings).report
            let statusFilter = latencyOf == .healthy ? "AND status IN ('HEALTHY', 'WARNING')" : ""
            let sql = """
                SELECT "integrationId", count(*),
                       percentile_disc(0.5) WITHIN GROUP (ORDER BY "responseTime"), percentile_disc(0.9) WITHIN GROUP (ORDER BY "responseTime"),
                       percentile_disc(0.95) WITHIN GROUP (ORDER BY "responseTime"), percentile_disc(0.99) WITHIN GROUP (ORDER BY "responseTime"),
                       min("responseTime"), max("responseTime"), avg("responseTime")::float8
                FROM "IntegrationHealthLog"
                WHERE "checkedAt" >= $1::timestamp AND "checkedAt" < $2::timestamp AND "responseTime" >= 0 \(statusFilter)
                GROUP BY ROLLUP ("integrationId") ORDER BY "integrationId" NULLS LAST
                """
            let rows = try connection.query(sql, [PostgresTimestamp.format(epochMilliseconds: since), PostgresTimestamp.format(epochMilliseconds: until)]).rows
            #expect(rows.count == 4)
            for row in rows {
                let latency = row[0].map { id in report.integrations.first { $0.info.id == id }!.stats.latency } ?? report.fleet.latency
                #expect(latency.count == row.int(1))
                #expect([latency.p50, latency.p90, latency.p95, latency.p99] == [row.int(2), row.int(3), row.int(4), row.int(5)])
                #expect(latency.min == row.int(6) && latency.max == row.int(7))
                #expect(abs((latency.mean ?? 0) - (row.double(8) ?? -1)) < 1e-9)
            }
            #expect(report.integrations.first { $0.info.id == "int_a" }!.stats.latency.invalid > 0)
        }
    }

    @Test func readsTheWindowDayByDayWithCarryIn() throws {
        let m = F.minute
        let since = F.t0 + 22 * F.hour
        let until = F.t0 + 26 * F.hour
        // An outage runs across midnight, where the window's first day piece meets the second.
        let checks = F.every(5 * m, from: F.t0 + 20 * F.hour, to: F.t0 + 28 * F.hour) { time in
            (F.t0 + 23 * F.hour + 50 * m..<F.t0 + 24 * F.hour + 10 * m).contains(time) ? .error : .healthy
        }
        var withMessages = checks
        let outageStart = withMessages.firstIndex { $0.status == .error }!
        withMessages[outageStart] = Check(withMessages[outageStart].timeMs, .error, responseTimeMs: 80, errorMessage: "timeout")
        // The last check before the window (21:55) is an ERROR that carries in until the first check at 22:05.
        let carry = withMessages.firstIndex { $0.timeMs == since - 5 * m }!
        withMessages[carry] = Check(since - 5 * m, .error, responseTimeMs: nil, errorMessage: "token=abc123 expired")
        withMessages.remove(at: carry + 1)
        try insert("int_a", withMessages)
        try insert("int_b", [Check(since - 2 * m, .error, errorMessage: "Bearer sekrit"), Check(since + 7 * m, .healthy), Check(since + 17 * m, .healthy)])

        let settings = ReportSettings()
        let loaded = try report(window(since, until), settings: settings)
        let fromDatabase = loaded.report
        #expect(fromDatabase.integrations.map(\.info.id) == ["int_a", "int_b", "int_c", "int_d"])
        #expect(fromDatabase.days.map(\.date.text) == ["2026-11-16", "2026-11-17"] && fromDatabase.days.allSatisfy { $0.source == .raw })
        let a = fromDatabase.integrations[0]
        #expect(a.stats.checks.total == withMessages.filter { $0.timeMs >= since && $0.timeMs < until }.count)
        #expect(a.info.provider == "google" && a.info.healthStatus == .healthy && a.info.lastHealthCheckMs == F.t0 + 24 * F.hour - 5 * m)

        // The report from the database equals the report from the same checks built by hand.
        let byHand = F.report([("int_a", withMessages, nil)], since: since, until: until, settings: settings)
        #expect(a.stats == byHand.integrations[0].stats)
        #expect(a.daily == byHand.integrations[0].daily)
        #expect(a.stats.incidents.items.map(\.durationMs) == [5 * m, 20 * m])
        #expect(a.stats.incidents.items.first?.firstError == "token=[REDACTED] expired")
        #expect(a.stats.incidents.items.last?.firstError == "timeout")
        #expect(a.daily.map(\.stats.incidents.count) == [2, 1])
        let b = fromDatabase.integrations[1]
        #expect(b.stats.availability.downMs == 7 * m)
        #expect(b.stats.incidents.items.first?.firstError == "Bearer [REDACTED]")
        #expect(!fromDatabase.integrations[2].hasData)
        #expect(fromDatabase.fleet.noData == 2)
    }

    /// Without the daily series (one CSV row per integration, week or month; the metrics), every
    /// other number is the same.
    @Test func withoutTheDailySeriesEveryOtherNumberIsTheSame() throws {
        let m = F.minute
        try insert("int_a", F.every(5 * m, from: F.t0, to: F.t0 + 3 * F.day) { time in
            (F.t0 + 23 * F.hour..<F.t0 + 26 * F.hour).contains(time) ? .error : time % (35 * m) == 0 ? .warning : .healthy
        })
        try insert("int_b", F.every(7 * m, from: F.t0 + F.day, to: F.t0 + 3 * F.day))
        for bucketing in [nil, ReportBucketing.week] {
            var reports: [Report] = []
            for dailySeries in [true, false] {
                var request = ReportSource.Request(window: window(F.t0 + 2 * F.hour, F.t0 + 3 * F.day), bucketing: bucketing)
                request.dailySeries = dailySeries
                reports.append(try ReportSource.report(target: try target, request: request, nowMs: F.t0 + 3 * F.day).report)
            }
            let (full, lean) = (reports[0], reports[1])
            #expect(full.integrations[0].daily.count == 3 && lean.integrations.allSatisfy(\.daily.isEmpty))
            #expect(ReportCSV.render(full, rows: bucketing == nil ? .integration : .week) == ReportCSV.render(lean, rows: bucketing == nil ? .integration : .week))
            #expect(ReportMetrics.render(full) == ReportMetrics.render(lean))
            #expect(zip(full.integrations, lean.integrations).allSatisfy { $0.stats == $1.stats && $0.periods == $1.periods && $0.maxGapMs == $1.maxGapMs })
        }
    }

    @Test func carryInFromADayWithoutChecksBefore() throws {
        // Checked every 20 hours: the max gap is 40 hours, so a check two days before the window
        // still holds into it, and a single check on a day takes its gap from the one before.
        let times = [F.t0 - 2 * F.day + F.hour, F.t0 - 2 * F.day + 21 * F.hour, F.t0 + 17 * F.hour]
        try insert("int_a", times.map { Check($0, .error, errorMessage: "down") })
        let since = F.t0
        let loaded = try report(window(since, since + F.day))
        let byHand = F.report([("int_a", times.map { Check($0, .error, errorMessage: "down") }, nil)], since: since, until: since + F.day)
        let a = loaded.report.integrations[0]
        #expect(a.stats == byHand.integrations[0].stats)
        // 21:00 two days before holds 40 h, to 13:00 on the window's day.
        #expect(a.stats.incidents.items.first?.startMs == since && a.stats.incidents.items.first?.endMs == since + 13 * F.hour)
    }

    /// Twenty integrations checked every hour on the window's day and the day before, and int_a
    /// down at 01:00 and 21:00 two days before and at 17:00 on the window's first day; returns
    /// int_a's check times.
    func insertASparseIntegrationAmongRegularOnes() throws -> [Int64] {
        try connection.execute(script: """
            INSERT INTO "Integration" (id, "userId", provider, "updatedAt") SELECT 'reg_' || n, 'u3', 'slack', now() FROM generate_series(1, 20) n;
            INSERT INTO "IntegrationHealthLog" (id, "integrationId", status, "responseTime", "checkedAt")
            SELECT 'reg_' || n || '_' || h, 'reg_' || n, 'HEALTHY', 100, timestamp '2026-11-15 00:00' + h * interval '1 hour'
            FROM generate_series(1, 20) n, generate_series(0, 47) h;
            """)
        let times = [F.t0 - 2 * F.day + F.hour, F.t0 - 2 * F.day + 21 * F.hour, F.t0 + 17 * F.hour]
        try insert("int_a", times.map { Check($0, .error, errorMessage: "down") })
        return times
    }

    @Test func carryInOfAFewSparseIntegrationsAmongManyRegularOnes() throws {
        // Twenty integrations checked every hour the day before: only the sparse one (and those
        // without any check) look further back, each with one probe of its own rows.
        let times = try insertASparseIntegrationAmongRegularOnes()
        let loaded = try report(window(F.t0, F.t0 + F.day))
        let byHand = F.report([("int_a", times.map { Check($0, .error, errorMessage: "down") }, nil)], since: F.t0, until: F.t0 + F.day)
        let a = try #require(loaded.report.integrations.first { $0.info.id == "int_a" })
        #expect(a.stats == byHand.integrations[0].stats)
        #expect(a.stats.incidents.items.first?.startMs == F.t0 && a.stats.incidents.items.first?.endMs == F.t0 + 13 * F.hour)
        #expect(loaded.report.integrations.filter { $0.info.id.hasPrefix("reg_") }.allSatisfy { $0.stats.availability.coverage == 1 })
    }

    @Test func carryInOfAFewSparseIntegrationsFromPrunedDays() throws {
        // As above, with the days before the window rolled up and their rows deleted, and a window
        // longer than the burn rates' look-back (so no day before it is read whole): the sparse
        // integration's last check two days before is found in its rollup.
        let times = try insertASparseIntegrationAmongRegularOnes()
        var options = RollupOptions()
        options.since = CalendarDay(containing: F.t0 - 3 * F.day)
        options.until = CalendarDay(containing: F.t0)
        _ = try Rollup.run(target: try target, options: options)
        try connection.query("DELETE FROM \"IntegrationHealthLog\" WHERE \"checkedAt\" < '2026-11-16'")
        let loaded = try report(window(F.t0, F.t0 + 4 * F.day))
        let byHand = F.report([("int_a", times.map { Check($0, .error, errorMessage: "down") }, nil)], since: F.t0, until: F.t0 + 4 * F.day)
        let a = try #require(loaded.report.integrations.first { $0.info.id == "int_a" })
        #expect(a.stats == byHand.integrations[0].stats)
        #expect(a.stats.incidents.items.first?.startMs == F.t0 && a.stats.incidents.items.first?.endMs == F.t0 + 13 * F.hour)
    }

    @Test func selectionFiltersAndUnknownIds() throws {
        try insert("int_a", [Check(F.t0 + F.minute, .healthy)])
        try insert("int_c", [Check(F.t0 + F.minute, .error)])
        let window = window(F.t0, F.t0 + F.hour)
        let google = try report(window, selection: ReportSelection(providers: ["google"]))
        #expect(google.report.integrations.map(\.info.id) == ["int_a", "int_c"])
        #expect(google.rows == 2)
        let one = try report(window, selection: ReportSelection(integrationIds: ["int_c"], providers: ["google"]))
        #expect(one.report.integrations.map(\.info.id) == ["int_c"] && one.report.integrations[0].stats.checks == CheckCounts(error: 1))
        #expect(throws: ReportSelectionError.unknownIntegration(id: "int_x", suggestions: ["int_a", "int_b", "int_c"])) {
            try report(window, selection: ReportSelection(integrationIds: ["int_a", "int_x"]))
        }
        #expect(throws: ReportSelectionError.unknownProvider(name: "gogle", suggestions: ["google"])) {
            try report(window, selection: ReportSelection(providers: ["gogle"]))
        }
    }

    @Test func timestamptzTextStatusAndUUIDIds() throws {
        let other = try TestDatabase("report_tz")
        let connection = try other.connect()
        try connection.execute(script: """
            CREATE TABLE "Integration" (id uuid PRIMARY KEY, "healthStatus" text NOT NULL DEFAULT 'UNKNOWN', "lastHealthCheck" timestamptz);
            CREATE TABLE "IntegrationHealthLog" (id uuid PRIMARY KEY, "integrationId" uuid NOT NULL REFERENCES "Integration"(id),
              status text NOT NULL, "errorMessage" text, "responseTime" bigint, "checkedAt" timestamptz NOT NULL);
            INSERT INTO "Integration" VALUES ('00000000-0000-0000-0000-000000000001', 'HEALTHY', '2026-11-16 00:30:00+00');
            INSERT INTO "IntegrationHealthLog" VALUES
              ('10000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000001', 'HEALTHY', NULL, 120, '2026-11-16 02:00:00+02'),
              ('10000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-000000000001', 'ERROR', 'boom', NULL, '2026-11-16 00:10:00.250+00'),
              ('10000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-000000000001', 'HEALTHY', NULL, 90, '2026-11-16 00:20:00+00');
            """)
        let otherTarget = try ConnectionTarget.resolve(flag: other.url)
        let loaded = try report(window(F.t0, F.t0 + F.hour), settings: ReportSettings(maxGap: .fixed(milliseconds: 15 * F.minute)), target: otherTarget)
        let item = try #require(loaded.report.integrations.first)
        #expect(item.info.id == "00000000-0000-0000-0000-000000000001" && item.info.provider == nil)
        #expect(item.stats.checks == CheckCounts(healthy: 2, error: 1))
        // 00:00 healthy until 00:10:00.250, error until 00:20, healthy for 15 minutes.
        #expect(item.stats.availability.downMs == 10 * F.minute - 250)
        #expect(item.stats.availability.upMs == 10 * F.minute + 250 + 15 * F.minute)
        #expect(item.stats.latency.count == 2 && item.stats.latency.max == 120)
        #expect(throws: ReportSelectionError.noProviderColumn) {
            try report(window(F.t0, F.t0 + F.hour), selection: ReportSelection(providers: ["x"]), target: otherTarget)
        }
    }
}
