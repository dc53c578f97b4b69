import Foundation
import Logging
import PostgresClient

/// What `prune` is asked to do.
public struct PruneOptions: Sendable {
    /// Rows with `checkedAt` before this instant go.
    public var cutoffMilliseconds: Int64
    /// Archive root; nil deletes without archiving (`--no-archive`).
    public var archiveDirectory: String?
    public var batchSize = 5000
    public var pauseMilliseconds: Int64 = 0
    public var maxRuntimeMilliseconds: Int64?
    /// `lock_timeout` and `statement_timeout` of each batch transaction.
    public var lockTimeoutMilliseconds: Int64 = 2000
    public var statementTimeoutMilliseconds: Int64 = 300_000
    public var compressionLevel: Int32 = 6
    /// Count the rows to go first, for a progress bar with a total.
    public var countFirst = false

    public init(cutoffMilliseconds: Int64, archiveDirectory: String?) {
        self.cutoffMilliseconds = cutoffMilliseconds
        self.archiveDirectory = archiveDirectory
    }
}

/// What a prune did.
public struct PruneSummary: Encodable, Sendable, Equatable {
    public var cutoff: String
    public var archiveDirectory: String?
    public var rowsDeleted = 0
    public var rowsArchived = 0
    public var batches = 0
    /// Day files written to.
    public var files = 0
    public var compressedBytes: Int64 = 0
    public var uncompressedBytes: Int64 = 0
    public var durationSeconds = 0.0
    /// Why the run stopped before the end (`SIGTERM`, `--max-runtime reached`), nil when complete.
    public var stoppedBy: String?
    public var recovery = RecoverySummary()

    /// Uncompressed bytes per compressed byte, to two decimals.
    public var compressionRatio = 0.0

    /// Rounds the figures for people and JSON.
    mutating func finish(startedAt: Date) {
        durationSeconds = (Date().timeIntervalSince(startedAt) * 1000).rounded() / 1000
        compressionRatio = compressedBytes > 0 ? (Double(uncompressedBytes) / Double(compressedBytes) * 100).rounded() / 100 : 0
    }

    init(cutoff: String, archiveDirectory: String?) {
        self.cutoff = cutoff
        self.archiveDirectory = archiveDirectory
    }
}

/// Moves old log rows into day archives and deletes them, batch by batch, never deleting a row
/// whose archive is not synced first. See `ArchiveFormat` for the files and `RecoveryDecision`
/// for what happens after a crash.
public struct Pruner {
    let connection: PostgresConnection
    let schema: HealthSchema
    let options: PruneOptions
    let stop: StopRequest
    let progress: ProgressHandler?
    let logger: Logger

    public init(
        connection: PostgresConnection, schema: HealthSchema, options: PruneOptions, stop: StopRequest,
        progress: ProgressHandler? = nil, logger: Logger = Logger(label: "healthctl.prune")
    ) {
        self.connection = connection
        self.schema = schema
        self.options = options
        self.stop = stop
        self.progress = progress
        self.logger = logger
    }

    private var checkedAt: String { quoteIdentifier("checkedAt") }

    /// A timestamp literal for the column's type. COPY takes no parameters, so batch bounds enter
    /// its SQL as literals; they are formatted here from integers, never from input text.
    private func timestampLiteral(_ millis: Int64) -> String {
        HealthSchema.timestampParameterSQL("'\(PostgresTimestamp.format(epochMilliseconds: millis))'", schema.checkedAtType)
    }

