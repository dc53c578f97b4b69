import Foundation
import HealthctlCore
import PostgresClient
import TestSupport
import Testing

/// Schema variants as real databases have them, made by hand.
enum SchemaVariant {
    /// uuid ids, TEXT status columns, timestamptz times, no enum, no optional base columns.
    static let drifted = """
        CREATE TABLE "Integration" (
            "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            "userId" text NOT NULL,
            "healthStatus" text NOT NULL DEFAULT 'UNKNOWN',
            "lastHealthCheck" timestamptz
        );
        CREATE TABLE "IntegrationHealthLog" (
            "id" uuid PRIMARY KEY,
            "integrationId" uuid NOT NULL REFERENCES "Integration"("id") ON DELETE CASCADE,
            "status" varchar(16) NOT NULL,
            "errorMessage" text,
            "responseTime" integer,
            "checkedAt" timestamptz(6) NOT NULL DEFAULT now()
        );
        CREATE INDEX "IntegrationHealthLog_checkedAt_id_idx" ON "IntegrationHealthLog" ("checkedAt", "id");
        """

    /// Integer ids (bigint and integer), timestamp without precision, no foreign key.
    static let integerIds = """
        CREATE TYPE "IntegrationHealthStatus" AS ENUM ('HEALTHY', 'WARNING', 'ERROR', 'UNKNOWN');
        CREATE TABLE "Integration" (
            "id" bigserial PRIMARY KEY,
            "provider" text,
            "healthStatus" "IntegrationHealthStatus" NOT NULL DEFAULT 'UNKNOWN',
            "lastHealthCheck" timestamp
        );
        CREATE TABLE "IntegrationHealthLog" (
            "id" bigserial PRIMARY KEY,
            "integrationId" integer NOT NULL,
            "status" "IntegrationHealthStatus" NOT NULL,
            "errorMessage" text,
            "responseTime" bigint,
            "checkedAt" timestamp NOT NULL
        );
        """
}

@Suite(.requiresDatabase) struct SchemaInspectorTests {
    let database: TestDatabase
    let connection: PostgresConnection

    init() throws {
        database = try TestDatabase("inspect")
        connection = try database.connect()
    }

    func expectSchemaError(_ expected: SchemaError, schema: String = "public", sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(throws: expected, sourceLocation: sourceLocation) { try SchemaInspector.inspect(connection, schema: schema) }
    }

