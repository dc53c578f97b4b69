import Foundation
import Gzip
import HealthctlCore
import PostgresClient
import TestSupport
import Testing

@Suite(.requiresDatabase) struct DoctorTests {
    let database: TestDatabase
    let connection: PostgresConnection

    init() throws {
        database = try TestDatabase("doctor")
        connection = try database.connect()
    }

    func target(schema: String = "public") throws -> ConnectionTarget {
        ConnectionTarget(url: try DatabaseURL(parsing: database.url(schema: schema)), source: .flag)
    }

    func applyWithData(schema: String = "public") throws {
        try MigrationSQL.apply([.baseIntegrationTable, .migration], schema: schema, on: connection)
        try connection.set("search_path", quoteIdentifier(schema))
        try connection.execute(script: """
            INSERT INTO "Integration" ("id", "userId", "provider", "updatedAt", "healthStatus") VALUES
                ('i1', 'u1', 'github', now(), 'HEALTHY'), ('i2', 'u1', 'google', now(), DEFAULT), ('i3', 'u2', 'slack', now(), DEFAULT);
            INSERT INTO "IntegrationHealthLog" ("id", "integrationId", "status", "errorMessage", "responseTime", "checkedAt") VALUES
                ('l1', 'i1', 'HEALTHY', NULL, 120, '2026-11-20 08:00:00'),
                ('l2', 'i1', 'ERROR', 'invalid_grant', NULL, '2026-11-21 09:30:00.250'),
                ('l3', 'i2', 'WARNING', NULL, 2400, '2026-11-22 10:00:00'),
                ('l4', 'i3', 'HEALTHY', NULL, 95, '2026-11-19 23:59:59.999');
            """)
    }

    @Test func aMigratedDatabaseIsUsableWithKnownNumbers() throws {
        try applyWithData()
        let report = try Doctor.run(target: try target())
        #expect(report.usable)
        #expect(report.problem == nil)
        #expect(report.connection.database == database.name)
        #expect(report.connection.schema == "public")
        #expect(report.connection.source == "--database-url")
        #expect(report.checks.filter { $0.outcome != .ok }.map(\.name) == ["rollups"])
        #expect(report.checks.first { $0.name == "rollups" }?.detail.contains("no rollup tables in schema \"healthctl\"") == true)
        var options = RollupOptions()
        options.until = CalendarDay(year: 2026, month: 12, day: 1)
        _ = try Rollup.run(target: try target(), options: options)
        let rolledUp = try Doctor.run(target: try target())
        #expect(rolledUp.checks.allSatisfy { $0.outcome == .ok }, "\(rolledUp.checks.filter { $0.outcome != .ok })")
        // Every complete day from the first with rows is rolled up, the empty ones after it too.
        let detail = rolledUp.checks.first { $0.name == "rollups" }?.detail ?? ""
        #expect(detail.hasPrefix("schema \"healthctl\": 12 days rolled up, 2026-11-19 to 2026-11-30 (last day rolled up), 1 month merged; every complete day with log rows is rolled up"), "\(detail)")
        // A day rolled up again leaves its month out of date until the next rollup merges it.
        try connection.execute(script: "UPDATE healthctl.rollup_day SET rolled_up_at = now() + interval '1 second' WHERE day = '2026-11-20'")
        let outOfDate = try Doctor.run(target: try target()).checks.first { $0.name == "rollups" }?.detail ?? ""
        #expect(outOfDate.contains(", 1 month merged (1 out of date until the next healthctl rollup);"), "\(outOfDate)")
        #expect(report.checks.map(\.name).contains("index \"IntegrationHealthLog_checkedAt_idx\""))
        #expect(report.checks.map(\.name).contains("foreign key \"IntegrationHealthLog_integrationId_fkey\""))
        let statistics = try #require(report.statistics)
        #expect(statistics.integrations == 3)
        #expect(statistics.unknownIntegrations == 2)
        #expect(statistics.logRows == 4)
        #expect(statistics.oldestCheckedAt == "2026-11-19T23:59:59.999Z")
        #expect(statistics.newestCheckedAt == "2026-11-22T10:00:00Z")
        #expect(report.advice.count == 3)
        #expect(report.advice.contains { $0.contains("(\"checkedAt\", \"id\")") })
        #expect(report.advice.contains { $0.contains("2 integrations still have status UNKNOWN") })
        let text = report.renderText()
        #expect(text.contains("[ok]   table \"IntegrationHealthLog\": 6 columns"))
        #expect(text.hasSuffix("database is usable by healthctl\n"))
    }

