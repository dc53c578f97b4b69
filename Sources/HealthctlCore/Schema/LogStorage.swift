import PostgresClient

/// One table that physically holds rows of the log: the log table itself when it is a plain
/// table, otherwise one of its leaf partitions (or inheritance children).
public struct LogStorageTable: Sendable, Equatable {
    public var schema: String
    public var name: String

    /// `"schema"."name"`.
    public var qualified: String { qualifiedName(schema: schema, name) }
}

/// The tables behind the log table. A row's `ctid` is unique only inside one of them, so any
/// statement that addresses rows by `ctid` must run against one storage table with `ONLY`,
/// never against a partitioned parent.
public enum LogStorage {
    /// The log table and every table below it (declarative partitions at any depth, or
    /// inheritance children), keeping those that store rows, in name order. (A foreign-table
    /// partition is left out: its rows have no `ctid` here, and it cannot exist beside the
    /// primary key a Prisma table has.)
    public static func tables(_ connection: PostgresConnection, schema: HealthSchema) throws -> [LogStorageTable] {
        try databaseStep("listing the partitions of the log table") {
            try connection.query(
                """
                WITH RECURSIVE tree(oid) AS (
                    SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = $1 AND c.relname = $2
                    UNION ALL
                    SELECT i.inhrelid FROM pg_inherits i JOIN tree t ON i.inhparent = t.oid
                )
                SELECT n.nspname, c.relname FROM tree t
                JOIN pg_class c ON c.oid = t.oid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind = 'r'
                ORDER BY n.nspname, c.relname
                """, [schema.schema, HealthSchema.logTableName]
            ).rows.map { LogStorageTable(schema: $0[0] ?? "", name: $0[1] ?? "") }
        }
    }

    /// The oldest and newest `checkedAt` (milliseconds) with `from <= checkedAt < until`, either
    /// bound optional; nil for no rows. Each end is one probe of the `checkedAt` index.
    static func checkedAtRange(
        _ connection: PostgresConnection, schema: HealthSchema, from: Int64? = nil, until: Int64? = nil
    ) throws -> (oldest: Int64, newest: Int64)? {
        var conditions: [String] = []
        var parameters: [any PostgresParameter] = []
        if let from {
            parameters.append(PostgresTimestamp.format(epochMilliseconds: from))
            conditions.append("\"checkedAt\" >= \(HealthSchema.timestampParameterSQL("$\(parameters.count)", schema.checkedAtType))")
        }
        if let until {
            parameters.append(PostgresTimestamp.format(epochMilliseconds: until))
            conditions.append("\"checkedAt\" < \(HealthSchema.timestampParameterSQL("$\(parameters.count)", schema.checkedAtType))")
        }
        let row = try databaseStep("finding the oldest and newest log rows") {
            try connection.query(
                """
                SELECT \(HealthSchema.epochMillisecondsSQL("min(\"checkedAt\")")), \(HealthSchema.epochMillisecondsSQL("max(\"checkedAt\")"))
                FROM \(schema.logTable)\(conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
                """, parameters
            ).first
        }
        guard let oldest = row?.int64(0), let newest = row?.int64(1) else { return nil }
        return (oldest, newest)
    }
}
