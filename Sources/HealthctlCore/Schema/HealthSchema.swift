import PostgresClient

/// What the database really has, found by reading the catalog instead of assuming the migration file.
///
/// Later SQL is written against this: table names are qualified with the schema, and times are
/// read through `epochMillisecondsSQL`, which works for `timestamp` and `timestamptz` alike.
public struct HealthSchema: Sendable, Equatable {
    public enum StatusType: String, Sendable { case enumType = "enum", text }
    public enum TimestampType: String, Sendable { case timestamp, timestamptz }
    public enum IdentifierType: String, Sendable { case text, uuid, integer }

    public struct Column: Sendable, Equatable {
        public var name: String
        /// `format_type()` output, e.g. `timestamp(3) without time zone`.
        public var formattedType: String
        public var typeName: String
        public var notNull: Bool
    }

    public struct Index: Sendable, Equatable {
        public var name: String
        public var columns: [String]
        public var isUnique: Bool
    }

    public struct ForeignKey: Sendable, Equatable {
        public var name: String
        /// `CASCADE`, `SET NULL`, `RESTRICT`, `NO ACTION` or `SET DEFAULT`.
        public var onDelete: String
    }

    public static let integrationTableName = "Integration"
    public static let logTableName = "IntegrationHealthLog"
    public static let statusEnumName = "IntegrationHealthStatus"

    public var schema: String
    public var integrationColumns: [Column]
    public var logColumns: [Column]
    public var integrationIndexes: [Index]
    public var logIndexes: [Index]
    /// Values of the status enum, when `status`/`healthStatus` use it.
    public var statusEnumLabels: [String]?
    public var foreignKey: ForeignKey?

    public var integrationStatusType: StatusType
    public var logStatusType: StatusType
    public var checkedAtType: TimestampType
    public var lastHealthCheckType: TimestampType
    public var integrationIdType: IdentifierType
    public var logIdType: IdentifierType

    /// `"schema"."Integration"`.
    public var integrationTable: String { qualifiedName(schema: schema, Self.integrationTableName) }
    /// `"schema"."IntegrationHealthLog"`.
    public var logTable: String { qualifiedName(schema: schema, Self.logTableName) }

    public func hasIntegrationColumn(_ name: String) -> Bool { integrationColumns.contains { $0.name == name } }
    public func hasLogColumn(_ name: String) -> Bool { logColumns.contains { $0.name == name } }

    /// Optional base-table columns used when present.
    public var hasProvider: Bool { hasIntegrationColumn("provider") }
    /// The customer column of the application's `Integration` model.
    public var hasUserId: Bool { hasIntegrationColumn("userId") }
    public var hasIsActive: Bool { hasIntegrationColumn("isActive") }
    public var hasTokenExpiry: Bool { hasIntegrationColumn("tokenExpiry") }
    public var hasRefreshToken: Bool { hasIntegrationColumn("refreshToken") }

    /// True when some index on the log table starts with exactly these columns.
    public func logHasIndex(startingWith columns: [String]) -> Bool {
        logIndexes.contains { Array($0.columns.prefix(columns.count)) == columns }
    }

    /// The columns that identify a log row for `ON CONFLICT`: those of the narrowest unique index
    /// that includes `id`. That is `("id")` on the migration's table and `("id", "checkedAt")` on a
    /// partitioned one, whose unique keys must include the partition key. Nil when there is none.
    public var logRowKey: [String]? {
        logIndexes.filter { $0.isUnique && $0.columns.contains("id") }.min { $0.columns.count < $1.columns.count }?.columns
    }

    /// SQL for a timestamp column as milliseconds since the epoch (UTC), for either column type.
    /// For `timestamp without time zone`, `extract(epoch ...)` reads the value as UTC, which is how
    /// Prisma stores it. Sub-millisecond digits (timestamp(6) columns) are cut toward the past,
    /// like `PostgresTimestamp.parseEpochMilliseconds`, so SQL and Swift agree on every value.
    /// (Rounding to whole microseconds first keeps servers before 14, where `extract` returns a
    /// double, from losing a millisecond to binary fractions.)
    public static func epochMillisecondsSQL(_ column: String) -> String {
        "floor(round(extract(epoch from \(column)) * 1000000) / 1000)::int8"
    }

    /// SQL that turns a text parameter holding UTC time into the column's type.
    public static func timestampParameterSQL(_ placeholder: String, _ type: TimestampType) -> String {
        type == .timestamptz ? "(\(placeholder)::timestamp AT TIME ZONE 'UTC')" : "\(placeholder)::timestamp"
    }
}
