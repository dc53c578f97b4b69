import Gzip
import Logging
import PostgresClient

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct RestoreOptions: Sendable {
    public var paths: [String]
    /// Do everything in a transaction, report, and roll back.
    public var dryRun = false
    /// Keep rows whose integration no longer exists (only possible without a foreign key).
    public var includeOrphans = false
    /// The whole restore is one transaction: a short lock wait, and no statement time limit
    /// (the INSERT covers every archived row).
    public var pacing = BatchPacing(lockTimeoutMilliseconds: 2000, statementTimeoutMilliseconds: 0)

    public init(paths: [String]) { self.paths = paths }
}

public struct RestoreSummary: Codable, Sendable, Equatable {
    public var files = 0
    public var rowsRead = 0
    public var inserted = 0
    /// Rows whose id is already in the table (never archived twice, or restored before).
    public var alreadyPresent = 0
    /// Rows whose integration no longer exists.
    public var orphaned = 0
    /// Orphaned rows inserted anyway (`--include-orphans`).
    public var orphansKept = 0
    public var dryRun = false
    /// More than 1 when the restore started over after a lost connection.
    public var attempts = 1
}

/// `--include-orphans` asked for rows the foreign key forbids.
public struct OrphansForbiddenError: CategorizedError, Sendable {
    public var orphaned: Int
    public var constraint: String
    public var category: FailureCategory { .configuration }
    public var description: String {
        "\(orphaned) archived rows belong to integrations that no longer exist, and the foreign key \(constraint) does not allow keeping them; run without --include-orphans to skip them"
    }
}

/// Loads archived rows back: every file verified first, then COPY into a temporary staging
/// table and `INSERT ... ON CONFLICT (row key) DO NOTHING`, all in one transaction.
public enum ArchiveRestorer {
    /// Starts over after a lost connection: the restore is one transaction, and rows already back are skipped.
    public static func run(target: ConnectionTarget, options: RestoreOptions, logger: Logger = Logger(label: "healthctl.restore")) throws -> RestoreSummary {
        try ConnectionRetry.jobs.run("archive restore", logger: logger) { attempt in
            var summary = try runOnce(target: target, options: options)
            summary.attempts = attempt
            return summary
        }
    }

    private static func runOnce(target: ConnectionTarget, options: RestoreOptions) throws -> RestoreSummary {
        let connection = try target.connectToPrimary(for: "archive restore")
        let files = try ArchiveFiles.dataFiles(in: options.paths)
        let report = try ArchiveVerifier.verify(paths: files)
        guard report.problems.isEmpty else { throw ArchiveVerificationFailed(report: report) }
        var summary = RestoreSummary(files: files.count, dryRun: options.dryRun)
        let schema = try SchemaInspector.inspect(connection, schema: target.schema)
        try AdvisoryLock.acquire(.retention, on: connection)
        defer { AdvisoryLock.release(.retention, on: connection) }
        let staging = quoteIdentifier("healthctl_restore")
        let columns = ArchiveFormat.columns.map(quoteIdentifier)
        let run = BatchRun(pacing: options.pacing, stop: StopRequest())
        try databaseStep("restoring archived rows") {
            try run.transaction(on: connection, commit: !options.dryRun) {
                try connection.query("CREATE TEMPORARY TABLE \(staging) (\(columns.map { "\($0) text" }.joined(separator: ", "))) ON COMMIT DROP")
                for file in files {
                    summary.rowsRead += try connection.copyIn("COPY \(staging) FROM STDIN WITH (FORMAT csv, HEADER true)") { writer in
                        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
                        guard descriptor >= 0 else { throw ArchiveError.cannotRead(path: file, errno: errno) }
                        defer { close(descriptor) }
                        try GzipReader(fileDescriptor: descriptor).read(onData: { try writer.write(bytes: $0) })
                    }
                }
                let integrationId = quoteIdentifier("integrationId")
                let id = quoteIdentifier("id")
                let integrationType = type(of: "integrationId", schema)
                let orphan = "NOT EXISTS (SELECT 1 FROM \(schema.integrationTable) i WHERE i.\(id) = CAST(s.\(integrationId) AS \(integrationType)))"
                // Without a unique key on id, any unique violation means the row is there already.
                let conflictTarget = schema.logRowKey.map { "(" + $0.map(quoteIdentifier).joined(separator: ", ") + ")" } ?? ""
                let values = ArchiveFormat.columns.map { name in
                    let column = "s.\(quoteIdentifier(name))"
                    guard name == "checkedAt" else { return "CAST(\(column) AS \(type(of: name, schema)))" }
                    return schema.checkedAtType == .timestamptz ? "CAST(\(column) AS timestamptz)" : "(CAST(\(column) AS timestamptz) AT TIME ZONE 'UTC')"
                }
                var keepOrphans = false
                // An integration the application deletes between the count and the insert fails the
                // insert on the foreign key: it is undone to the savepoint and counted again. Locking
                // the integrations first would hold off the application's deletes for the whole restore.
                for attempt in 1... {
                    summary.orphaned = try connection.query("SELECT count(*) FROM \(staging) s WHERE \(orphan)").first?.int(0) ?? 0
                    keepOrphans = options.includeOrphans && summary.orphaned > 0
                    if keepOrphans, let foreignKey = schema.foreignKey {
                        throw OrphansForbiddenError(orphaned: summary.orphaned, constraint: foreignKey.name)
                    }
                    try connection.query("SAVEPOINT healthctl_restore_insert")
                    do {
                        summary.inserted = try connection.query(
                            """
                            INSERT INTO \(schema.logTable) (\(columns.joined(separator: ", ")))
                            SELECT \(values.joined(separator: ", ")) FROM \(staging) s \(keepOrphans ? "" : "WHERE NOT \(orphan)")
                            ON CONFLICT \(conflictTarget) DO NOTHING
                            """
                        ).affectedRows
                        try connection.query("RELEASE SAVEPOINT healthctl_restore_insert")
                        break
                    } catch let error as PostgresError where error.sqlState == "23503" && attempt < 5 {
                        try connection.query("ROLLBACK TO SAVEPOINT healthctl_restore_insert")
                    }
                }
                summary.orphansKept = keepOrphans ? summary.orphaned : 0
                summary.alreadyPresent = summary.rowsRead - summary.inserted - (summary.orphaned - summary.orphansKept)
            }
        }
        return summary
    }

    private static func type(of column: String, _ schema: HealthSchema) -> String {
        schema.logColumns.first { $0.name == column }?.formattedType ?? "text"
    }
}
