import Foundation
import TestSupport
import Testing
import PostgresClient

/// `doctor` and `schema` run as a user runs them: the built binary, its exit status, stdout and stderr.
@Suite(.requiresDatabase) struct DoctorEndToEndTests {
    let database: TestDatabase

    init() throws { database = try TestDatabase("e2e_doctor") }

    /// What `doctor --format json` promises machines, decoded independently of the library's types.
    struct DoctorJSON: Decodable {
        struct Connection: Decodable { var database, user, schema, source, serverVersion: String }
        struct Check: Decodable { var name, outcome, detail: String }
        struct Statistics: Decodable {
            var integrations, logRows, unknownIntegrations: Int
            var oldestCheckedAt, newestCheckedAt: String?
        }
        var connection: Connection
        var checks: [Check]
        var statistics: Statistics?
        var advice: [String]
        var problem: String?
        var usable: Bool
    }

    @Test func failsWithPreciseMessageWithoutMigration() throws {
        try database.connect().execute(script: "CREATE TABLE \"Integration\" (id text primary key)")
        let output = try HealthctlProcess.run(["doctor", "--database-url", database.url])
        #expect(output.status == 78)
        #expect(output.stderr == "healthctl: error: table \"IntegrationHealthLog\" not found in schema \"public\": migration 005 has not been applied\n")
        #expect(output.stdout.contains("[FAIL] migration 005: table \"IntegrationHealthLog\" not found"))
    }

    @Test func passesOnADatabaseMadeBySchemaApply() throws {
        let apply = try HealthctlProcess.run(["schema", "apply", "--with-base-table", "--database-url", database.url])
        #expect(apply.status == 0, "\(apply.stderr)")
        let output = try HealthctlProcess.run(["doctor", "--database-url", database.url])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stderr.isEmpty)
        #expect(output.stdout.contains("[ok]   foreign key \"IntegrationHealthLog_integrationId_fkey\": ON DELETE CASCADE"))
        #expect(output.stdout.hasSuffix("database is usable by healthctl\n"))
    }

    @Test func passesOnAPrismaStyleURL() throws {
        let url = database.url(schema: "public")
        #expect(url.hasSuffix("?schema=public&connection_limit=5"))
        #expect(try HealthctlProcess.run(["schema", "apply", "--with-base-table", "--database-url", url]).status == 0)
        let output = try HealthctlProcess.run(["doctor"], environment: ["DATABASE_URL": url])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("schema public, from DATABASE_URL"))
    }

    @Test func passesOnANonPublicSchema() throws {
        let url = database.url(schema: "tenant_a")
        #expect(try HealthctlProcess.run(["schema", "apply", "--with-base-table", "--database-url", url]).status == 0)
        let output = try HealthctlProcess.run(["doctor", "--database-url", url])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("schema tenant_a"))
        let publicSchema = try HealthctlProcess.run(["doctor", "--database-url", database.url])
        #expect(publicSchema.status == 78)
        #expect(publicSchema.stderr.contains("table \"Integration\" not found in schema \"public\""))
    }

    @Test func passesOnAHandMadeVariantWithTimestamptzTextStatusAndUUIDs() throws {
        try database.connect().execute(script: """
            CREATE TABLE "Integration" (
                "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                "healthStatus" text NOT NULL DEFAULT 'UNKNOWN',
                "lastHealthCheck" timestamptz
            );
            CREATE TABLE "IntegrationHealthLog" (
                "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                "integrationId" uuid NOT NULL REFERENCES "Integration"("id") ON DELETE CASCADE,
                "status" text NOT NULL,
                "errorMessage" text,
                "responseTime" integer,
                "checkedAt" timestamptz NOT NULL DEFAULT now()
            );
            INSERT INTO "Integration" ("healthStatus") VALUES ('HEALTHY'), ('UNKNOWN');
            INSERT INTO "IntegrationHealthLog" ("integrationId", "status", "checkedAt")
                SELECT "id", 'HEALTHY', '2026-11-28 12:00:00+01' FROM "Integration";
            """)
        let output = try HealthctlProcess.run(["doctor", "--format", "json", "--database-url", database.url])
        #expect(output.status == 0, "\(output.stderr)")
        let report = try JSONDecoder().decode(DoctorJSON.self, from: Data(output.stdout.utf8))
        #expect(report.problem == nil)
        #expect(report.statistics?.integrations == 2)
        #expect(report.statistics?.unknownIntegrations == 1)
        #expect(report.statistics?.newestCheckedAt == "2026-11-28T11:00:00Z")
        #expect(report.checks.first { $0.name == "column \"IntegrationHealthLog\".\"checkedAt\"" }?.detail == "timestamp with time zone not null")
        #expect(report.checks.first { $0.name == "enum \"IntegrationHealthStatus\"" }?.outcome == "warning")
    }

    @Test func anUnsupportedTypeIsNamedPrecisely() throws {
        #expect(try HealthctlProcess.run(["schema", "apply", "--with-base-table", "--database-url", database.url]).status == 0)
        try database.connect().execute(script: """
            ALTER TABLE "IntegrationHealthLog" ALTER "checkedAt" DROP DEFAULT, ALTER "checkedAt" TYPE text;
            """)
        let output = try HealthctlProcess.run(["doctor", "--database-url", database.url])
        #expect(output.status == 78)
        #expect(output.stderr == "healthctl: error: column \"IntegrationHealthLog\".\"checkedAt\" has type text, expected timestamp(3) or timestamptz\n")
    }

    @Test func jsonOutputDecodes() throws {
        #expect(try HealthctlProcess.run(["schema", "apply", "--with-base-table", "--database-url", database.url]).status == 0)
        let output = try HealthctlProcess.run(["doctor", "--format", "json", "--database-url", database.url])
        #expect(output.status == 0)
        let report = try JSONDecoder().decode(DoctorJSON.self, from: Data(output.stdout.utf8))
        #expect(report.usable)
        #expect(report.connection.database == database.name)
        #expect(report.connection.schema == "public")
        #expect(report.connection.source == "--database-url")
        #expect(report.checks.count == 18)
        #expect(report.checks.allSatisfy { $0.outcome == "ok" })
        #expect(report.statistics?.logRows == 0)
        #expect(report.advice.count == 2)

        let failing = try HealthctlProcess.run(["doctor", "--format", "json", "--database-url", database.url + "?schema=elsewhere"])
        #expect(failing.status == 78)
        let failed = try JSONDecoder().decode(DoctorJSON.self, from: Data(failing.stdout.utf8))
        #expect(!failed.usable)
        #expect(failed.problem == "schema \"elsewhere\" not found: check ?schema= in DATABASE_URL")
    }

    @Test func aWrongPasswordExits77AndNeverShowsThePassword() throws {
        let secret = "Very-Secret-Pa55word"
        for arguments in [["doctor"], ["schema", "apply"]] {
            let output = try HealthctlProcess.run(arguments + ["--database-url", database.url(password: secret)])
            #expect(output.status == 77)
            #expect(output.stderr.hasPrefix("healthctl: error: connecting to the database failed: "))
            #expect(output.stderr.contains("password authentication failed"))
            #expect(!output.stderr.contains("Very-Secret") && !output.stdout.contains("Very-Secret"))
            #expect(!output.stderr.contains("Pa55word") && !output.stdout.contains("Pa55word"))
        }
        // The same through the environment and a .env file, where a person would keep it.
        let viaEnvironment = try HealthctlProcess.run(["doctor"], environment: ["DATABASE_URL": database.url(password: secret)])
        #expect(viaEnvironment.status == 77)
        #expect(!(viaEnvironment.stdout + viaEnvironment.stderr).contains("Pa55word"))
    }
}