    @Test func anEmptyDatabaseHasNoTimesAndAdviceGoesWhenFollowed() throws {
        try MigrationSQL.apply([.baseIntegrationTable, .migration], schema: "public", on: connection)
        try connection.execute(script: """
            CREATE INDEX "IntegrationHealthLog_checkedAt_id_idx" ON "IntegrationHealthLog" ("checkedAt", "id");
            CREATE INDEX "IntegrationHealthLog_integrationId_checkedAt_idx" ON "IntegrationHealthLog" ("integrationId", "checkedAt");
            """)
        let report = try Doctor.run(target: try target())
        #expect(report.usable)
        #expect(report.statistics?.logRows == 0)
        #expect(report.statistics?.oldestCheckedAt == nil)
        #expect(report.advice.isEmpty)
    }

    @Test func missingOrRenamedIndexesAndANonCascadingKeyAreWarnings() throws {
        try MigrationSQL.apply([.baseIntegrationTable, .migration], schema: "public", on: connection)
        try connection.execute(script: """
            DROP INDEX "IntegrationHealthLog_status_idx";
            ALTER INDEX "IntegrationHealthLog_integrationId_idx" RENAME TO "log_integration";
            ALTER TABLE "IntegrationHealthLog" DROP CONSTRAINT "IntegrationHealthLog_integrationId_fkey";
            ALTER TABLE "IntegrationHealthLog" ADD CONSTRAINT "log_fk" FOREIGN KEY ("integrationId") REFERENCES "Integration"("id");
            """)
        let report = try Doctor.run(target: try target())
        #expect(report.usable)
        func check(_ name: String) -> DoctorReport.Check? { report.checks.first { $0.name == name } }
        #expect(check("index \"IntegrationHealthLog_status_idx\"")?.outcome == .warning)
        #expect(check("index \"IntegrationHealthLog_integrationId_idx\"")?.detail == "found as \"log_integration\"")
        #expect(check("foreign key \"log_fk\"")?.outcome == .warning)
        #expect(check("foreign key \"log_fk\"")?.detail == "ON DELETE NO ACTION")
        #expect(report.advice.contains { $0.contains("ON DELETE CASCADE") })
    }

    @Test func aDriftedSchemaIsUsable() throws {
        try connection.execute(script: SchemaVariant.drifted)
        try connection.execute(script: """
            INSERT INTO "Integration" ("userId", "healthStatus") VALUES ('u', 'ERROR'), ('u', 'UNKNOWN');
            INSERT INTO "IntegrationHealthLog" ("id", "integrationId", "status", "checkedAt")
                SELECT gen_random_uuid(), "id", 'ERROR', '2026-11-28 10:15:00.1239+05:30' FROM "Integration";
            """)
        let report = try Doctor.run(target: try target())
        #expect(report.usable)
        #expect(report.checks.first { $0.name == "enum \"IntegrationHealthStatus\"" }?.outcome == .warning)
        #expect(report.statistics?.unknownIntegrations == 1)
        #expect(report.statistics?.oldestCheckedAt == "2026-11-28T04:45:00.123Z")
    }

    @Test func aNonPublicSchemaIsCheckedThere() throws {
        try applyWithData(schema: "tenant_a")
        let report = try Doctor.run(target: try target(schema: "tenant_a"))
        #expect(report.usable)
        #expect(report.connection.schema == "tenant_a")
        #expect(report.statistics?.logRows == 4)
        #expect(report.advice.contains { $0.contains("ON \"tenant_a\".\"IntegrationHealthLog\"") })
        let elsewhere = try Doctor.run(target: try target(schema: "public"))
        #expect(elsewhere.problem?.hasPrefix("table \"Integration\" not found in schema \"public\"") == true)
    }

