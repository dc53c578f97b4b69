import Foundation
import HealthctlCore
import PostgresClient
import TestSupport
import Testing

/// A schema of its own with migration 005 applied, and helpers to fill and read it.
struct BackfillFixture {
    let database: TestDatabase
    let connection: PostgresConnection
    let schemaName: String

    init(_ database: TestDatabase, baseTable: Bool = true) throws {
        self.database = database
        connection = try database.connect()
        schemaName = "s_" + UUID().uuidString.prefix(8).lowercased()
        if baseTable {
            try MigrationSQL.apply([.baseIntegrationTable, .migration], schema: schemaName, on: connection)
        }
    }

    var integrationTable: String { qualifiedName(schema: schemaName, "Integration") }
    var logTable: String { qualifiedName(schema: schemaName, "IntegrationHealthLog") }

    func integration(
        _ id: String, status: String = "UNKNOWN", lastHealthCheck: String? = nil, isActive: Bool = true,
        tokenExpiredAgo: String? = nil, refreshToken: String? = nil
    ) throws {
        try connection.query(
            """
            INSERT INTO \(integrationTable) (id, "userId", provider, "updatedAt", "healthStatus", "lastHealthCheck", "isActive", "tokenExpiry", "refreshToken")
            VALUES ($1, 'user', 'google', now(), $2::\(qualifiedName(schema: schemaName, "IntegrationHealthStatus")), $3::timestamp, $4, now() - $5::interval, $6)
            """, [id, status, lastHealthCheck, isActive, tokenExpiredAgo, refreshToken])
    }

    func log(_ id: String, _ integrationId: String, _ status: String, at: String) throws {
        try connection.query(
            "INSERT INTO \(logTable) (id, \"integrationId\", status, \"checkedAt\") VALUES ($1, $2, $3::\(qualifiedName(schema: schemaName, "IntegrationHealthStatus")), $4::timestamp)",
            [id, integrationId, status, at])
    }

    func log(_ id: String, _ integrationId: String, _ status: String, ago: String) throws {
        try connection.query(
            "INSERT INTO \(logTable) (id, \"integrationId\", status, \"checkedAt\") VALUES ($1, $2, $3::\(qualifiedName(schema: schemaName, "IntegrationHealthStatus")), now() - $4::interval)",
            [id, integrationId, status, ago])
    }

    /// id -> "STATUS lastHealthCheck" (or "STATUS -").
    func state() throws -> [String: String] {
        var state: [String: String] = [:]
        for row in try connection.query("SELECT id::text, \"healthStatus\"::text, \"lastHealthCheck\"::text FROM \(integrationTable)").rows {
            state[row[0]!] = "\(row[1]!) \(row[2] ?? "-")"
        }
        return state
    }

    func logCount() throws -> Int { try connection.query("SELECT count(*) FROM \(logTable)").first!.int(0)! }

    func run(
        dryRun: Bool = false, maxAge: Int64? = nil, tokenRules: Bool = true, batchSize: Int = 1000,
        stop: StopRequest = StopRequest(), progress: ProgressHandler? = nil
    ) throws -> BackfillSummary {
        var options = BackfillOptions()
        options.dryRun = dryRun
        options.maxAge = maxAge.map { TimeSpan(milliseconds: $0, text: "\($0)ms") }
        options.tokenRules = tokenRules
        options.batchSize = batchSize
        options.sampleSize = 5
        let target = try ConnectionTarget.resolve(flag: database.url(schema: schemaName))
        return try Backfill(target: target, options: options, stop: stop, progress: progress).run()
    }
}

extension BackfillSummary {
    /// label -> count.
    var table: [String: Int] { Dictionary(uniqueKeysWithValues: transitions.map { ($0.label, $0.count) }) }
}

/// Runs are serialized: a real run takes the database-wide backfill lock.
@Suite(.serialized, .requiresDatabase) struct BackfillDatabaseTests {
    let database: TestDatabase

    init() throws { database = try TestDatabase("backfill") }

