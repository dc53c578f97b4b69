import PostgresClient

/// `schema apply`: migration 005 (or its rollback) on a test or demo database.
public enum SchemaApplier {
    public struct Options: Sendable {
        /// Create a minimal `"Integration"` table first when it does not exist.
        public var withBaseTable = false
        public var rollback = false

        public init() {}
    }

    /// Applies the scripts in the target's schema; returns what was done, for the log.
    public static func run(target: ConnectionTarget, options: Options) throws -> String {
        let connection = try target.connectToPrimary(for: "schema apply")
        if options.rollback {
            try MigrationSQL.apply([.rollback], schema: target.schema, on: connection)
            return "migration 005 rolled back in schema \(target.schema)"
        }
        if !options.withBaseTable {
            let exists = try databaseStep("looking for the Integration table") {
                try connection.query(
                    "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
                    [target.schema, HealthSchema.integrationTableName]
                ).rowCount > 0
            }
            guard exists else { throw SchemaError.tableNotFound(table: HealthSchema.integrationTableName, schema: target.schema) }
        }
        try MigrationSQL.apply(options.withBaseTable ? [.baseIntegrationTable, .migration] : [.migration], schema: target.schema, on: connection)
        _ = try SchemaInspector.inspect(connection, schema: target.schema)
        return "migration 005 applied in schema \(target.schema)"
    }
}