    @Test func aDatabaseWithoutTheMigrationIsNotUsableAndSaysWhy() throws {
        try connection.execute(script: "CREATE TABLE \"Integration\" (\"id\" text PRIMARY KEY)")
        let report = try Doctor.run(target: try target())
        #expect(!report.usable)
        #expect(report.problem == "table \"IntegrationHealthLog\" not found in schema \"public\": migration 005 has not been applied")
        #expect(report.statistics == nil)
        #expect(report.checks.last?.outcome == .failed)
        #expect(report.renderText().contains("database is NOT usable: table \"IntegrationHealthLog\" not found"))
    }

    @Test func theReportEncodesAsJSONAndDecodesBack() throws {
        try applyWithData()
        let report = try Doctor.run(target: try target())
        let json = try JSONOutput.encode(report)
        let decoded = try JSONDecoder().decode(DoctorReport.self, from: Data(json.utf8))
        #expect(decoded.statistics?.logRows == 4)
        #expect(decoded.checks.count == report.checks.count)
        #expect(decoded.usable)
        #expect(json.contains("\"newestCheckedAt\" : \"2026-11-22T10:00:00Z\""))
        #expect(json.contains("\"usable\" : true"))
        #expect(!json.contains("\"problem\""))
    }
}

@Suite struct FailureCategoryTests {
    @Test func databaseErrorsMapToTheirCategories() {
        func category(_ kind: PostgresError.Kind, _ sqlState: String?, _ message: String) -> FailureCategory {
            DatabaseError(PostgresError(kind: kind, sqlState: sqlState, message: message), operation: "x").category
        }
        #expect(category(.connectionFailed, nil, "FATAL:  password authentication failed for user \"app\"") == .permission)
        #expect(category(.connectionFailed, nil, "FATAL:  role \"app\" does not exist") == .permission)
        #expect(category(.connectionFailed, nil, "FATAL:  no pg_hba.conf entry for host \"10.0.0.1\"") == .permission)
        #expect(category(.connectionFailed, nil, "FATAL:  database \"app\" does not exist") == .configuration)
        #expect(category(.connectionFailed, nil, "Connection refused") == .unavailable)
        #expect(category(.connectionLost, nil, "server closed the connection unexpectedly") == .unavailable)
        #expect(category(.statementFailed, "42501", "permission denied for table x") == .permission)
        #expect(category(.statementFailed, "55P03", "lock timeout") == .temporary)
        #expect(category(.statementFailed, "40001", "could not serialize") == .temporary)
        #expect(category(.cancelled, "57014", "canceling statement due to statement timeout") == .temporary)
        #expect(category(.statementFailed, "42P01", "relation does not exist") == .configuration)
        #expect(category(.statementFailed, "22P02", "invalid input syntax") == .internalError)
    }

    @Test func databaseErrorMessagesAreRedacted() {
        let error = DatabaseError(
            PostgresError(
                kind: .statementFailed, sqlState: "22P02",
                message: "invalid input syntax for type integer: \"refresh_token=1//0gAbCdEf\"", detail: "ya29.secret"),
            operation: "restoring archived rows")
        #expect(error.description == "restoring archived rows failed: invalid input syntax for type integer: \"refresh_token=[REDACTED]\" (SQLSTATE 22P02)")
    }

    @Test func gzipErrorsAreBadDataOrCannotWrite() {
        #expect(GzipError.corruptMember(member: 0, offset: 0, reason: "x").category == .dataError)
        #expect(GzipError.truncated(member: 1, offset: 9).category == .dataError)
        #expect(GzipError.trailingGarbage(offset: 3).category == .dataError)
        #expect(GzipError.system(operation: "read", errno: EIO).category == .dataError)
        #expect(GzipError.system(operation: "write", errno: ENOSPC).category == .cannotWrite)
        #expect(GzipError.system(operation: "fsync", errno: EIO).category == .cannotWrite)
        #expect(GzipError.zlib(code: -4, message: "x").category == .internalError)
    }
}