/// The tests of `doctor` that need no server.
@Suite struct DoctorOfflineEndToEndTests {
    @Test func aMalformedURLIsAUsageErrorThatNeverShowsThePassword() throws {
        let output = try HealthctlProcess.run(["doctor", "--database-url", "postgresql://app:Se/cretPa55@db.internal/app"])
        #expect(output.status == 64)
        #expect(!(output.stdout + output.stderr).contains("cretPa55"))
        #expect(output.stderr.contains("percent-encode"))
    }

    @Test func anUnreachableServerExits69Promptly() throws {
        let output = try HealthctlProcess.run(
            ["doctor", "--connect-timeout", "5", "--database-url", "postgresql://app:pw@127.0.0.1:1/app"], timeout: 60)
        #expect(!output.timedOut)
        #expect(output.status == 69)
        #expect(output.stderr.contains("is the server running and reachable?"))
    }
}

extension DoctorEndToEndTests {
    @Test func aMissingDatabaseExits78() throws {
        let output = try HealthctlProcess.run(["doctor", "--database-url", database.url + "_missing"])
        #expect(output.status == 78)
        #expect(output.stderr.contains("does not exist"))
    }

    @Test func theDotEnvFileInTheWorkingDirectoryIsHonoured() throws {
        #expect(try HealthctlProcess.run(["schema", "apply", "--with-base-table", "--database-url", database.url(schema: "tenant_env")]).status == 0)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-dotenv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
            # Prisma's .env
            DB_NAME=\(database.name)
            DATABASE_URL="postgresql:///${DB_NAME}?schema=tenant_env&connection_limit=5"
            """.write(to: directory.appendingPathComponent(".env"), atomically: true, encoding: .utf8)

        let output = try HealthctlProcess.run(["doctor"], directory: directory)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("schema tenant_env, from .env"))

        // DATABASE_URL in the environment and the flag both come before the file.
        let overridden = try HealthctlProcess.run(["doctor"], environment: ["DATABASE_URL": database.url], directory: directory)
        #expect(overridden.status == 78)
        #expect(overridden.stdout.contains("from DATABASE_URL"))
        let flagged = try HealthctlProcess.run(["doctor", "--database-url", database.url], directory: directory)
        #expect(flagged.status == 78)
        #expect(flagged.stdout.contains("from --database-url"))
    }

    @Test func libpqEnvironmentIsTheLastResort() throws {
        #expect(try HealthctlProcess.run(["schema", "apply", "--with-base-table", "--database-url", database.url]).status == 0)
        let output = try HealthctlProcess.run(["doctor"], environment: ["PGDATABASE": database.name])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("from libpq environment"))
    }
}

@Suite(.requiresDatabase) struct SchemaEndToEndTests {
    let database: TestDatabase

    init() throws { database = try TestDatabase("e2e_schema") }
}

/// The tests of `schema` that need no server.
@Suite struct SchemaOfflineEndToEndTests {
    @Test func printShowsTheMigrationAndItsRollback() throws {
        let migration = try HealthctlProcess.run(["schema", "print"])
        #expect(migration.status == 0)
        #expect(migration.stdout.hasPrefix("-- Migration 005"))
        #expect(migration.stdout.contains("CREATE TABLE IF NOT EXISTS \"IntegrationHealthLog\""))
        #expect(!migration.stdout.contains("CREATE TABLE IF NOT EXISTS \"Integration\" ("))
        let withBase = try HealthctlProcess.run(["schema", "print", "--with-base-table"])
        #expect(withBase.stdout.contains("CREATE TABLE IF NOT EXISTS \"Integration\" ("))
        #expect(withBase.stdout.hasSuffix(migration.stdout))
        let rollback = try HealthctlProcess.run(["schema", "print", "--rollback"])
        #expect(rollback.status == 0)
        #expect(rollback.stdout.contains("DROP TABLE IF EXISTS \"IntegrationHealthLog\""))
        #expect(rollback.stdout.contains("DROP TYPE IF EXISTS \"IntegrationHealthStatus\""))
        #expect(!rollback.stdout.contains("CREATE"))
    }
}

extension SchemaEndToEndTests {
    @Test func printedSQLAppliesAsItIs() throws {
        let sql = try HealthctlProcess.run(["schema", "print", "--with-base-table"]).stdout
        try database.connect().execute(script: sql)
        #expect(try HealthctlProcess.run(["doctor", "--database-url", database.url]).status == 0)
    }

    @Test func applyIsIdempotentAndRollbackMakesDoctorFail() throws {
        for _ in 0..<2 {
            let apply = try HealthctlProcess.run(["schema", "apply", "--with-base-table", "--database-url", database.url])
            #expect(apply.status == 0, "\(apply.stderr)")
            #expect(apply.stdout.isEmpty)
        }
        #expect(try HealthctlProcess.run(["doctor", "--database-url", database.url]).status == 0)

        let rollback = try HealthctlProcess.run(["schema", "apply", "--rollback", "--database-url", database.url])
        #expect(rollback.status == 0, "\(rollback.stderr)")
        let doctor = try HealthctlProcess.run(["doctor", "--database-url", database.url])
        #expect(doctor.status == 78)
        #expect(doctor.stderr.contains("table \"IntegrationHealthLog\" not found in schema \"public\": migration 005 has not been applied"))

        let again = try HealthctlProcess.run(["schema", "apply", "--database-url", database.url])
        #expect(again.status == 0, "the base table survived the rollback")
        #expect(try HealthctlProcess.run(["doctor", "--database-url", database.url]).status == 0)
    }

    @Test func logLinesGoToStderrAsTextOrJSON() throws {
        let text = try HealthctlProcess.run(["schema", "apply", "--with-base-table", "--log-level", "info", "--database-url", database.url])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.isEmpty)
        #expect(text.stderr.contains(" notice migration 005 applied in schema public"))
        let json = try HealthctlProcess.run(["schema", "apply", "--log-format", "json", "--log-level", "notice", "--database-url", database.url])
        #expect(json.status == 0, "\(json.stderr)")
        let line = try #require(json.stderr.split(separator: "\n").first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["level"] == "notice")
        #expect(object["message"] == "migration 005 applied in schema public; rollup tables in schema healthctl")
        #expect(object["logger"] == "healthctl.schema")
    }

    @Test func applyWithoutABaseTableRefusesToInventOne() throws {
        let output = try HealthctlProcess.run(["schema", "apply", "--database-url", database.url])
        #expect(output.status == 78)
        #expect(output.stderr.contains("table \"Integration\" not found in schema \"public\""))
        let tables = try database.connect().query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        #expect(tables.first?.int(0) == 0)
    }
}
