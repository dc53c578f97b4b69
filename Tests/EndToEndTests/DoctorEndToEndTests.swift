import Foundation
import TestSupport
import Testing

@Suite struct DoctorEndToEndTests {
    @Test func failsWithPreciseMessageWithoutMigration() throws {
        let database = try TestDatabase("e2e_doctor")
        try database.connect().execute(script: "CREATE TABLE \"Integration\" (id text primary key)")
        let output = try HealthctlProcess.run(["doctor", "--database-url", database.url])
        #expect(output.status == 78)
        #expect(output.stderr.contains("table \"IntegrationHealthLog\" not found in schema \"public\": migration 005 has not been applied"))
    }
}
