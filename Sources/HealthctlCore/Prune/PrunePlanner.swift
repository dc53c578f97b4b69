import Gzip
import PostgresClient

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One day of a `--dry-run`.
public struct PruneDayEstimate: Codable, Sendable, Equatable {
    public var day: String
    public var rows: Int
    /// CSV bytes the rows make, and the archive size expected after compression.
    public var csvBytes: Int64
    public var estimatedArchiveBytes: Int64
}

public struct PrunePlan: Codable, Sendable, Equatable {
    public var cutoff: String
    public var days: [PruneDayEstimate]
    /// Compressed / uncompressed size of a sample of the oldest rows, used for the estimates.
    public var sampleCompressionRatio: Double
    public var rows: Int { days.reduce(0) { $0 + $1.rows } }
    public var estimatedArchiveBytes: Int64 { days.reduce(0) { $0 + $1.estimatedArchiveBytes } }
}

/// `prune --dry-run`: per-day counts and archive sizes, read-only.
public enum PrunePlanner {
    public static let sampleRows = 5000

    public static func plan(target: ConnectionTarget, cutoffMilliseconds: Int64, level: Int32) throws -> PrunePlan {
        let connection = try target.connect()
        let schema = try SchemaInspector.inspect(connection, schema: target.schema)
        let checkedAt = quoteIdentifier("checkedAt")
        let utc = schema.checkedAtType == .timestamptz ? "\(checkedAt) AT TIME ZONE 'UTC'" : checkedAt
        let cutoff = HealthSchema.timestampParameterSQL("$1", schema.checkedAtType)
        let cutoffText = PostgresTimestamp.format(epochMilliseconds: cutoffMilliseconds)
        // CSV bytes: the text of each column, quotes and separators (about 30 bytes with the time).
        let length = ["id", "integrationId", "status"].map { "octet_length(\(quoteIdentifier($0))::text)" }
            + ["coalesce(octet_length(\(quoteIdentifier("errorMessage"))) + 2, 0)", "coalesce(octet_length(\(quoteIdentifier("responseTime"))::text), 0)", "31"]
        let days = try databaseStep("counting rows per day") {
            try connection.query(
                """
                SELECT to_char(date_trunc('day', \(utc)), 'YYYY-MM-DD'), count(*), sum(\(length.joined(separator: " + ")))::int8
                FROM \(schema.logTable) WHERE \(checkedAt) < \(cutoff) GROUP BY 1 ORDER BY 1
                """, [cutoffText]
            ).rows.map { ($0.string(0) ?? "", $0.int(1) ?? 0, $0.int64(2) ?? 0) }
        }
        let ratio = try databaseStep("sampling rows for the size estimate") {
            try connection.transaction(.repeatableReadOnly) {
                for (name, value) in ArchiveFormat.isoDateStyle { try connection.set(name, value, local: true) }
                return try sampleRatio(connection: connection, schema: schema, cutoffText: cutoffText, level: level)
            }
        }
        return PrunePlan(
            cutoff: ISOTime.format(epochMilliseconds: cutoffMilliseconds),
            days: days.map { PruneDayEstimate(day: $0.0, rows: $0.1, csvBytes: $0.2, estimatedArchiveBytes: Int64((Double($0.2) * ratio).rounded())) },
            sampleCompressionRatio: (ratio * 1000).rounded() / 1000)
    }

    /// Compresses the oldest rows the way prune would, into /dev/null, to learn the ratio.
    private static func sampleRatio(connection: PostgresConnection, schema: HealthSchema, cutoffText: String, level: Int32) throws -> Double {
        let devNull = open("/dev/null", O_WRONLY | O_CLOEXEC)
        guard devNull >= 0 else { return 0.2 }
        defer { close(devNull) }
        let writer = try GzipWriter(fileDescriptor: devNull, level: level)
        let checkedAt = quoteIdentifier("checkedAt")
        // COPY takes no parameters; the cutoff literal is formatted from an integer.
        _ = try connection.copyOut(
            """
            COPY (SELECT \(ArchiveFormat.selectList(schema)) FROM \(schema.logTable)
            WHERE \(checkedAt) < \(HealthSchema.timestampParameterSQL("'\(cutoffText)'", schema.checkedAtType))
            ORDER BY \(checkedAt) LIMIT \(sampleRows)) TO STDOUT WITH (FORMAT csv)
            """
        ) { try writer.write($0) }
        let member = try writer.finishMember()
        guard member.uncompressedBytes > 0 else { return 0.2 }
        return Double(member.compressedBytes) / Double(member.uncompressedBytes)
    }
}
