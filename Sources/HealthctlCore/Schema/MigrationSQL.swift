import Foundation
import PostgresClient

/// The SQL scripts shipped as resources: migration 005, its rollback, and a demo base table.
public enum MigrationSQL {
    public enum Script: String, Sendable, CaseIterable {
        case migration = "005_add_integration_health_monitoring"
        case rollback = "005_rollback"
        case baseIntegrationTable = "base_integration_table"
    }

    public static func text(_ script: Script) throws(SchemaError) -> String {
        guard let url = Bundle.module.url(forResource: script.rawValue, withExtension: "sql", subdirectory: "sql"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { throw .missingResource(script.rawValue + ".sql") }
        return text
    }

    /// Applies scripts in one transaction inside `schema` (creating the schema when missing,
    /// unless there is only the rollback to run). Every script is idempotent, so applying twice
    /// changes nothing.
    /// `first` is SQL run before the scripts, in the same transaction.
    public static func apply(
        _ scripts: [Script], schema: String, on connection: PostgresConnection, first: [String] = []
    ) throws {
        let texts = try first + scripts.map { try text($0) }
        try databaseStep("applying migration 005") {
            try connection.transaction {
                // CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege on the database even when
                // the schema exists, which an application role often lacks; only create a missing one.
                if try connection.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]).rowCount == 0 {
                    guard scripts != [.rollback] else { return }
                    try connection.execute(script: "CREATE SCHEMA \(quoteIdentifier(schema))")
                }
                try connection.set("search_path", quoteIdentifier(schema), local: true)
                for text in texts { try connection.execute(script: text) }
            }
        }
    }
}
