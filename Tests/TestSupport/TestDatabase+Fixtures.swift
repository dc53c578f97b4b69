import Foundation
import HealthctlCore
import PostgresClient

extension TestDatabase {
    /// A new database with migration 005 and the minimal "Integration" table, applied in process.
    public static func migrated(_ prefix: String) throws -> TestDatabase {
        let database = try TestDatabase(prefix)
        try MigrationSQL.apply([.baseIntegrationTable, .migration], schema: "public", on: try database.connect())
        return database
    }

    /// Migration 005 with the minimal "Integration" table, applied by the built binary.
    public func applySchema() throws {
        let setup = try HealthctlProcess.run(["schema", "apply", "--with-base-table", "--database-url", url])
        guard setup.status == 0 else { throw TestEnvironmentError.setupFailed(setup.stderr) }
    }

    /// ISO week 2026-W47 of five-minute checks (2016 each, slot 0 at 2026-11-16 00:00) for
    /// `integrations`; `failing` is ERROR with `errorMessage` in the slots `down` (120...131 is
    /// 10:00 to 11:00 on the Monday).
    public func insertWeekOfChecks(
        _ integrations: [String], failing: String, down: ClosedRange<Int> = 120...131, errorMessage: String,
        responseTimeSQL: String = "100 + s % 50"
    ) throws {
        func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
        let failingDown = "i = \(literal(failing)) AND s BETWEEN \(down.lowerBound) AND \(down.upperBound)"
        try connect().execute(script: """
            INSERT INTO "IntegrationHealthLog" (id, "integrationId", status, "errorMessage", "responseTime", "checkedAt")
            SELECT 'l' || s || i, i,
                   CASE WHEN \(failingDown) THEN 'ERROR' ELSE 'HEALTHY' END::"IntegrationHealthStatus",
                   CASE WHEN \(failingDown) THEN \(literal(errorMessage)) END,
                   \(responseTimeSQL), timestamp '2026-11-16 00:00:00' + s * interval '5 minutes'
            FROM generate_series(0, 2015) s, unnest(ARRAY[\(integrations.map(literal).joined(separator: ", "))]) i;
            """)
    }
}
