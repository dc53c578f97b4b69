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
        database = try TestDatabase("report")
        connection = try database.connect()
        try MigrationSQL.apply([.baseIntegrationTable, .migration], schema: "public", on: connection)
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
            let loaded = try ReportSource.load(target: target, selection: ReportSelection(), window: window(since, until), maxGap: settings.maxGap)
            let report = ReportBuilder.build(inputs: loaded.inputs, messages: loaded.messages, window: window(since, until), settings: settings, nowMs: until)
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

    @Test func readsTheWindowAcrossTimeSlicesWithCarryIn() throws {
        let m = F.minute
        let since = F.t0 + F.hour
        let until = F.t0 + 3 * F.hour
        // The window is copied in two time slices split at 02:00; an outage runs across the split.
        let checks = F.every(5 * m, from: F.t0, to: F.t0 + 4 * F.hour) { time in
            (F.t0 + 110 * m..<F.t0 + 130 * m).contains(time) ? .error : .healthy
        }
        var withMessages = checks
        withMessages[23] = Check(withMessages[23].timeMs, .error, responseTimeMs: 80, errorMessage: "timeout")
        // The last check before the window (00:55) is an ERROR that carries in until the first check at 01:05.
        withMessages[11] = Check(checks[11].timeMs, .error, responseTimeMs: nil, errorMessage: "token=abc123 expired")
        withMessages.remove(at: 12)
        try insert("int_a", withMessages)
        try insert("int_b", [Check(since - 2 * m, .error, errorMessage: "Bearer sekrit"), Check(since + 7 * m, .healthy), Check(since + 17 * m, .healthy)])

        let settings = ReportSettings()
        let loaded = try ReportSource.load(target: target, selection: ReportSelection(), window: window(since, until), maxGap: settings.maxGap)
        #expect(loaded.inputs.map(\.info.id) == ["int_a", "int_b", "int_c", "int_d"])
        #expect(loaded.rows == 23 + 2)
        let a = loaded.inputs[0]
        #expect(a.series.times == withMessages.map(\.timeMs).filter { $0 >= since && $0 < until })
        #expect(a.carryIn == CarryIn(timeMs: F.t0 + 55 * m, status: .error, errorMessage: "token=abc123 expired"))
        #expect(loaded.inputs[1].carryIn?.status == .error)
        #expect(loaded.inputs[2].carryIn == nil && loaded.inputs[2].series.count == 0)
        #expect(a.info.provider == "google" && a.info.healthStatus == .healthy && a.info.lastHealthCheckMs == F.t0 + 24 * F.hour - 5 * m)

        // The report from the database equals the report from the same checks built by hand.
        let fromDatabase = ReportBuilder.build(inputs: loaded.inputs, messages: loaded.messages, window: window(since, until), settings: settings, nowMs: until)
        let byHand = F.report([("int_a", withMessages, nil)], since: since, until: until, settings: settings)
        let item = fromDatabase.integrations[0]
        #expect(item.stats.availability == byHand.integrations[0].stats.availability)
        #expect(item.stats.incidents == byHand.integrations[0].stats.incidents)
        #expect(item.stats.incidents.items.map(\.durationMs) == [5 * m, 20 * m])
        #expect(item.stats.incidents.items.first?.firstError == "token=[REDACTED] expired")
        #expect(item.stats.incidents.items.last?.firstError == "timeout")
        let b = fromDatabase.integrations[1]
        #expect(b.stats.availability.downMs == 7 * m)
        #expect(b.stats.incidents.items.first?.firstError == "Bearer [REDACTED]")
        #expect(!fromDatabase.integrations[2].hasData)
        #expect(fromDatabase.fleet.noData == 2)
    }

    @Test func selectionFiltersAndUnknownIds() throws {
        try insert("int_a", [Check(F.t0 + F.minute, .healthy)])
        try insert("int_c", [Check(F.t0 + F.minute, .error)])
        let window = window(F.t0, F.t0 + F.hour)
        let google = try ReportSource.load(target: target, selection: ReportSelection(providers: ["google"]), window: window, maxGap: .auto)
        #expect(google.inputs.map(\.info.id) == ["int_a", "int_c"])
        #expect(google.rows == 2)
        let one = try ReportSource.load(
            target: target, selection: ReportSelection(integrationIds: ["int_c"], providers: ["google"]), window: window, maxGap: .auto)
        #expect(one.inputs.map(\.info.id) == ["int_c"] && one.inputs[0].series.statuses == [.error])
        #expect(throws: ReportSelectionError.unknownIntegration(id: "int_x", suggestions: ["int_a", "int_b", "int_c"])) {
            try ReportSource.load(target: target, selection: ReportSelection(integrationIds: ["int_a", "int_x"]), window: window, maxGap: .auto)
        }
        #expect(throws: ReportSelectionError.unknownProvider(name: "gogle", suggestions: ["google"])) {
            try ReportSource.load(target: target, selection: ReportSelection(providers: ["gogle"]), window: window, maxGap: .auto)
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
        let loaded = try ReportSource.load(
            target: try ConnectionTarget.resolve(flag: other.url), selection: ReportSelection(), window: window(F.t0, F.t0 + F.hour),
            maxGap: .fixed(milliseconds: 15 * F.minute))
        let input = try #require(loaded.inputs.first)
        #expect(input.info.id == "00000000-0000-0000-0000-000000000001" && input.info.provider == nil)
        #expect(input.series.times == [F.t0, F.t0 + 10 * F.minute + 250, F.t0 + 20 * F.minute])
        #expect(input.series.statuses == [.healthy, .error, .healthy])
        #expect(input.series.responseTimes == [120, CheckSeries.noResponseTime, 90])
        #expect(throws: ReportSelectionError.noProviderColumn) {
            try ReportSource.load(
                target: try ConnectionTarget.resolve(flag: other.url), selection: ReportSelection(providers: ["x"]), window: window(F.t0, F.t0 + F.hour),
                maxGap: .auto)
        }
    }
}
