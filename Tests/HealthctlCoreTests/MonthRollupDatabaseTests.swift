@testable import HealthctlCore
import PostgresClient
import TestSupport
import Testing

/// Month rollups against a real server: merging a few integrations at a time gives the pieces of
/// one merge, and the months a report may use follow their days.
@Suite(.serialized, .requiresDatabase) struct MonthRollupDatabaseTests {
    let database: TestDatabase
    let connection: PostgresConnection

    init() throws {
        database = try TestDatabase.migrated("monthrollup_db")
        connection = try database.connect()
        // Eight integrations checked every 20 minutes through October, some failing in runs.
        try connection.execute(script: """
            INSERT INTO "Integration" (id, "userId", provider, "updatedAt") SELECT 'int_' || n, 'u1', 'google', now() FROM generate_series(1, 8) n;
            INSERT INTO "IntegrationHealthLog" (id, "integrationId", status, "errorMessage", "responseTime", "checkedAt")
            SELECT 'c_' || n || '_' || s, 'int_' || n,
                   CASE WHEN (s / 7 + n) % 11 = 0 THEN 'ERROR' ELSE 'HEALTHY' END::"IntegrationHealthStatus",
                   CASE WHEN (s / 7 + n) % 11 = 0 THEN 'HTTP 50' || (n % 4) END, (hashint4(s * 8 + n) & 1023),
                   timestamp '2026-10-01 00:03:00' + s * interval '20 minutes' + n * interval '1 second'
            FROM generate_series(1, 8) n, generate_series(0, 31 * 72 - 1) s
            """)
    }

    var target: ConnectionTarget { get throws { try ConnectionTarget.resolve(flag: database.url) } }
    var store: RollupStore { RollupStore(schema: "healthctl") }

    func monthPiecesHash() throws -> String? {
        try connection.query(
            "SELECT md5(string_agg(integration_id || encode(piece, 'hex'), ',' ORDER BY integration_id)) FROM healthctl.rollup_month_piece"
        ).first?.string(0)
    }

    @Test func mergingAFewIntegrationsAtATimeGivesThePiecesOfOneMerge() throws {
        var options = RollupOptions()
        options.until = CalendarDay(year: 2026, month: 11, day: 1)
        let summary = try Rollup.run(target: try target, options: options)
        #expect(summary.monthsMerged == ["2026-10"])
        let whole = try monthPiecesHash()
        #expect(try connection.query("SELECT count(*) FROM healthctl.rollup_month_piece").first?.int(0) == 8)
        let october = CalendarDay(year: 2026, month: 10, day: 1)
        let merged = try connection.transaction(.repeatableReadWrite) {
            try store.mergeMonth(on: connection, month: october, maxGap: .auto, integrationsAtOnce: 3)
        }
        #expect(merged == 8)
        #expect(try monthPiecesHash() == whole)

        // Current while its days are; a day rolled up again puts it out of date until merged again.
        let range = october..<CalendarDay(year: 2027, month: 1, day: 1)
        #expect(try store.currentMonths(on: connection, in: range, maxGap: .auto) == [october])
        #expect(try store.currentMonths(on: connection, in: range, maxGap: .fixed(milliseconds: 600_000)).isEmpty)
        try connection.query("UPDATE healthctl.rollup_day SET rolled_up_at = rolled_up_at + interval '1 millisecond' WHERE day = '2026-10-31'")
        #expect(try store.currentMonths(on: connection, in: range, maxGap: .auto).isEmpty)
        #expect(try store.monthsToMerge(on: connection, before: CalendarDay(year: 2026, month: 11, day: 1), maxGap: .auto) == [october])
        #expect(try Rollup.run(target: try target, options: options).monthsMerged == ["2026-10"])
        #expect(try store.currentMonths(on: connection, in: range, maxGap: .auto) == [october])
        #expect(try monthPiecesHash() == whole)
    }
}