    @Test func theMigrationAsWrittenIsFoundInFull() throws {
        try MigrationSQL.apply([.baseIntegrationTable, .migration], schema: "public", on: connection)
        let schema = try SchemaInspector.inspect(connection, schema: "public")
        #expect(schema.integrationIdType == .text && schema.logIdType == .text)
        #expect(schema.integrationStatusType == .enumType && schema.logStatusType == .enumType)
        #expect(schema.checkedAtType == .timestamp && schema.lastHealthCheckType == .timestamp)
        #expect(schema.statusEnumLabels == ["HEALTHY", "WARNING", "ERROR", "UNKNOWN"])
        #expect(schema.foreignKey?.name == "IntegrationHealthLog_integrationId_fkey")
        #expect(schema.foreignKey?.onDelete == "CASCADE")
        #expect(schema.logColumns.map(\.name) == ["id", "integrationId", "status", "errorMessage", "responseTime", "checkedAt"])
        #expect(schema.logColumns.first { $0.name == "checkedAt" }?.formattedType == "timestamp(3) without time zone")
        #expect(schema.logColumns.first { $0.name == "checkedAt" }?.notNull == true)
        #expect(Set(schema.logIndexes.map(\.name)) == [
            "IntegrationHealthLog_pkey", "IntegrationHealthLog_integrationId_idx", "IntegrationHealthLog_checkedAt_idx",
            "IntegrationHealthLog_status_idx",
        ])
        #expect(schema.integrationIndexes.contains { $0.name == "Integration_healthStatus_idx" && $0.columns == ["healthStatus"] })
        #expect(schema.hasProvider && schema.hasIsActive && schema.hasTokenExpiry && schema.hasRefreshToken)
        #expect(schema.logTable == "\"public\".\"IntegrationHealthLog\"")
        #expect(schema.integrationTable == "\"public\".\"Integration\"")
        #expect(schema.logHasIndex(startingWith: ["checkedAt"]))
        #expect(!schema.logHasIndex(startingWith: ["checkedAt", "id"]))
    }

    @Test func driftedTypesAreAccepted() throws {
        try connection.execute(script: SchemaVariant.drifted)
        let schema = try SchemaInspector.inspect(connection, schema: "public")
        #expect(schema.integrationIdType == .uuid && schema.logIdType == .uuid)
        #expect(schema.integrationStatusType == .text && schema.logStatusType == .text)
        #expect(schema.checkedAtType == .timestamptz && schema.lastHealthCheckType == .timestamptz)
        #expect(schema.statusEnumLabels == nil)
        #expect(!schema.hasProvider && !schema.hasIsActive)
        #expect(schema.logHasIndex(startingWith: ["checkedAt", "id"]))
    }

    @Test func integerIdsAreAccepted() throws {
        try connection.execute(script: SchemaVariant.integerIds)
        let schema = try SchemaInspector.inspect(connection, schema: "public")
        #expect(schema.integrationIdType == .integer && schema.logIdType == .integer)
        #expect(schema.checkedAtType == .timestamp)
        #expect(schema.foreignKey == nil)
        #expect(schema.hasProvider)
    }

    @Test func tablesInAnotherSchemaAreFoundThere() throws {
        try MigrationSQL.apply([.baseIntegrationTable, .migration], schema: "tenant_a", on: connection)
        #expect(try SchemaInspector.inspect(connection, schema: "tenant_a").logTable == "\"tenant_a\".\"IntegrationHealthLog\"")
        expectSchemaError(.tableNotFound(table: "Integration", schema: "public"))
        expectSchemaError(.schemaNotFound(schema: "tenant_b"), schema: "tenant_b")
    }

    @Test func theFirstMissingObjectIsNamed() throws {
        try connection.execute(script: "CREATE TABLE \"Integration\" (\"id\" text PRIMARY KEY)")
        expectSchemaError(.tableNotFound(table: "IntegrationHealthLog", schema: "public"))
        #expect(SchemaError.tableNotFound(table: "IntegrationHealthLog", schema: "public").description
            == "table \"IntegrationHealthLog\" not found in schema \"public\": migration 005 has not been applied")

        try connection.execute(script: """
            CREATE TABLE "IntegrationHealthLog" ("id" text PRIMARY KEY, "integrationId" text, "status" text,
                "errorMessage" text, "responseTime" int, "checkedAt" timestamp(3));
            """)
        expectSchemaError(.columnNotFound(table: "Integration", column: "healthStatus"))
        try connection.execute(script: "ALTER TABLE \"Integration\" ADD \"healthStatus\" text")
        expectSchemaError(.columnNotFound(table: "Integration", column: "lastHealthCheck"))
        try connection.execute(script: "ALTER TABLE \"Integration\" ADD \"lastHealthCheck\" timestamp(3)")
        #expect(try SchemaInspector.inspect(connection, schema: "public").logStatusType == .text)
        try connection.execute(script: "ALTER TABLE \"IntegrationHealthLog\" DROP \"responseTime\"")
        expectSchemaError(.columnNotFound(table: "IntegrationHealthLog", column: "responseTime"))
    }

    @Test func unsupportedTypesNameTableColumnFoundAndExpected() throws {
        try MigrationSQL.apply([.baseIntegrationTable, .migration], schema: "public", on: connection)
        try connection.execute(script: """
            ALTER TABLE "IntegrationHealthLog" ALTER "checkedAt" DROP DEFAULT;
            ALTER TABLE "IntegrationHealthLog" ALTER "checkedAt" TYPE text;
            """)
        let error = SchemaError.unsupportedType(
            table: "IntegrationHealthLog", column: "checkedAt", found: "text", expected: "timestamp(3) or timestamptz")
        expectSchemaError(error)
        #expect(error.description == "column \"IntegrationHealthLog\".\"checkedAt\" has type text, expected timestamp(3) or timestamptz")
        #expect(error.category == .configuration)

        try connection.execute(script: """
            ALTER TABLE "IntegrationHealthLog" ALTER "checkedAt" TYPE timestamptz USING "checkedAt"::timestamptz;
            ALTER TABLE "IntegrationHealthLog" ALTER "status" TYPE integer USING 0;
            """)
        expectSchemaError(.unsupportedType(
            table: "IntegrationHealthLog", column: "status", found: "integer", expected: "\"IntegrationHealthStatus\" or text"))
    }

    @Test func mismatchedIdTypesAreRefused() throws {
        try connection.execute(script: SchemaVariant.drifted)
        try connection.execute(script: """
            ALTER TABLE "IntegrationHealthLog" DROP CONSTRAINT "IntegrationHealthLog_integrationId_fkey";
            ALTER TABLE "IntegrationHealthLog" ALTER "integrationId" TYPE text;
            """)
        expectSchemaError(.unsupportedType(
            table: "IntegrationHealthLog", column: "integrationId", found: "text",
            expected: "the type of \"Integration\".\"id\" (uuid)"))
    }

    @Test func epochMillisecondsAgreeBetweenSQLAndSwift() throws {
        try connection.execute(script: "CREATE TABLE t (plain timestamp(6), zoned timestamptz(6))")
        let values = [
            "2026-11-28 10:15:00.123999", "2026-11-28 10:15:00.1235", "2026-11-28 10:15:00.000001", "1969-12-31 23:59:59.9995",
            "1969-12-31 23:59:59.000001", "1900-03-01 00:00:00.5", "2000-02-29 12:00:00", "2262-04-11 23:47:16.854775",
        ]
        for value in values { try connection.query("INSERT INTO t VALUES ($1::timestamp, $1::timestamptz)", [value]) }
        let plain = HealthSchema.epochMillisecondsSQL("plain")
        let zoned = HealthSchema.epochMillisecondsSQL("zoned")
        let rows = try connection.query("SELECT \(plain), \(zoned), plain::text FROM t").rows
        #expect(rows.count == values.count)
        for row in rows {
            let swift = PostgresTimestamp.parseEpochMilliseconds((row.string(2) ?? "")[...])
            #expect(row.int64(0) == swift, "\(row.string(2) ?? "")")
            #expect(row.int64(1) == swift, "\(row.string(2) ?? "")")
        }
    }

    @Test func timestampParametersMeanUTCForBothColumnTypes() throws {
        try connection.set("TimeZone", "Asia/Kolkata")
        try connection.execute(script: "CREATE TABLE t (plain timestamp(3), zoned timestamptz)")
        let text = "2026-11-28 10:15:00.123"
        try connection.query(
            "INSERT INTO t VALUES (\(HealthSchema.timestampParameterSQL("$1", .timestamp)), \(HealthSchema.timestampParameterSQL("$1", .timestamptz)))",
            [text])
        let row = try #require(try connection.query("SELECT plain, zoned FROM t").first)
        #expect(row.epochMilliseconds(0) == 1_795_860_900_123)
        #expect(row.epochMilliseconds(1) == 1_795_860_900_123)
    }
}

