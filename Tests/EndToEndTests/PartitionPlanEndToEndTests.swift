import Foundation
import PostgresClient
import TestSupport
import Testing

/// `schema partition-plan` on a table with rows: the printed script, run statement by statement
/// as psql would, turns it into a partitioned table holding exactly the same rows, which every
/// job then works on.
@Suite(.requiresDatabase) struct PartitionPlanEndToEndTests {
    @Test func thePlanConvertsATableInPlaceAndEveryJobWorksOnIt() throws {
        let database = try TestDatabase("partition_plan")
        let connection = try database.connect()
        let url = database.url
        func run(_ arguments: [String]) throws -> HealthctlProcess.Output { try HealthctlProcess.run(arguments + ["--database-url", url]) }
        #expect(try run(["schema", "apply", "--with-base-table"]).status == 0)
        let seeded = try run(["seed", "--integrations", "4", "--days", "6"])
        #expect(seeded.status == 0, "\(seeded.stderr)")
        let hash = "SELECT count(*) || ':' || md5(string_agg(t::text, chr(10) ORDER BY id)) FROM \"IntegrationHealthLog\" t"
        let before = try connection.query(hash).first?.string(0)

        let plan = try run(["schema", "partition-plan", "--partition-interval", "week", "--premake-days", "21"])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("@@id([id, checkedAt])") && plan.stdout.contains("CREATE UNIQUE INDEX CONCURRENTLY"))
        #expect(try connection.query(hash).first?.string(0) == before, "printing the plan changes nothing")
        // psql runs each statement on its own (CONCURRENTLY outside a transaction block).
        for line in plan.stdout.split(separator: "\n") where !line.hasPrefix("--") && !line.isEmpty {
            try connection.execute(script: String(line))
        }

        #expect(try connection.query("SELECT relkind::text FROM pg_class WHERE oid = '\"IntegrationHealthLog\"'::regclass").first?.string(0) == "p")
        #expect(try connection.query(hash).first?.string(0) == before, "every row is where it was")
        let key = try connection.query(
            """
            SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM pg_constraint c
            CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY k(attnum, n)
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
            WHERE c.conrelid = '"IntegrationHealthLog"'::regclass AND c.contype = 'p'
            """).first?.string(0)
        #expect(key == "id,checkedAt")
        #expect(try connection.query("SELECT count(*) FROM pg_inherits WHERE inhparent = '\"IntegrationHealthLog\"'::regclass").first?.int(0) ?? 0 >= 4)
        // The application keeps writing: a check now lands in the legacy partition, one after the cutover in a new child.
        let id = try #require(try connection.query("SELECT id FROM \"Integration\" LIMIT 1").first?.string(0))
        try connection.query(
            """
            INSERT INTO "IntegrationHealthLog" (id, "integrationId", status, "checkedAt") VALUES
              ('new_now', $1, 'HEALTHY', now()), ('new_later', $1, 'HEALTHY', now() + interval '9 days')
            """, [id])
        #expect(try connection.query("SELECT tableoid::regclass::text FROM \"IntegrationHealthLog\" WHERE id = 'new_now'").first?.string(0) == "\"IntegrationHealthLog_legacy\"")
        #expect(try connection.query("SELECT tableoid::regclass::text FROM \"IntegrationHealthLog\" WHERE id = 'new_later'").first?.string(0)?.hasPrefix("\"IntegrationHealthLog_p") == true)
        try connection.query("DELETE FROM \"IntegrationHealthLog\" WHERE id LIKE 'new_%'")

        let doctor = try run(["doctor"])
        #expect(doctor.stdout.contains("partitions: partitioned by range of \"checkedAt\": 4 children"), "\(doctor.stdout)")
        #expect(try run(["report", "--period", "last-7d", "--format", "json"]).status == 0)
        let archive = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-plan-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: archive) }
        #expect(try run(["rollup"]).status == 0)
        let pruned = try run(["prune", "--older-than", "3d", "--archive-dir", archive.path])
        #expect(pruned.status == 0, "\(pruned.stderr)")
        #expect(try HealthctlProcess.run(["archive", "restore", archive.path, "--database-url", url]).status == 0)
        #expect(try connection.query(hash).first?.string(0) == before, "prune and restore through the new partitions lose nothing")

        let again = try run(["schema", "partition-plan"])
        #expect(again.status == 78 && again.stderr.contains("is partitioned already"), "\(again.stderr)")
    }
}