    public func run() throws -> PruneSummary {
        let started = Date()
        var summary = PruneSummary(
            cutoff: ISOTime.format(epochMilliseconds: options.cutoffMilliseconds), archiveDirectory: options.archiveDirectory)
        try AdvisoryLock.acquire(.retention, on: connection)
        defer { AdvisoryLock.release(.retention, on: connection) }
        if let root = options.archiveDirectory {
            summary.recovery = try ArchiveRecovery.run(root: root, connection: connection, schema: schema)
            if summary.recovery != RecoverySummary() {
                logger.notice("recovered an interrupted prune: \(summary.recovery.membersCommitted) pending members committed, \(summary.recovery.membersDropped) rolled back, \(summary.recovery.bytesCutOff) bytes cut off")
            }
        }
        let total = options.countFirst ? try countRows() : nil
        progress?(JobProgress(done: 0, total: total, unit: "rows"))

        var lower = Int64.min
        var dayFile: ArchiveDayFile?
        var daysTouched = Set<String>()
        /// The day of the last batch when it was full, so more rows of that day may follow:
        /// the next batch goes straight on without asking where the next rows are.
        var continuingDay: Int64?
        do {
            while true {
                if let limit = options.maxRuntimeMilliseconds, Date().timeIntervalSince(started) * 1000 >= Double(limit) {
                    stop.request("--max-runtime reached")
                }
                if let reason = stop.stopReason {
                    summary.stoppedBy = reason
                    break
                }
                let dayStart: Int64
                if let continuingDay {
                    dayStart = continuingDay
                } else {
                    guard let next = try nextCheckedAt(from: lower) else { break }
                    dayStart = ArchiveFormat.dayStart(epochMilliseconds: next)
                }
                let end = min(dayStart + 86_400_000, options.cutoffMilliseconds)
                let batchLower = max(lower, dayStart)
                let batch: (rows: Int, last: Int64?)
                if let root = options.archiveDirectory {
                    let day = ArchiveFormat.dayName(epochMilliseconds: dayStart)
                    if dayFile?.day != day {
                        try dayFile?.finish()
                        dayFile = try ArchiveDayFile(root: root, day: day, numericIds: schema.logIdType == .integer)
                    }
                    let result = try archiveBatch(into: dayFile!, from: batchLower, to: end)
                    if let result {
                        daysTouched.insert(day)
                        summary.rowsArchived += result.statistics.rows
                        summary.compressedBytes += result.member.compressedBytes
                        summary.uncompressedBytes += result.member.uncompressedBytes
                    }
                    let last = result?.statistics.lastCheckedAt.flatMap { PostgresTimestamp.parseEpochMilliseconds($0[...]) }
                    batch = (result?.statistics.rows ?? 0, last)
                } else {
                    batch = try deleteBatch(from: batchLower, to: end)
                }
                summary.rowsDeleted += batch.rows
                if batch.rows > 0 { summary.batches += 1 }
                // The next batch starts at the last `checkedAt` deleted (rows sharing it may remain),
                // so the index scan never walks back over the dead entries of earlier batches.
                lower = batch.last ?? batchLower
                continuingDay = batch.rows == options.batchSize ? dayStart : nil
                progress?(JobProgress(done: summary.rowsDeleted, total: total, unit: "rows"))
                if options.pauseMilliseconds > 0, stop.stopReason == nil {
                    Thread.sleep(forTimeInterval: Double(options.pauseMilliseconds) / 1000)
                }
            }
            try dayFile?.finish()
        } catch {
            try? dayFile?.finish()
            logger.notice("prune stopped by an error after deleting \(summary.rowsDeleted) rows in \(summary.batches) batches")
            throw error
        }
        summary.files = daysTouched.count
        summary.finish(startedAt: started)
        return summary
    }

    private func countRows() throws -> Int {
        try databaseStep("counting rows to prune") {
            try connection.query("SELECT count(*) FROM \(schema.logTable) WHERE \(checkedAt) < \(timestampLiteral(options.cutoffMilliseconds))").first?.int(0) ?? 0
        }
    }

    /// The oldest `checkedAt` at or after `lower` and before the cutoff.
    private func nextCheckedAt(from lower: Int64) throws -> Int64? {
        let lowerCondition = lower == Int64.min ? "" : "\(checkedAt) >= \(timestampLiteral(lower)) AND "
        return try databaseStep("finding the next rows to prune") {
            try connection.query(
                """
                SELECT \(HealthSchema.epochMillisecondsSQL(checkedAt)) FROM \(schema.logTable)
                WHERE \(lowerCondition)\(checkedAt) < \(timestampLiteral(options.cutoffMilliseconds))
                ORDER BY \(checkedAt) LIMIT 1
                """
            ).first?.int64(0)
        }
    }