@Suite(.requiresDatabase) struct MigrationSQLTests {
    let database: TestDatabase
    let connection: PostgresConnection

    init() throws {
        database = try TestDatabase("migration")
        connection = try database.connect()
    }
}

/// The tests of the migration scripts that need no server.
@Suite struct MigrationSQLOfflineTests {
    @Test func scriptsAreShippedAsResources() throws {
        let migration = try MigrationSQL.text(.migration)
        #expect(migration.contains("CREATE TYPE \"IntegrationHealthStatus\" AS ENUM ('HEALTHY', 'WARNING', 'ERROR', 'UNKNOWN')"))
        #expect(migration.contains("CREATE INDEX IF NOT EXISTS \"IntegrationHealthLog_checkedAt_idx\""))
        #expect(try MigrationSQL.text(.rollback).contains("DROP TABLE IF EXISTS \"IntegrationHealthLog\""))
        #expect(try MigrationSQL.text(.baseIntegrationTable).contains("CREATE TABLE IF NOT EXISTS \"Integration\""))
    }
}

extension MigrationSQLTests {
    @Test func applyingTwiceChangesNothingAndRollbackRemovesEverything() throws {
        try MigrationSQL.apply([.baseIntegrationTable, .migration], schema: "public", on: connection)
        try connection.query(#"INSERT INTO "Integration" ("id", "userId", "provider", "updatedAt") VALUES ('i1', 'u', 'github', now())"#)
        let first = try SchemaInspector.inspect(connection, schema: "public")
        try MigrationSQL.apply([.baseIntegrationTable, .migration], schema: "public", on: connection)
        #expect(try SchemaInspector.inspect(connection, schema: "public") == first)
        #expect(try connection.query(#"SELECT "healthStatus"::text FROM "Integration""#).first?.string(0) == "UNKNOWN")

        try MigrationSQL.apply([.rollback], schema: "public", on: connection)
        #expect(throws: SchemaError.tableNotFound(table: "IntegrationHealthLog", schema: "public")) {
            try SchemaInspector.inspect(connection, schema: "public")
        }
        let leftovers = try connection.query(
            "SELECT count(*) FROM pg_type WHERE typname = 'IntegrationHealthStatus' UNION ALL "
                + "SELECT count(*) FROM information_schema.columns WHERE table_name = 'Integration' AND column_name IN ('healthStatus', 'lastHealthCheck')")
        #expect(leftovers.rows.map { $0.int(0) } == [0, 0])
        #expect(try connection.query(#"SELECT count(*) FROM "Integration""#).first?.int(0) == 1)
        try MigrationSQL.apply([.rollback], schema: "public", on: connection)
    }

