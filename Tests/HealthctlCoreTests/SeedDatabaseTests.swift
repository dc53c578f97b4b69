import Foundation
import HealthctlCore
import PostgresClient
import TestSupport
import Testing

/// `SeedLoader` against a real server: what is generated is what is loaded, in every schema variant.
@Suite(.requiresDatabase) struct SeedDatabaseTests {
    static let until = ISOTime.parseEpochMilliseconds("2026-11-23T00:00:00Z")!
    static let plan = try! SeedPlan(integrations: 8, days: 2, intervalMs: 300_000, seed: 5, untilMs: until)

    static func seed(_ database: TestDatabase, plan: SeedPlan = plan, jobs: Int = 2) throws -> SeedSummary {
        try SeedLoader.run(plan: plan, target: ConnectionTarget.resolve(flag: database.url), jobs: jobs, stop: StopRequest())
    }

    @Test func loadsEveryGeneratedRowAsMigration005LeavesIntegrations() throws {
        let database = try TestDatabase.migrated("seed_rows")
        let summary = try Self.seed(database)
        let checks = SeedDataSet(plan: Self.plan).allChecks()
        #expect(summary.integrations == 8)
        #expect(summary.logRows == checks.count)
        #expect(summary.from == "2026-11-21T00:00:00Z" && summary.until == "2026-11-23T00:00:00Z")

        let connection = try database.connect()
        let counts = try connection.query("SELECT status::text, count(*) FROM \"IntegrationHealthLog\" GROUP BY 1")
        let loaded = Dictionary(uniqueKeysWithValues: counts.rows.map { ($0[0]!, $0.int(1)!) })
        let expected = Dictionary(grouping: checks, by: \.status.rawValue).mapValues(\.count)
        #expect(loaded == expected)

        let integrations = try #require(try connection.query(
            """
            SELECT count(*), count(*) FILTER (WHERE "healthStatus" = 'UNKNOWN' AND "lastHealthCheck" IS NULL),
                   count(*) FILTER (WHERE "refreshToken" IS NULL), count(DISTINCT provider)
            FROM "Integration"
            """).first)
        #expect(integrations.int(0) == 8 && integrations.int(1) == 8)
        #expect(integrations.int(3)! >= 3)

        let nullTimesOutsideErrors = try connection.query(
            "SELECT count(*) FROM \"IntegrationHealthLog\" WHERE \"responseTime\" IS NULL AND status <> 'ERROR'")
        #expect(nullTimesOutsideErrors.first?.int(0) == 0)

        // One known row, field by field.
        let check = try #require(checks.first { $0.message != nil && $0.responseTimeMs == nil })
        let row = try #require(try connection.query(
            """
            SELECT i.provider, l.status::text, l."errorMessage", l."responseTime", \(HealthSchema.epochMillisecondsSQL("l.\"checkedAt\""))
            FROM "IntegrationHealthLog" l JOIN "Integration" i ON i.id = l."integrationId" WHERE l.id = $1
            """, [check.id(.text, plan: Self.plan)]).first)
        let integration = SyntheticIntegration(plan: Self.plan, index: check.integrationIndex)
        #expect(row[0] == integration.provider)
        #expect(row[1] == "ERROR")
        #expect(row[2] == check.message?.text)
        #expect(row.isNull(3))
        #expect(row.int64(4) == check.checkedAtMs)
    }

    @Test func sameSeedGivesTheSameRowsInTwoDatabasesWhateverTheConnections() throws {
        let first = try TestDatabase.migrated("seed_same_a")
        let second = try TestDatabase.migrated("seed_same_b")
        _ = try Self.seed(first, jobs: 1)
        _ = try Self.seed(second, jobs: 3)
        func fingerprint(_ database: TestDatabase) throws -> [String?] {
            let connection = try database.connect()
            return try [
                "SELECT md5(string_agg(l::text, '|' ORDER BY id)) FROM \"IntegrationHealthLog\" l",
                "SELECT md5(string_agg(i::text, '|' ORDER BY id)) FROM \"Integration\" i",
            ].map { try connection.query($0).first?[0] }
        }
        let fingerprints = try fingerprint(first)
        #expect(fingerprints.allSatisfy { $0 != nil })
        #expect(try fingerprint(second) == fingerprints)
    }

    @Test func fillsAHandMadeSchemaWithTimestamptzTextStatusAndUUIDs() throws {
        let database = try TestDatabase("seed_variant")
        try database.connect().execute(script: """
            CREATE SCHEMA app;
            CREATE TABLE app."Integration" (
                id uuid PRIMARY KEY, "createdAt" timestamptz NOT NULL,
                "healthStatus" text NOT NULL, "lastHealthCheck" timestamptz);
            CREATE TABLE app."IntegrationHealthLog" (
                id uuid PRIMARY KEY, "integrationId" uuid NOT NULL REFERENCES app."Integration"(id) ON DELETE CASCADE,
                status text NOT NULL, "errorMessage" text, "responseTime" integer, "checkedAt" timestamptz NOT NULL);
            """)
        let summary = try SeedLoader.run(
            plan: Self.plan, target: ConnectionTarget.resolve(flag: database.url(schema: "app")), jobs: 2, stop: StopRequest())
        let checks = SeedDataSet(plan: Self.plan).allChecks()
        #expect(summary.logRows == checks.count)
        let connection = try database.connect()
        let window = try #require(try connection.query(
            """
            SELECT \(HealthSchema.epochMillisecondsSQL("min(\"checkedAt\")")), \(HealthSchema.epochMillisecondsSQL("max(\"checkedAt\")")),
                   count(DISTINCT status), (SELECT count(*) FROM app."Integration" WHERE "healthStatus" = 'UNKNOWN')
            FROM app."IntegrationHealthLog"
            """).first)
        // timestamptz values mean the same instants as the generator's, whatever the session time zone.
        #expect(window.int64(0) == checks.map(\.checkedAtMs).min())
        #expect(window.int64(1) == checks.map(\.checkedAtMs).max())
        #expect(window.int(2) == 4)
        #expect(window.int(3) == 8)
        let integration = SyntheticIntegration(plan: Self.plan, index: 0)
        let created = try connection.query(
            "SELECT \(HealthSchema.epochMillisecondsSQL("\"createdAt\"")) FROM app.\"Integration\" WHERE id = $1", [integration.id(.uuid)])
        #expect(created.first?.int64(0) == integration.createdAtMs)
    }

    @Test func fillsIntegerIdsAndRefusesColumnsTooSmall() throws {
        let database = try TestDatabase("seed_integer")
        try database.connect().execute(script: """
            CREATE TYPE "IntegrationHealthStatus" AS ENUM ('HEALTHY', 'WARNING', 'ERROR', 'UNKNOWN');
            CREATE TABLE "Integration" (
                id integer PRIMARY KEY, provider text,
                "healthStatus" "IntegrationHealthStatus" NOT NULL DEFAULT 'UNKNOWN', "lastHealthCheck" timestamp(3));
            CREATE TABLE "IntegrationHealthLog" (
                id int2 PRIMARY KEY, "integrationId" integer NOT NULL REFERENCES "Integration"(id),
                status "IntegrationHealthStatus" NOT NULL, "errorMessage" text, "responseTime" integer, "checkedAt" timestamp(3) NOT NULL);
            """)
        let target = try ConnectionTarget.resolve(flag: database.url)
        // 8 integrations x 30 days of 5-minute checks need ids up to 69,120: more than a smallint holds.
        let month = try SeedPlan(integrations: 8, days: 30, intervalMs: 300_000, seed: 5, untilMs: Self.until)
        #expect(throws: SeedError.identifierOutOfRange(table: "IntegrationHealthLog", column: "id", type: "smallint", largest: 69_120)) {
            try SeedLoader.run(plan: month, target: target, jobs: 2, stop: StopRequest())
        }
        try database.connect().execute(script: "ALTER TABLE \"IntegrationHealthLog\" ALTER COLUMN id TYPE integer")
        let summary = try SeedLoader.run(plan: Self.plan, target: target, jobs: 2, stop: StopRequest())
        let ids = try #require(try database.connect().query(
            "SELECT count(DISTINCT id), max(id), (SELECT max(id) FROM \"Integration\") FROM \"IntegrationHealthLog\"").first)
        #expect(ids.int(0) == summary.logRows)
        #expect(ids.int(1)! <= Self.plan.maxLogRows)
        #expect(ids.int(2) == 8)
    }

    @Test func refusesToSeedTheSamePlanTwice() throws {
        let database = try TestDatabase.migrated("seed_twice")
        let first = try Self.seed(database)
        #expect(throws: SeedError.alreadySeeded(seed: 5, table: "Integration")) { try Self.seed(database) }
        let rows = try database.connect().query("SELECT count(*) FROM \"IntegrationHealthLog\"").first?.int(0)
        #expect(rows == first.logRows)
        // Another seed adds a second, disjoint data set.
        let other = try SeedPlan(integrations: 8, days: 2, intervalMs: 300_000, seed: 6, untilMs: Self.until)
        let second = try Self.seed(database, plan: other)
        let total = try database.connect().query("SELECT count(*) FROM \"IntegrationHealthLog\"").first?.int(0)
        #expect(total == first.logRows + second.logRows)
    }

    @Test func aStoppedSeedLeavesNothingBehind() throws {
        let database = try TestDatabase.migrated("seed_stop")
        let stop = StopRequest()
        stop.request("SIGINT")
        #expect(throws: SeedError.stopped(reason: "SIGINT")) {
            try SeedLoader.run(plan: Self.plan, target: ConnectionTarget.resolve(flag: database.url), jobs: 2, stop: stop)
        }
        let counts = try database.connect().query(
            "SELECT (SELECT count(*) FROM \"Integration\"), (SELECT count(*) FROM \"IntegrationHealthLog\")").first
        #expect(counts?.int(0) == 0 && counts?.int(1) == 0)
    }

    @Test func refusesADatabaseWithoutMigration005() throws {
        let database = try TestDatabase("seed_nomigration")
        try database.connect().execute(script: "CREATE TABLE \"Integration\" (id text PRIMARY KEY)")
        #expect(throws: SchemaError.tableNotFound(table: "IntegrationHealthLog", schema: "public")) {
            try SeedLoader.run(plan: Self.plan, target: ConnectionTarget.resolve(flag: database.url), jobs: 2, stop: StopRequest())
        }
    }
}
