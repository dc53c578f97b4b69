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
    /// Each batch transaction: a short lock wait, and no statement time limit.
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
    /// Seconds the job rested, yielding while other sessions used the server (`database.busy_share`).
    public var restedSeconds = 0.0
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

/// Loads archived rows back: every file verified first, then COPY into a temporary staging table,
/// then `INSERT ... ON CONFLICT (row key) DO NOTHING` in batch transactions of `batchRows` rows
/// (rerun after an interruption, rows already back are skipped).
public enum ArchiveRestorer {
    /// Starts over after a lost connection: the restore is one transaction, and rows already back are skipped.
    public static func run(target: ConnectionTarget, options: RestoreOptions, logger: Logger = Logger(label: "healthctl.restore")) throws -> RestoreSummary {
        try ConnectionRetry.jobs.run("archive restore", logger: logger) { attempt in
            var summary = try runOnce(target: target, options: options, logger: logger)
            summary.attempts = attempt
            return summary
        }
    }

    /// Rows per batch transaction: its foreign-key checks lock the integrations it touches until
    /// it commits, so it is kept short for the application's deletes.
    static let batchRows = 10_000

    private static func runOnce(target: ConnectionTarget, options: RestoreOptions, logger: Logger) throws -> RestoreSummary {
        let connection = try target.connectToPrimary(for: "archive restore")
        let files = try ArchiveFiles.dataFiles(in: options.paths)
        let stop = StopRequest()
        let run = BatchRun(pacing: options.pacing, stop: stop, governor: target.governor(stop: stop, logger: logger))
        // Reading the archive takes the machine's cores too: each file is a unit of the governor.
        let report = try ArchiveVerifier.verify(paths: files) { file, verify in
            try run.governor.unit(on: connection, verify)
            if let file { logger.info("verified \(file)") }
        }
        guard report.problems.isEmpty else { throw ArchiveVerificationFailed(report: report) }
        var summary = RestoreSummary(files: files.count, dryRun: options.dryRun)
        let schema = try SchemaInspector.inspect(connection, schema: target.schema)
        try AdvisoryLock.acquire(.retention, on: connection)
        defer { AdvisoryLock.release(.retention, on: connection) }
        let staging = quoteIdentifier("healthctl_restore")
        let columns = ArchiveFormat.columns.map(quoteIdentifier)
        let integrationId = quoteIdentifier("integrationId")
        let id = quoteIdentifier("id")
        let orphan = "NOT EXISTS (SELECT 1 FROM \(schema.integrationTable) i WHERE i.\(id) = CAST(s.\(integrationId) AS \(type(of: "integrationId", schema))))"
        // The staging table lives as long as the session (no WAL); `seq` numbers the rows for the batches.
        // Each file (a UTC day) is one unit of the governor, so loading yields to the application too.
        try databaseStep("loading the archived rows") {
            try connection.query("DROP TABLE IF EXISTS pg_temp.\(staging)")
            try connection.query("CREATE TEMPORARY TABLE \(staging) (seq bigserial, \(columns.map { "\($0) text" }.joined(separator: ", ")))")
            for file in files {
                let rows = try run.governor.unit(on: connection) {
                    try connection.copyIn("COPY \(staging) (\(columns.joined(separator: ", "))) FROM STDIN WITH (FORMAT csv, HEADER true)") { writer in
                        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
                        guard descriptor >= 0 else { throw ArchiveError.cannotRead(path: file, errno: errno) }
                        defer { close(descriptor) }
                        try GzipReader(fileDescriptor: descriptor).read(onData: { try writer.write(bytes: $0) })
                    }
                }
                summary.rowsRead += rows
                logger.info("staged \(rows) rows of \(file)")
            }
            try run.governor.unit(on: connection) {
                try connection.query("CREATE INDEX ON \(staging) (seq)")
                try connection.query("ANALYZE \(staging)")
            }
        }
        defer { _ = try? connection.query("DROP TABLE IF EXISTS pg_temp.\(staging)") }
        // Refused before anything is inserted.
        if options.includeOrphans, let foreignKey = schema.foreignKey {
            let orphaned = try databaseStep("counting orphaned rows") {
                try connection.query("SELECT count(*) FROM \(staging) s WHERE \(orphan)").first?.int(0) ?? 0
            }
            if orphaned > 0 { throw OrphansForbiddenError(orphaned: orphaned, constraint: foreignKey.name) }
        }
        // Without a unique key on id, any unique violation means the row is there already.
        let conflictTarget = schema.logRowKey.map { "(" + $0.map(quoteIdentifier).joined(separator: ", ") + ")" } ?? ""
        let values = ArchiveFormat.columns.map { name in
            let column = "s.\(quoteIdentifier(name))"
            guard name == "checkedAt" else { return "CAST(\(column) AS \(type(of: name, schema)))" }
            return schema.checkedAtType == .timestamptz ? "CAST(\(column) AS timestamptz)" : "(CAST(\(column) AS timestamptz) AT TIME ZONE 'UTC')"
        }
        let keepOrphans = options.includeOrphans
        let inBatch = "s.seq > $1 AND s.seq <= $2"
        var done: Int64 = 0
        while done < Int64(summary.rowsRead) {
            let size = Int64(run.batchRows(batchRows))
            let range: [any PostgresParameter] = [done, done + size]
            try databaseStep("restoring rows \(done + 1) to \(min(done + size, Int64(summary.rowsRead)))") {
                try run.transaction(on: connection, commit: !options.dryRun) {
                    // An integration the application deletes between the count and the insert fails
                    // the insert on the foreign key: it is undone to the savepoint and counted again.
                    for attempt in 1... {
                        let orphaned = try connection.query("SELECT count(*) FROM \(staging) s WHERE \(inBatch) AND \(orphan)", range).first?.int(0) ?? 0
                        try connection.query("SAVEPOINT healthctl_restore_insert")
                        do {
                            summary.inserted += try connection.query(
                                """
                                INSERT INTO \(schema.logTable) (\(columns.joined(separator: ", ")))
                                SELECT \(values.joined(separator: ", ")) FROM \(staging) s WHERE \(inBatch) \(keepOrphans ? "" : "AND NOT \(orphan)")
                                ON CONFLICT \(conflictTarget) DO NOTHING
                                """, range
                            ).affectedRows
                            try connection.query("RELEASE SAVEPOINT healthctl_restore_insert")
                            summary.orphaned += orphaned
                            break
                        } catch let error as PostgresError where error.sqlState == "23503" && attempt < 5 {
                            try connection.query("ROLLBACK TO SAVEPOINT healthctl_restore_insert")
                        }
                    }
                }
            }
            done += size
        }
        summary.orphansKept = keepOrphans ? summary.orphaned : 0
        summary.alreadyPresent = summary.rowsRead - summary.inserted - (summary.orphaned - summary.orphansKept)
        summary.restedSeconds = run.governor.restedSeconds
        return summary
    }

    private static func type(of column: String, _ schema: HealthSchema) -> String {
        schema.logColumns.first { $0.name == column }?.formattedType ?? "text"
    }
}
