import HealthctlCore
import PostgresClient

/// The shapes a real `"IntegrationHealthLog"` takes, for tests that must hold whatever the shape.
public enum LogTableShape: String, CaseIterable, Sendable, CustomStringConvertible {
    /// The plain table migration 005 creates.
    case plain
    /// Partitioned by range of `"checkedAt"`: daily children for 2026-09-02, -04, -05 and -06, a
    /// weekly child for 2026-09-07 to -14, and a default partition that catches every other day
    /// (so it holds rows both before and after a cutoff in September).
    case partitioned
    /// Partitioned by day by pg_partman 4.7 (`create_parent`), from 2026-09-01 up to its premade
    /// future children, plus the default partition `create_parent` makes.
    case partman

    public var description: String { rawValue }

    /// Replaces the empty log table migration 005 created with one of this shape: the parent
    /// `schema apply --partitioned` makes, migration 005 again for its indexes and foreign key,
    /// then the children.
    public func apply(to connection: PostgresConnection) throws {
        guard let children = childrenSQL else { return }
        try connection.execute(script: "DROP TABLE \"IntegrationHealthLog\";\n" + PartitionedLogTable.parentSQL)
        try MigrationSQL.apply([.migration], schema: "public", on: connection)
        try connection.execute(script: children)
    }

    private var childrenSQL: String? {
        switch self {
        case .plain:
            return nil
        case .partitioned:
            return """
                CREATE TABLE "IntegrationHealthLog_20260902" PARTITION OF "IntegrationHealthLog" FOR VALUES FROM ('2026-09-02') TO ('2026-09-03');
                CREATE TABLE "IntegrationHealthLog_20260904" PARTITION OF "IntegrationHealthLog" FOR VALUES FROM ('2026-09-04') TO ('2026-09-05');
                CREATE TABLE "IntegrationHealthLog_20260905" PARTITION OF "IntegrationHealthLog" FOR VALUES FROM ('2026-09-05') TO ('2026-09-06');
                CREATE TABLE "IntegrationHealthLog_20260906" PARTITION OF "IntegrationHealthLog" FOR VALUES FROM ('2026-09-06') TO ('2026-09-07');
                CREATE TABLE "IntegrationHealthLog_w20260907" PARTITION OF "IntegrationHealthLog" FOR VALUES FROM ('2026-09-07') TO ('2026-09-14');
                CREATE TABLE "IntegrationHealthLog_default" PARTITION OF "IntegrationHealthLog" DEFAULT;
                """
        case .partman:
            return """
                CREATE SCHEMA IF NOT EXISTS partman;
                CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman;
                SELECT partman.create_parent('public.IntegrationHealthLog', 'checkedAt', 'native', 'daily', p_start_partition := '2026-09-01');
                """
        }
    }
}
