import Foundation
@testable import HealthctlCore
import PostgresClient
import TestSupport
import Testing

/// On a partitioned log table, a report's read of one day touches that day's partition only:
/// its bounds come from settings read by scalar subqueries, which PostgreSQL prunes on at run time.
@Suite(.requiresDatabase) struct ReportPartitionTests {
    @Test func aDayIsReadFromItsOwnPartitionOnly() throws {
        let database = try TestDatabase.migrated("report_partitions")
        let connection = try database.connect()
        try LogTableShape.partitioned.apply(to: connection)
        try connection.execute(script: """
            INSERT INTO "Integration" (id, "userId", provider, "updatedAt") VALUES ('int_a', 'u1', 'google', now());
            INSERT INTO "IntegrationHealthLog" (id, "integrationId", status, "responseTime", "checkedAt")
            SELECT 'r' || s, 'int_a', 'HEALTHY', 100, timestamp '2026-09-01 00:00' + s * interval '10 minutes'
            FROM generate_series(0, 14 * 144 - 1) s;
            ANALYZE "IntegrationHealthLog";
            """)
        let schema = try SchemaInspector.inspect(connection, schema: "public")
        let copy = ReportSource.copySQL(schema: schema, selection: ReportSelection())
        let select = String(copy.dropFirst("COPY (".count)).replacingOccurrences(of: ") TO STDOUT (FORMAT binary)", with: "")
        for (day, partition) in [("2026-09-05", "IntegrationHealthLog_20260905"), ("2026-09-09", "IntegrationHealthLog_w20260907")] {
            let plan = try connection.transaction(.repeatableReadOnly) { () -> String in
                try connection.set("healthctl.report_since", "\(day) 00:00:00", local: true)
                try connection.set("healthctl.report_until", "\(day) 23:59:59.999", local: true)
                try connection.set("healthctl.report_ids", "[]", local: true)
                try connection.set("healthctl.report_providers", "[]", local: true)
                return try connection.query("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + select).rows.compactMap { $0[0] }.joined(separator: "\n")
            }
            let scanned = plan.split(separator: "\n").filter { $0.contains(" on \"IntegrationHealthLog_") && !$0.contains("never executed") }
            #expect(scanned.count == 1 && scanned[0].contains(partition), "\(day): \(plan)")
        }
    }
}