    /// The rows of one batch: the first `batchSize` rows in (`checkedAt`, `id`) order in [lower, end).
    private func batchCondition(from lower: Int64, to end: Int64) -> String {
        """
        ctid = ANY(ARRAY(SELECT ctid FROM \(schema.logTable)
            WHERE \(checkedAt) >= \(timestampLiteral(lower)) AND \(checkedAt) < \(timestampLiteral(end))
            ORDER BY \(checkedAt), \(quoteIdentifier("id")) LIMIT \(options.batchSize)))
        """
    }

    private func beginBatch() throws(PostgresError) {
        try connection.query("BEGIN")
        try connection.query(
            "SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true), set_config('DateStyle', 'ISO, YMD', true)",
            ["\(options.lockTimeoutMilliseconds)ms", "\(options.statementTimeoutMilliseconds)ms"])
    }

    /// One batch: DELETE ... RETURNING streamed into a new member, member synced and recorded
    /// pending, then COMMIT, then marked committed. Returns nil when the batch found no rows.
    private func archiveBatch(into file: ArchiveDayFile, from lower: Int64, to end: Int64) throws -> MemberCompressor.Result? {
        let compressor = try file.startMember(level: options.compressionLevel)
        var faultReported = false
        let result: MemberCompressor.Result
        do {
            try databaseStep("starting a batch") { try beginBatch() }
            let sql = "COPY (DELETE FROM \(schema.logTable) WHERE \(batchCondition(from: lower, to: end)) RETURNING \(ArchiveFormat.selectList(schema))) TO STDOUT WITH (FORMAT csv)"
            let rows: Int
            do {
                rows = try databaseStep("deleting a batch of archived rows") {
                    try connection.copyOut(sql) { chunk in
                        guard compressor.submit(chunk) else { throw CompressorStopped() }
                        if !faultReported {
                            faultReported = true
                            FaultPoint.duringCopy.reached()
                        }
                    }
                }
            } catch is CompressorStopped {
                _ = try compressor.finish()
                throw CompressorStopped()
            }
            result = try compressor.finish()
            guard rows == result.statistics.rows else {
                throw ArchiveError.damaged(path: file.dataPath, member: file.manifest.members.count, problem: "the server deleted \(rows) rows but \(result.statistics.rows) were archived")
            }
            if rows == 0 {
                _ = try? connection.query("ROLLBACK")
                file.discardUnrecorded()
                return nil
            }
            FaultPoint.afterMemberWritten.reached()
            try file.recordPending(result)
            FaultPoint.afterManifestPending.reached()
        } catch {
            _ = try? connection.query("ROLLBACK")
            _ = try? compressor.finish()
            file.discardUnrecorded()
            throw error
        }
        // If COMMIT fails the member stays pending: the next run asks the database what happened.
        _ = try databaseStep("committing a batch") { try connection.query("COMMIT") }
        FaultPoint.afterCommit.reached()
        file.markLastCommitted()
        return result
    }

    /// One batch without archive (`--no-archive`).
    private func deleteBatch(from lower: Int64, to end: Int64) throws -> (rows: Int, last: Int64?) {
        try databaseStep("deleting a batch of rows") {
            try beginBatch()
            do {
                let row = try connection.query(
                    """
                    WITH deleted AS (DELETE FROM \(schema.logTable) WHERE \(batchCondition(from: lower, to: end)) RETURNING \(checkedAt))
                    SELECT count(*), max(\(HealthSchema.epochMillisecondsSQL(checkedAt))) FROM deleted
                    """
                ).first
                try connection.query("COMMIT")
                return (row?.int(0) ?? 0, row?.int64(1))
            } catch {
                _ = try? connection.query("ROLLBACK")
                throw error
            }
        }
    }

    /// `VACUUM (ANALYZE)` on the log table, without a statement timeout.
    public func vacuum() throws {
        try databaseStep("vacuuming the log table") {
            try connection.set("statement_timeout", "0")
            _ = try connection.query("VACUUM (ANALYZE) \(schema.logTable)")
        }
    }
}

/// The compressor failed (disk full, unwritable file); its own error says why.
private struct CompressorStopped: Error {}