    @Test func rollbackWhereNothingWasAppliedChangesNothing() throws {
        try MigrationSQL.apply([.rollback], schema: "public", on: connection)
        try MigrationSQL.apply([.rollback], schema: "never_created", on: connection)
        #expect(try connection.query("SELECT count(*) FROM pg_namespace WHERE nspname = 'never_created'").first?.int(0) == 0)
    }

    @Test func anExistingSchemaIsUsedWithoutTheCreatePrivilege() throws {
        // An application role owning its schema, without CREATE on the database (PostgreSQL's default).
        let role = quoteIdentifier(database.name + "_owner")
        try connection.execute(script: """
            CREATE SCHEMA app;
            CREATE ROLE \(role);
            GRANT USAGE, CREATE ON SCHEMA app TO \(role);
            SET ROLE \(role);
            """)
        defer { _ = try? connection.execute(script: "RESET ROLE; DROP OWNED BY \(role); DROP ROLE \(role)") }
        try MigrationSQL.apply([.baseIntegrationTable, .migration], schema: "app", on: connection)
        #expect(try SchemaInspector.inspect(connection, schema: "app").integrationIdType == .text)
    }

    @Test func aFailingScriptLeavesNothingBehind() throws {
        // Without the base table, the migration's ALTER TABLE fails: nothing of it may remain.
        let error = try #require(throws: DatabaseError.self) {
            try MigrationSQL.apply([.migration], schema: "fresh", on: connection)
        }
        #expect(error.underlying.sqlState == "42P01")
        #expect(error.category == .configuration)
        #expect(try connection.query("SELECT count(*) FROM pg_namespace WHERE nspname = 'fresh'").first?.int(0) == 0)
        #expect(try connection.query("SELECT count(*) FROM pg_type WHERE typname = 'IntegrationHealthStatus'").first?.int(0) == 0)
    }
}
