import PostgresClient

/// `schema apply`: migration 005 (or its rollback) on a test or demo database.
public enum SchemaApplier {
    public struct Options: Sendable {
        /// Create a minimal `"Integration"` table first when it does not exist.
        public var withBaseTable = false
        public var rollback = false
        /// Create the log table partitioned by range of `"checkedAt"`, children of this length
        /// from 180 days before today to 30 days after it, and a default partition.
        public var partitionInterval: PartitionInterval?
        /// `rollup.schema`; nil: derived from the application's schema.
        public var rollupSchema: String?

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
        var first: [String] = []
        if let interval = options.partitionInterval {
            let exists = try databaseStep("looking for the log table") {
                try connection.query("SELECT to_regclass($1) IS NOT NULL", [qualifiedName(schema: target.schema, HealthSchema.logTableName)]).first?.bool(0) ?? false
            }
            if !exists {
                let now = ISOTime.nowMilliseconds()
                first.append(PartitionedLogTable.sql(interval: interval, from: now - 180 * CalendarDay.dayMs, until: now + 30 * CalendarDay.dayMs))
            }
        }
        // The base table comes first: the log table's foreign key refers to it.
        let scripts: [MigrationSQL.Script] = options.withBaseTable ? [.baseIntegrationTable, .migration] : [.migration]
        try MigrationSQL.apply(scripts, schema: target.schema, on: connection, first: first)
        let schema = try SchemaInspector.inspect(connection, schema: target.schema)
        if options.partitionInterval != nil, !(try PartitionCatalog.isPartitioned(connection, schema: schema)) {
            throw SchemaError.notPartitioned(table: schema.logTable)
        }
        let rollups = RollupStore(setting: options.rollupSchema, applicationSchema: target.schema)
        try rollups.create(on: connection)
        return "migration 005 applied in schema \(target.schema)" + (options.partitionInterval.map { ", the log table partitioned by \($0.rawValue)" } ?? "")
            + "; rollup tables in schema \(rollups.schema)"
    }
}
