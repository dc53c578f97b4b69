import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite(.serialized, .requiresDatabase) struct BackfillEndToEndTests {
    let database: TestDatabase

    init() throws {
        database = try TestDatabase("e2e_backfill")
        let setup = try HealthctlProcess.run(["schema", "apply", "--with-base-table", "--database-url", database.url])
        #expect(setup.status == 0)
        try database.connect().execute(script: """
            INSERT INTO "Integration" (id, "userId", provider, "updatedAt", "isActive", "tokenExpiry", "refreshToken")
            SELECT 'int-' || lpad(g::text, 2, '0'), 'user', 'github', now(), g <> 9,
                   CASE WHEN g >= 7 THEN now() - interval '1 day' END, CASE WHEN g = 8 THEN 'refresh' END
            FROM generate_series(1, 10) g;
            INSERT INTO "IntegrationHealthLog" (id, "integrationId", status, "checkedAt")
            SELECT 'log-' || g || '-' || s, 'int-' || lpad(g::text, 2, '0'),
                   (CASE WHEN g <= 3 THEN 'HEALTHY' WHEN g <= 5 THEN 'WARNING' ELSE 'ERROR' END)::"IntegrationHealthStatus",
                   timestamp '2026-11-20 12:00:00' - s * interval '5 minutes'
            FROM generate_series(1, 6) g, generate_series(0, 11) s;
            """)
    }

    @Test func dryRunPrintsTheTableThenTheRunDoesIt() throws {
        let dry = try HealthctlProcess.run(["backfill", "--dry-run", "--verbose", "--database-url", database.url])
        #expect(dry.status == 0)
        #expect(dry.stdout == """
            dry run, nothing changed: 10 UNKNOWN integrations examined
              UNKNOWN -> HEALTHY:                    3
              UNKNOWN -> WARNING:                    2
              UNKNOWN -> ERROR:                      1
              UNKNOWN -> ERROR (token expired):      2
              stays UNKNOWN (inactive, no evidence): 1
              stays UNKNOWN (no evidence):           1
            would update 8 rows
            sample ids:
              UNKNOWN -> HEALTHY: int-01, int-02, int-03
              UNKNOWN -> WARNING: int-04, int-05
              UNKNOWN -> ERROR: int-06
              UNKNOWN -> ERROR (token expired): int-07, int-10
              stays UNKNOWN (inactive, no evidence): int-09
              stays UNKNOWN (no evidence): int-08

            """)
        let unknown = try database.connect().query("SELECT count(*) FROM \"Integration\" WHERE \"healthStatus\" = 'UNKNOWN'")
        #expect(unknown.first?.int(0) == 10)

        let real = try HealthctlProcess.run(["backfill", "--format", "json", "--batch-size", "4", "--database-url", database.url])
        #expect(real.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(real.stdout.utf8)) as? [String: Any])
        #expect(json["updated"] as? Int == 8)
        #expect(json["examined"] as? Int == 10)
        #expect(json["dryRun"] as? Bool == false)
        let batches = try #require(json["batches"] as? [String: Any])
        #expect(batches["count"] as? Int == 3)
        #expect((batches["maxMilliseconds"] as? Double ?? 0) > 0)
        let transitions = try #require(json["transitions"] as? [[String: Any]])
        #expect(transitions.map { $0["rule"] as? String } == ["latest-log", "latest-log", "latest-log", "token-expired", "inactive", "no-evidence"])
        #expect(transitions.map { $0["count"] as? Int } == [3, 2, 1, 2, 1, 1])
        let row = try database.connect().query("SELECT \"healthStatus\"::text, \"lastHealthCheck\"::text FROM \"Integration\" WHERE id = 'int-04'").first
        #expect(row?[0] == "WARNING")
        #expect(row?[1] == "2026-11-20 12:00:00")

        let again = try HealthctlProcess.run(["backfill", "--database-url", database.url])
        #expect(again.status == 0)
        #expect(again.stdout.contains("backfill: 2 UNKNOWN integrations examined"))
        #expect(again.stdout.contains("updated 0 rows in 0 batches"))
    }

    @Test func exitsSeventyFiveWhileAnotherBackfillHoldsTheLock() throws {
        let holder = try database.connect()
        try holder.query("SELECT pg_advisory_lock(hashtext('healthctl:backfill'))")
        let output = try HealthctlProcess.run(["backfill", "--database-url", database.url])
        #expect(output.status == 75)
        #expect(output.stderr.hasPrefix("healthctl: error: another backfill run holds the lock on this database"))
        #expect(output.stdout.isEmpty)
    }

    @Test func sigtermStopsAfterTheCurrentBatch() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: HealthctlProcess.binaryPath)
        process.environment = HealthctlProcess.environment
        process.arguments = ["backfill", "--batch-size", "2", "--pause", "30s", "--database-url", database.url]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait for the first batch to commit; the run then pauses 30 s before the next one.
        let connection = try database.connect()
        let deadline = Date().addingTimeInterval(30)
        while try connection.query("SELECT count(*) FROM \"Integration\" WHERE \"healthStatus\" <> 'UNKNOWN'").first?.int(0) == 0,
            Date() < deadline
        {
            Thread.sleep(forTimeInterval: 0.05)
        }
        process.terminate()
        let stdout = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(stdout.contains("updated 2 rows in 1 batch"))
        #expect(stdout.contains("stopped early (SIGTERM): run again to continue"))
        let changed = try connection.query("SELECT count(*) FROM \"Integration\" WHERE \"healthStatus\" <> 'UNKNOWN'").first?.int(0)
        #expect(changed == 2)
    }
}

/// The tests of `backfill` that need no server: a bad flag is refused before connecting.
@Suite struct BackfillOfflineEndToEndTests {
    @Test func rejectsBadDurations() throws {
        let output = try HealthctlProcess.run(["backfill", "--max-age", "soon", "--database-url", "postgresql://127.0.0.1:1/healthctl"])
        #expect(output.status == 64)
        #expect(output.stderr.contains("invalid --max-age \"soon\""))
    }
}