    @Test func derivesStatusesFromLogsAndTokens() throws {
        let f = try BackfillFixture(database)
        try f.integration("healthy")
        try f.log("h1", "healthy", "ERROR", at: "2026-11-20 10:00:00")
        try f.log("h2", "healthy", "HEALTHY", at: "2026-11-20 10:05:00")
        try f.integration("warning")
        try f.log("w1", "warning", "WARNING", at: "2026-11-20 10:04:00.123")
        try f.integration("expired", tokenExpiredAgo: "1 day")
        try f.integration("expired-refreshable", tokenExpiredAgo: "1 day", refreshToken: "r")
        try f.integration("valid-token", tokenExpiredAgo: "-1 day")
        try f.integration("inactive-expired", isActive: false, tokenExpiredAgo: "1 day")
        try f.integration("expired-with-log", tokenExpiredAgo: "1 day")
        try f.log("e1", "expired-with-log", "HEALTHY", at: "2026-11-20 09:00:00")
        try f.integration("unknown-check")
        try f.log("u1", "unknown-check", "UNKNOWN", at: "2026-11-20 11:00:00")
        let logs = try f.logCount()

        let summary = try f.run()

        #expect(try f.state() == [
            "healthy": "HEALTHY 2026-11-20 10:05:00",
            "warning": "WARNING 2026-11-20 10:04:00.123",
            "expired": "ERROR -",
            "expired-refreshable": "UNKNOWN -",
            "valid-token": "UNKNOWN -",
            "inactive-expired": "UNKNOWN -",
            "expired-with-log": "HEALTHY 2026-11-20 09:00:00",
            "unknown-check": "UNKNOWN 2026-11-20 11:00:00",
        ])
        #expect(summary.table == [
            "UNKNOWN -> HEALTHY": 2, "UNKNOWN -> WARNING": 1, "UNKNOWN -> ERROR (token expired)": 1,
            "stays UNKNOWN, lastHealthCheck set (latest check UNKNOWN)": 1,
            "stays UNKNOWN (inactive, no evidence)": 1, "stays UNKNOWN (no evidence)": 2,
        ])
        #expect(summary.examined == 8)
        #expect(summary.updated == 5)
        #expect(summary.skippedLocked == 0)
        #expect(summary.batches.count == 1)
        #expect(summary.transitions.first { $0.rule == .tokenExpired }?.sampleIds == ["expired"])
        #expect(try f.logCount() == logs)
    }

    @Test func noTokenRulesLeavesExpiredTokensUnknown() throws {
        let f = try BackfillFixture(database)
        try f.integration("expired", tokenExpiredAgo: "1 day")
        let summary = try f.run(tokenRules: false)
        #expect(try f.state() == ["expired": "UNKNOWN -"])
        #expect(summary.table == ["stays UNKNOWN (no evidence)": 1])
    }

    @Test func tiesOnCheckedAtAreBrokenByTheGreatestId() throws {
        let f = try BackfillFixture(database)
        // "recent" is found in the newest window; "old" is found by the direct lookup, because the
        // busy integration's recent rows make widening the window not worth it.
        try f.integration("recent")
        try f.log("r-b", "recent", "ERROR", at: "2026-11-20 10:00:00")
        try f.log("r-a", "recent", "HEALTHY", at: "2026-11-20 10:00:00")
        try f.log("r-c", "recent", "HEALTHY", at: "2026-11-20 09:59:59.999")
        try f.integration("old")
        try f.log("o-y", "old", "WARNING", at: "2026-10-01 08:00:00")
        try f.log("o-z", "old", "HEALTHY", at: "2026-10-01 08:00:00")
        try f.log("o-x", "old", "ERROR", at: "2026-10-01 08:00:00")
        try f.integration("busy", status: "HEALTHY")
        try f.connection.query(
            """
            INSERT INTO \(f.logTable) (id, "integrationId", status, "checkedAt")
            SELECT 'busy-' || g, 'busy', 'HEALTHY', timestamp '2026-11-20 10:00:00' - g * interval '1 minute'
            FROM generate_series(1, 600) g
            """)
        let summary = try f.run()
        #expect(try f.state() == [
            "recent": "ERROR 2026-11-20 10:00:00", "old": "HEALTHY 2026-10-01 08:00:00", "busy": "HEALTHY -",
        ])
        #expect(summary.evidence.lookedUpIndividually == 1)
        #expect(summary.evidence.windows >= 2)
    }

    @Test func agreesWithTheOneStatementUpdateOnAMixedDataSet() throws {
        let f = try BackfillFixture(database)
        let status = qualifiedName(schema: f.schemaName, "IntegrationHealthStatus")
        // 300 integrations: every fifth without logs, every seventh with only old logs, pairs of rows
        // sharing checkedAt (ids compared as text: 'log-3-10' < 'log-3-9'), all four statuses.
        try f.connection.execute(script: """
            INSERT INTO \(f.integrationTable) (id, "userId", provider, "updatedAt")
            SELECT 'int-' || g, 'user', 'google', now() FROM generate_series(1, 300) g;
            INSERT INTO \(f.logTable) (id, "integrationId", status, "checkedAt")
            SELECT 'log-' || g || '-' || s, 'int-' || g,
                   (ARRAY['HEALTHY', 'WARNING', 'ERROR', 'UNKNOWN'])[1 + (g * 3 + s) % 4]::\(status),
                   timestamp '2026-11-20 00:00:00' - ((g * 13 + (s / 2) * 37) % 3000) * interval '1 minute'
                     - CASE WHEN g % 7 = 0 THEN interval '20 days' ELSE interval '0' END
            FROM generate_series(1, 300) g, generate_series(0, (g * 7) % 40) s
            WHERE g % 5 <> 0;
            ANALYZE \(f.logTable);
            """)
        let summary = try f.run(batchSize: 64)
        let mismatches = try f.connection.query(
            """
            SELECT count(*) FROM \(f.integrationTable) i
            LEFT JOIN (SELECT DISTINCT ON ("integrationId") "integrationId", status, "checkedAt" FROM \(f.logTable)
                       ORDER BY "integrationId", "checkedAt" DESC, id DESC) l ON l."integrationId" = i.id
            WHERE i."healthStatus" IS DISTINCT FROM coalesce(l.status, 'UNKNOWN')
               OR i."lastHealthCheck" IS DISTINCT FROM l."checkedAt"
            """
        ).first?.int(0)
        #expect(mismatches == 0)
        #expect(summary.examined == 300)
        #expect(summary.evidence.windows >= 1)
        #expect(summary.evidence.lookedUpIndividually > 0)
    }

    @Test func maxAgeIgnoresOlderEvidence() throws {
        let f = try BackfillFixture(database)
        try f.integration("fresh")
        try f.log("f1", "fresh", "WARNING", ago: "2 days")
        try f.integration("stale")
        try f.log("s1", "stale", "HEALTHY", ago: "10 days")
        try f.integration("stale-expired", tokenExpiredAgo: "1 day")
        try f.log("s2", "stale-expired", "HEALTHY", ago: "9 days")
        try f.integration("mixed")
        try f.log("m1", "mixed", "ERROR", ago: "8 days")
        try f.log("m2", "mixed", "HEALTHY", ago: "6 days")
        try f.integration("none")
        let week: Int64 = 7 * 86_400_000

        let dry = try f.run(dryRun: true, maxAge: week)
        #expect(dry.table == [
            "UNKNOWN -> WARNING": 1, "UNKNOWN -> HEALTHY": 1,
            "stays UNKNOWN (evidence older than --max-age)": 2, "stays UNKNOWN (no evidence)": 1,
        ])
        _ = try f.run(maxAge: week)
        let state = try f.state()
        #expect(state["fresh"]?.hasPrefix("WARNING 20") == true)
        #expect(state["mixed"]?.hasPrefix("HEALTHY 20") == true)
        #expect(state["stale"] == "UNKNOWN -")
        #expect(state["stale-expired"] == "UNKNOWN -")
        #expect(state["none"] == "UNKNOWN -")
        // Without the limit the old evidence counts.
        _ = try f.run()
        #expect(try f.state()["stale"]?.hasPrefix("HEALTHY 20") == true)
    }

    @Test func rowsAlreadyDecidedAreNeverTouched() throws {
        let f = try BackfillFixture(database)
        try f.integration("ok", status: "HEALTHY", lastHealthCheck: "2026-11-01 00:00:00")
        try f.integration("bad", status: "ERROR", tokenExpiredAgo: "1 day")
        try f.log("1", "ok", "ERROR", at: "2026-11-20 00:00:00")
        try f.log("2", "bad", "HEALTHY", at: "2026-11-20 00:00:00")
        let summary = try f.run()
        #expect(try f.state() == ["ok": "HEALTHY 2026-11-01 00:00:00", "bad": "ERROR -"])
        #expect(summary.examined == 0)
        #expect(summary.updated == 0)
    }

    @Test func lastHealthCheckNeverMovesBackwards() throws {
        let f = try BackfillFixture(database)
        try f.integration("newer-recorded", lastHealthCheck: "2026-11-21 00:00:00")
        try f.log("1", "newer-recorded", "HEALTHY", at: "2026-11-20 00:00:00")
        try f.integration("older-recorded", lastHealthCheck: "2026-11-19 00:00:00")
        try f.log("2", "older-recorded", "WARNING", at: "2026-11-20 00:00:00")
        try f.integration("token", lastHealthCheck: "2026-11-19 00:00:00", tokenExpiredAgo: "1 hour")
        let summary = try f.run()
        #expect(try f.state() == [
            "newer-recorded": "UNKNOWN 2026-11-21 00:00:00",
            "older-recorded": "WARNING 2026-11-20 00:00:00",
            "token": "ERROR 2026-11-19 00:00:00",
        ])
        #expect(summary.table["stays UNKNOWN (lastHealthCheck newer than latest log)"] == 1)
    }

    @Test func rowLockedByTheApplicationIsSkippedThenDoneNextRun() throws {
        let f = try BackfillFixture(database)
        for id in ["a", "b", "c"] {
            try f.integration(id)
            try f.log("log-\(id)", id, "HEALTHY", at: "2026-11-20 00:00:00")
        }
        let application = try database.connect()
        try application.query("BEGIN")
        try application.query("SELECT 1 FROM \(f.integrationTable) WHERE id = 'b' FOR UPDATE")

        let first = try f.run()
        #expect(first.updated == 2)
        #expect(first.skippedLocked == 1)
        #expect(first.skippedChanged == 0)
        #expect(first.table == ["UNKNOWN -> HEALTHY": 2])
        #expect(try f.state()["b"] == "UNKNOWN -")
        #expect(first.renderText().contains("skipped 1 rows locked by another transaction: the next run picks them up"))

        try application.query("COMMIT")
        let second = try f.run()
        #expect(second.updated == 1)
        #expect(second.skippedLocked == 0)
        #expect(try f.state()["b"] == "HEALTHY 2026-11-20 00:00:00")
    }

    @Test func applicationWriteWhileLockedWins() throws {
        let f = try BackfillFixture(database)
        try f.integration("a")
        try f.log("1", "a", "HEALTHY", at: "2026-11-20 00:00:00")
        let application = try database.connect()
        try application.query("BEGIN")
        try application.query(
            "UPDATE \(f.integrationTable) SET \"healthStatus\" = 'ERROR', \"lastHealthCheck\" = '2026-11-20 00:01:00' WHERE id = 'a'")
        let summary = try f.run()
        try application.query("COMMIT")
        #expect(summary.skippedLocked == 1)
        #expect(try f.state() == ["a": "ERROR 2026-11-20 00:01:00"])
        let again = try f.run()
        #expect(again.examined == 0)
        #expect(try f.state() == ["a": "ERROR 2026-11-20 00:01:00"])
    }

    @Test func applicationWriteBetweenReadAndUpdateWins() throws {
        let f = try BackfillFixture(database)
        for id in ["a", "b", "c"] {
            try f.integration(id)
            try f.log("log-\(id)", id, "HEALTHY", at: "2026-11-20 00:00:00")
        }
        // After the first batch, the application records newer checks for b (a status) and c (still
        // UNKNOWN, but a newer lastHealthCheck): both were read before, and both must be left alone.
        let database = database
        let table = f.integrationTable
        let summary = try f.run(batchSize: 1, progress: { progress in
            guard progress.done == 1, let application = try? database.connect() else { return }
            _ = try? application.query(
                "UPDATE \(table) SET \"healthStatus\" = 'WARNING', \"lastHealthCheck\" = '2026-11-20 00:05:00' WHERE id = 'b'")
            _ = try? application.query("UPDATE \(table) SET \"lastHealthCheck\" = '2026-11-20 00:05:00' WHERE id = 'c'")
        })
        #expect(summary.updated == 1)
        #expect(summary.skippedChanged == 2)
        #expect(summary.skippedLocked == 0)
        #expect(try f.state() == [
            "a": "HEALTHY 2026-11-20 00:00:00", "b": "WARNING 2026-11-20 00:05:00", "c": "UNKNOWN 2026-11-20 00:05:00",
        ])
    }

    @Test func secondRunChangesNothing() throws {
        let f = try BackfillFixture(database)
        try f.integration("a")
        try f.log("1", "a", "ERROR", at: "2026-11-20 00:00:00")
        try f.integration("b")
        try f.log("2", "b", "UNKNOWN", at: "2026-11-20 00:00:00")
        try f.integration("c", tokenExpiredAgo: "1 day")
        try f.integration("d")
        _ = try f.run()
        let after = try f.state()
        let second = try f.run()
        #expect(try f.state() == after)
        #expect(second.updated == 0)
        #expect(second.batches.count == 0)
        #expect(second.table == ["stays UNKNOWN (latest check UNKNOWN)": 1, "stays UNKNOWN (no evidence)": 1])
    }

    @Test func dryRunTouchesNothingAndPlansWhatTheRunDoes() throws {
        let f = try BackfillFixture(database)
        for index in 0..<7 {
            try f.integration("i\(index)", tokenExpiredAgo: index == 6 ? "1 day" : nil)
            if index < 5 { try f.log("l\(index)", "i\(index)", index % 2 == 0 ? "HEALTHY" : "WARNING", ago: "\(index) minutes") }
        }
        let before = try f.state()
        let dry = try f.run(dryRun: true, batchSize: 2)
        #expect(try f.state() == before)
        #expect(dry.updated == 0)
        #expect(dry.batches.count == 0)
        let real = try f.run(batchSize: 2)
        #expect(dry.table == real.table)
        #expect(real.table == ["UNKNOWN -> HEALTHY": 3, "UNKNOWN -> WARNING": 2, "UNKNOWN -> ERROR (token expired)": 1, "stays UNKNOWN (no evidence)": 1])
        #expect(real.batches.count == 4)
        #expect(real.batches.maxMilliseconds > 0)
    }

    @Test func stopRequestEndsTheRunAfterTheCurrentBatch() throws {
        let f = try BackfillFixture(database)
        for index in 0..<6 {
            try f.integration("i\(index)")
            try f.log("l\(index)", "i\(index)", "HEALTHY", at: "2026-11-20 00:00:00")
        }
        let stop = StopRequest()
        let summary = try f.run(batchSize: 2, stop: stop, progress: { if $0.done >= 2 { stop.request("SIGTERM") } })
        #expect(summary.stoppedBy == "SIGTERM")
        #expect(summary.updated == 2)
        #expect(try f.state().values.filter { $0.hasPrefix("HEALTHY") }.count == 2)
        #expect(try f.run().updated == 4)
    }

    @Test func secondRealRunIsRefusedWhileTheLockIsHeld() throws {
        let f = try BackfillFixture(database)
        try f.integration("a")
        let other = try database.connect()
        try AdvisoryLock.acquire(.backfill, on: other)
        #expect(throws: LockHeldError.self) { try f.run() }
        // A dry run does not need the lock.
        #expect(try f.run(dryRun: true).examined == 1)
        AdvisoryLock.release(.backfill, on: other)
        #expect(try f.run().examined == 1)
    }

    @Test func worksWithoutOptionalColumnsAndWithSchemaDrift() throws {
        // Integer ids, TEXT status, timestamptz with microseconds, none of the token columns.
        let f = try BackfillFixture(database, baseTable: false)
        try f.connection.execute(script: """
            CREATE SCHEMA \(quoteIdentifier(f.schemaName));
            CREATE TABLE \(f.integrationTable) (
                id integer PRIMARY KEY, "healthStatus" text NOT NULL DEFAULT 'UNKNOWN', "lastHealthCheck" timestamptz);
            CREATE TABLE \(f.logTable) (
                id bigint PRIMARY KEY, "integrationId" integer NOT NULL REFERENCES \(f.integrationTable)(id),
                status text NOT NULL, "errorMessage" text, "responseTime" integer, "checkedAt" timestamptz NOT NULL);
            CREATE INDEX ON \(f.logTable) ("checkedAt");
            CREATE INDEX ON \(f.logTable) ("integrationId");
            INSERT INTO \(f.integrationTable) (id) SELECT generate_series(1, 4);
            INSERT INTO \(f.logTable) VALUES
                (10, 1, 'HEALTHY', NULL, 5, '2026-11-20 10:00:00.000001+00'),
                (11, 1, 'ERROR', NULL, 5, '2026-11-20 10:00:00.000002+00'),
                (12, 2, 'WARNING', NULL, 5, '2026-11-20 10:00:00+00'),
                (9, 2, 'ERROR', NULL, 5, '2026-11-20 10:00:00+00'),
                (13, 3, 'bogus', NULL, 5, '2026-11-20 10:00:00+00');
            """)
        let schema = try SchemaInspector.inspect(f.connection, schema: f.schemaName)
        #expect(!schema.hasTokenExpiry && !schema.hasIsActive && !schema.hasRefreshToken)
        let summary = try f.run()
        #expect(try f.state() == [
            "1": "ERROR 2026-11-20 10:00:00.000002+00",
            "2": "WARNING 2026-11-20 10:00:00+00",
            "3": "UNKNOWN 2026-11-20 10:00:00+00",
            "4": "UNKNOWN -",
        ])
        #expect(summary.updated == 3)
        #expect(try f.run().updated == 0)
    }

    @Test func worksWithUUIDIdsAndOnlyIsActive() throws {
        let f = try BackfillFixture(database, baseTable: false)
        let status = qualifiedName(schema: f.schemaName, "IntegrationHealthStatus")
        try f.connection.execute(script: """
            CREATE SCHEMA \(quoteIdentifier(f.schemaName));
            CREATE TYPE \(status) AS ENUM ('HEALTHY', 'WARNING', 'ERROR', 'UNKNOWN');
            CREATE TABLE \(f.integrationTable) (
                id uuid PRIMARY KEY, "isActive" boolean NOT NULL DEFAULT true,
                "healthStatus" \(status) NOT NULL DEFAULT 'UNKNOWN', "lastHealthCheck" timestamp(3));
            CREATE TABLE \(f.logTable) (
                id uuid PRIMARY KEY, "integrationId" uuid NOT NULL, status \(status) NOT NULL,
                "errorMessage" text, "responseTime" integer, "checkedAt" timestamp(3) NOT NULL);
            INSERT INTO \(f.integrationTable) (id, "isActive") VALUES
                ('00000000-0000-0000-0000-000000000001', true), ('00000000-0000-0000-0000-000000000002', false),
                ('00000000-0000-0000-0000-000000000003', true);
            INSERT INTO \(f.logTable) (id, "integrationId", status, "checkedAt") VALUES
                ('0000000a-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000001', 'HEALTHY', '2026-11-20 10:00:00'),
                ('0000000b-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000001', 'WARNING', '2026-11-20 10:00:00');
            """)
        let summary = try f.run(batchSize: 2)
        #expect(try f.state() == [
            "00000000-0000-0000-0000-000000000001": "WARNING 2026-11-20 10:00:00",
            "00000000-0000-0000-0000-000000000002": "UNKNOWN -",
            "00000000-0000-0000-0000-000000000003": "UNKNOWN -",
        ])
        #expect(summary.table == [
            "UNKNOWN -> WARNING": 1, "stays UNKNOWN (inactive, no evidence)": 1, "stays UNKNOWN (no evidence)": 1,
        ])
    }
}
