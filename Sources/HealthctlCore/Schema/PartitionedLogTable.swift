import Foundation
import PostgresClient

/// The length of each child of a log table partitioned for a test or demo database.
public enum PartitionInterval: String, Sendable, CaseIterable {
    case day, week, month

    /// The start of the child holding `day`: the day, its ISO week's Monday, or the month's first.
    func start(of day: CalendarDay) -> CalendarDay {
        switch self {
        case .day: return day
        case .week: return day.adding(days: 1 - day.isoWeekday)
        case .month: return CalendarDay(year: day.year, month: day.month, day: 1)
        }
    }

    func next(after start: CalendarDay) -> CalendarDay {
        switch self {
        case .day: return start.adding(days: 1)
        case .week: return start.adding(days: 7)
        case .month: return start.adding(days: start.daysInMonth)
        }
    }
}

/// `schema apply --partitioned`: the log table created partitioned by range of `"checkedAt"`,
/// before migration 005 adds its indexes and foreign key to it.
public enum PartitionedLogTable {
    /// Children from the one holding `from` to the one holding `until`, and a default partition.
    public static func sql(interval: PartitionInterval, from: Int64, until: Int64) -> String {
        var statements = [parentSQL]
        for (lower, upper) in children(interval: interval, from: from, until: until) {
            let name = quoteIdentifier(childName(from: lower))
            statements.append(
                "CREATE TABLE \(name) PARTITION OF \"IntegrationHealthLog\" FOR VALUES FROM ('\(lower.text)') TO ('\(upper.text)');")
        }
        statements.append("CREATE TABLE \"IntegrationHealthLog_default\" PARTITION OF \"IntegrationHealthLog\" DEFAULT;")
        return statements.joined(separator: "\n")
    }

    /// The partitioned parent without children (and the enum it needs); migration 005 run after
    /// it adds the indexes and the foreign key.
    public static let parentSQL = [
            // The enum first, as migration 005 makes it, since the table needs it.
            """
            DO $$ BEGIN
                CREATE TYPE "IntegrationHealthStatus" AS ENUM ('HEALTHY', 'WARNING', 'ERROR', 'UNKNOWN');
            EXCEPTION WHEN duplicate_object THEN NULL;
            END $$;
            """,
            // Migration 005's columns; the primary key holds the partition key, as PostgreSQL requires.
            """
            CREATE TABLE "IntegrationHealthLog" (
                "id" TEXT NOT NULL,
                "integrationId" TEXT NOT NULL,
                "status" "IntegrationHealthStatus" NOT NULL,
                "errorMessage" TEXT,
                "responseTime" INTEGER,
                "checkedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
                CONSTRAINT "IntegrationHealthLog_pkey" PRIMARY KEY ("id", "checkedAt")
            ) PARTITION BY RANGE ("checkedAt");
            """,
    ].joined(separator: "\n")

    /// `IntegrationHealthLog_p20261116`: the name of the child starting on `lower`.
    static func childName(from lower: CalendarDay) -> String {
        HealthSchema.logTableName + "_p" + lower.text.replacingOccurrences(of: "-", with: "")
    }

    /// The `[lower, upper)` days of each child covering `from` to `until`.
    public static func children(interval: PartitionInterval, from: Int64, until: Int64) -> [(CalendarDay, CalendarDay)] {
        var children: [(CalendarDay, CalendarDay)] = []
        var lower = interval.start(of: CalendarDay(containing: from))
        while lower.startMs <= until {
            let upper = interval.next(after: lower)
            children.append((lower, upper))
            lower = upper
        }
        return children
    }
}
