import Foundation
import TestSupport
import Testing
import PostgresClient

/// `healthctl seed` as a user runs it: apply the schema, seed, and see the rows in `doctor`.
@Suite struct SeedEndToEndTests {
    struct Summary: Decodable {
        var integrations: Int
        var logRows: Int
        var from: String
        var until: String
    }

    struct DoctorOutput: Decodable {
        struct Statistics: Decodable {
            var integrations: Int
            var logRows: Int
            var oldestCheckedAt: String?
            var newestCheckedAt: String?
            var unknownIntegrations: Int
        }
        var statistics: Statistics?
    }

    @Test(.requiresDatabase) func schemaApplySeedThenDoctorShowsTheCounts() throws {
        let database = try TestDatabase("e2e_seed")
        let apply = try HealthctlProcess.run(["schema", "apply", "--with-base-table", "--database-url", database.url])
        #expect(apply.status == 0, "\(apply.stderr)")
        let arguments = ["seed", "--integrations", "5", "--days", "2", "--seed", "3", "--until", "2026-11-23T00:00:00Z"]
        let seed = try HealthctlProcess.run(arguments + ["--format", "json", "--database-url", database.url])
        #expect(seed.status == 0, "\(seed.stderr)")
        let summary = try JSONDecoder().decode(Summary.self, from: Data(seed.stdout.utf8))
        #expect(summary.integrations == 5)
        #expect(summary.logRows > 5 * 576 * 8 / 10 && summary.logRows <= 5 * 576)
        #expect(summary.from == "2026-11-21T00:00:00Z" && summary.until == "2026-11-23T00:00:00Z")

        let doctor = try HealthctlProcess.run(["doctor", "--format", "json", "--database-url", database.url])
        #expect(doctor.status == 0, "\(doctor.stderr)")
        let statistics = try #require(try JSONDecoder().decode(DoctorOutput.self, from: Data(doctor.stdout.utf8)).statistics)
        #expect(statistics.integrations == 5)
        #expect(statistics.unknownIntegrations == 5)
        #expect(statistics.logRows == summary.logRows)
        #expect(try #require(statistics.oldestCheckedAt) >= "2026-11-21T00:00:00Z")
        #expect(try #require(statistics.newestCheckedAt) < "2026-11-23T00:00:00Z")

        // The text summary is one line; seeding the same plan again is refused.
        let again = try HealthctlProcess.run(arguments + ["--database-url", database.url])
        #expect(again.status == 78)
        #expect(again.stderr.contains("already holds the data of --seed 3"))
    }

    @Test(.requiresDatabase) func seedWithoutMigration005FailsLikeDoctor() throws {
        let database = try TestDatabase("e2e_seed_nomig")
        try database.connect().execute(script: "CREATE TABLE \"Integration\" (id text primary key)")
        let output = try HealthctlProcess.run(["seed", "--integrations", "2", "--days", "1", "--database-url", database.url])
        #expect(output.status == 78)
        #expect(output.stderr.contains("table \"IntegrationHealthLog\" not found in schema \"public\": migration 005 has not been applied"))
    }

    @Test func badOptionsAreUsageErrors() throws {
        let badInterval = try HealthctlProcess.run(["seed", "--integrations", "2", "--days", "1", "--interval", "often"])
        #expect(badInterval.status == 64)
        #expect(badInterval.stderr.contains("invalid --interval"))
        let noIntegrations = try HealthctlProcess.run(["seed", "--integrations", "0", "--days", "1"])
        #expect(noIntegrations.status == 64)
        #expect(noIntegrations.stderr.contains("--integrations must be between 1"))
    }
}
