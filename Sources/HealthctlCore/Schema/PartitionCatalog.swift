import Foundation
import PostgresClient

/// One direct child of a partitioned log table.
public struct LogPartition: Sendable, Equatable {
    public var table: LogStorageTable
    /// The `DEFAULT` partition.
    public var isDefault: Bool
    /// Itself partitioned (its own children hold the rows).
    public var isPartitioned: Bool
    /// `[lowerMs, upperMs)`; nil for `MINVALUE` / `MAXVALUE` and for the default partition.
    public var lowerMs: Int64?
    public var upperMs: Int64?
    /// An interrupted `DETACH ... CONCURRENTLY` (finished with `FINALIZE`).
    public var detachPending: Bool
    /// `COMMENT ON TABLE`, where prune records a detach (see `DetachMarker`).
    public var comment: String?
    /// The bound as PostgreSQL prints it, `FOR VALUES FROM (...) TO (...)` or `DEFAULT`: what
    /// `ATTACH PARTITION` takes to put the child back.
    public var boundSQL: String

    /// The bound as PostgreSQL prints it (`pg_get_expr(relpartbound)`): `DEFAULT` or
    /// `FOR VALUES FROM ('2026-09-02 00:00:00') TO ('2026-09-03 00:00:00')`.
    static func bounds(_ text: String) -> (lower: Int64?, upper: Int64?) {
        func value(after keyword: String) -> Int64? {
            guard let start = text.range(of: keyword + " (") else { return nil }
            let rest = text[start.upperBound...]
            guard rest.hasPrefix("'"), let close = rest.dropFirst().firstIndex(of: "'") else { return nil }
            return PostgresTimestamp.parseEpochMilliseconds(rest[rest.index(after: rest.startIndex)..<close])
        }
        return (value(after: "FROM"), value(after: "TO"))
    }
}

/// pg_partman's configuration of the log table, when the extension manages it.
public struct PartmanConfig: Sendable, Equatable {
    /// The schema pg_partman is installed in.
    public var extensionSchema: String
    public var partitionInterval: String
    public var premake: Int
    /// `retention` (`30 days`), nil when pg_partman keeps every child.
    public var retention: String?
    /// With retention: only detach old children (true) instead of dropping them.
    public var retentionKeepTable: Bool

    /// pg_partman would drop children itself, without an archive.
    public var dropsChildren: Bool { retention != nil && !retentionKeepTable }
}

/// Partitions of the log table, read from the catalog.
public enum PartitionCatalog {
    /// Whether the log table is partitioned (`relkind 'p'`).
    public static func isPartitioned(_ connection: PostgresConnection, schema: HealthSchema) throws -> Bool {
        try databaseStep("reading the log table's kind") {
            try connection.query("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass($1)", [schema.logTable]).first?.bool(0) ?? false
        }
    }

    /// The direct children of the log table, oldest range first, the default partition last.
    public static func children(_ connection: PostgresConnection, schema: HealthSchema) throws -> [LogPartition] {
        let rows = try databaseStep("listing the partitions of the log table") {
            try connection.query(
                """
                SELECT n.nspname, c.relname, c.relkind = 'p', i.inhdetachpending, pg_get_expr(c.relpartbound, c.oid),
                       obj_description(c.oid, 'pg_class')
                FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE i.inhparent = to_regclass($1)
                """, [schema.logTable]
            ).rows
        }
        let children = rows.map { row -> LogPartition in
            let bound = row[4] ?? ""
            let (lower, upper) = LogPartition.bounds(bound)
            return LogPartition(
                table: LogStorageTable(schema: row[0] ?? "", name: row[1] ?? ""), isDefault: bound == "DEFAULT",
                isPartitioned: row.bool(2) ?? false, lowerMs: lower, upperMs: upper, detachPending: row.bool(3) ?? false,
                comment: row[5], boundSQL: bound)
        }
        return children.sorted { ($0.isDefault ? 1 : 0, $0.lowerMs ?? .min, $0.table.name) < ($1.isDefault ? 1 : 0, $1.lowerMs ?? .min, $1.table.name) }
    }

    /// pg_partman's configuration of the log table; nil when pg_partman is not installed or does
    /// not manage it.
    public static func partman(_ connection: PostgresConnection, schema: HealthSchema) throws -> PartmanConfig? {
        try databaseStep("reading pg_partman's configuration") {
            guard let extensionSchema = try connection.query(
                "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_partman'"
            ).first?.string(0) else { return nil }
            let config = qualifiedName(schema: extensionSchema, "part_config")
            guard let row = try connection.query(
                "SELECT partition_interval, premake, retention, retention_keep_table FROM \(config) WHERE parent_table = $1",
                ["\(schema.schema).\(HealthSchema.logTableName)"]
            ).first else { return nil }
            return PartmanConfig(
                extensionSchema: extensionSchema, partitionInterval: row[0] ?? "", premake: row.int(1) ?? 0, retention: row[2],
                retentionKeepTable: row.bool(3) ?? false)
        }
    }
}
