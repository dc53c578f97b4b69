import Foundation
import Logging
import PostgresClient
import Synchronization
import Gzip

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
    /// Days pruned at the same time, each on a connection of its own; 1 prunes day after day.
    public var jobs = 2

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
///
/// With `jobs` above 1, that many workers prune different UTC days at the same time: every day
/// has its own archive file and manifest, so no two workers share a file. The first worker uses
/// the main connection (which holds the advisory lock); the others open their own.
public struct Pruner {
    let connection: PostgresConnection
    let openConnection: (@Sendable () throws -> PostgresConnection)?
    let schema: HealthSchema
    let options: PruneOptions
    let stop: StopRequest
    let progress: ProgressHandler?
    let logger: Logger

    /// `openConnection` opens the extra connections of `options.jobs` > 1; without it the run is serial.
    public init(
        connection: PostgresConnection, openConnection: (@Sendable () throws -> PostgresConnection)? = nil,
        schema: HealthSchema, options: PruneOptions, stop: StopRequest,
        progress: ProgressHandler? = nil, logger: Logger = Logger(label: "healthctl.prune")
    ) {
        self.connection = connection
        self.openConnection = openConnection
        self.schema = schema
        self.options = options
        self.stop = stop
        self.progress = progress
        self.logger = logger
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
        let mainWorker = PruneWorker(connection: connection, schema: schema, options: options)
        let total = options.countFirst ? try mainWorker.countRows() : nil
        progress?(JobProgress(done: 0, total: total, unit: "rows"))
        let tables = try LogStorage.tables(connection, schema: schema)
        let shared = PruneProgress(
            days: try mainWorker.daysWithRows(in: tables), started: started, options: options, stop: stop, total: total, progress: progress)

        let extraWorkers = openConnection == nil ? 0 : max(0, options.jobs - 1)
        let finished = DispatchGroup()
        for _ in 0..<extraWorkers {
            finished.enter()
            let (openConnection, schema, options) = (openConnection!, schema, options)
            Thread.detachNewThread {
                defer { finished.leave() }
                do {
                    let connection = try openConnection()
                    PruneWorker(connection: connection, schema: schema, options: options).work(shared)
                } catch {
                    shared.fail(error)
                }
            }
        }
        mainWorker.work(shared)
        finished.wait()

        let result = shared.result
        summary.rowsDeleted = result.rowsDeleted
        summary.rowsArchived = result.rowsArchived
        summary.batches = result.batches
        summary.compressedBytes = result.compressedBytes
        summary.uncompressedBytes = result.uncompressedBytes
        summary.files = result.daysTouched.count
        summary.stoppedBy = result.stoppedBy
        if let error = result.error {
            if let root = options.archiveDirectory, extraWorkers > 0 {
                // A worker whose manifest write failed (say the other filled the disk) left a
                // committed member marked pending; settle it now that no worker writes.
                _ = try? ArchiveRecovery.run(root: root, connection: connection, schema: schema)
            }
            logger.notice("prune stopped by an error after deleting \(summary.rowsDeleted) rows in \(summary.batches) batches")
            throw error
        }
        summary.finish(startedAt: started)
        return summary
    }

    /// `VACUUM (ANALYZE)` on the log table, without a statement timeout.
    public func vacuum() throws {
        try databaseStep("vacuuming the log table") {
            try connection.set("statement_timeout", "0")
            _ = try connection.query("VACUUM (ANALYZE) \(schema.logTable)")
        }
    }
}

/// What the workers of one run share: the days still to prune, the totals so far, the first
/// error and why the run stopped.
final class PruneProgress: Sendable {
    struct State {
        var nextDay = 0
        var rowsDeleted = 0
        var rowsArchived = 0
        var batches = 0
        var compressedBytes: Int64 = 0
        var uncompressedBytes: Int64 = 0
        var daysTouched = Set<String>()
        var stoppedBy: String?
        var error: (any Error)?
    }

    private let days: [PruneDay]
    private let started: Date
    private let maxRuntimeMilliseconds: Int64?
    private let stop: StopRequest
    private let total: Int?
    private let progress: ProgressHandler?
    private let state = Mutex(State())

    init(days: [PruneDay], started: Date, options: PruneOptions, stop: StopRequest, total: Int?, progress: ProgressHandler?) {
        self.days = days
        self.started = started
        self.maxRuntimeMilliseconds = options.maxRuntimeMilliseconds
        self.stop = stop
        self.total = total
        self.progress = progress
    }

    var result: State { state.withLock { $0 } }

    /// False once the run is asked to stop (signal, `--max-runtime`) or a worker failed.
    func mayStartBatch() -> Bool {
        if let limit = maxRuntimeMilliseconds, Date().timeIntervalSince(started) * 1000 >= Double(limit) {
            stop.request("--max-runtime reached")
        }
        let reason = stop.stopReason
        return state.withLock { state in
            if state.error != nil { return false }
            if let reason {
                state.stoppedBy = reason
                return false
            }
            return true
        }
    }

    /// The next day no worker has taken, nil when all are taken or the run stops.
    func takeDay() -> PruneDay? {
        guard mayStartBatch() else { return nil }
        return state.withLock { state in
            guard state.nextDay < days.count else { return nil }
            state.nextDay += 1
            return days[state.nextDay - 1]
        }
    }

    func add(rows: Int, archived result: MemberCompressor.Result?, day: String) {
        state.withLock { state in
            state.rowsDeleted += rows
            if rows > 0 { state.batches += 1 }
            if let result {
                state.daysTouched.insert(day)
                state.rowsArchived += result.statistics.rows
                state.compressedBytes += result.member.compressedBytes
                state.uncompressedBytes += result.member.uncompressedBytes
            }
            // Reported under the lock so the handler sees one caller at a time and rising totals.
            progress?(JobProgress(done: state.rowsDeleted, total: total, unit: "rows"))
        }
    }

    /// Keeps the first error; the other workers stop after their current batch.
    func fail(_ error: any Error) {
        state.withLock { if $0.error == nil { $0.error = error } }
    }
}

/// One UTC day with rows before the cutoff, and the storage tables (see `LogStorage`) that hold them.
struct PruneDay: Equatable {
    var start: Int64
    var tables: [LogStorageTable]
}

/// One connection's share of a prune: whole days taken from `PruneProgress`, batch by batch.
struct PruneWorker {
    let connection: PostgresConnection
    let schema: HealthSchema
    let options: PruneOptions

    private var checkedAt: String { quoteIdentifier("checkedAt") }

    /// A timestamp literal for the column's type. COPY takes no parameters, so batch bounds enter
    /// its SQL as literals; they are formatted here from integers, never from input text.
    private func timestampLiteral(_ millis: Int64) -> String {
        HealthSchema.timestampParameterSQL("'\(PostgresTimestamp.format(epochMilliseconds: millis))'", schema.checkedAtType)
    }

    /// Prunes days until none is left, the run stops or a worker fails.
    func work(_ shared: PruneProgress) {
        while let day = shared.takeDay() {
            do {
                try pruneDay(day, shared)
            } catch {
                shared.fail(error)
                return
            }
        }
    }

    /// The batches of one UTC day, storage table after storage table, each in (`checkedAt`, `id`)
    /// order until a batch comes back short.
    private func pruneDay(_ pruneDay: PruneDay, _ shared: PruneProgress) throws {
        let end = min(pruneDay.start + 86_400_000, options.cutoffMilliseconds)
        let day = ArchiveFormat.dayName(epochMilliseconds: pruneDay.start)
        let dayFile = try options.archiveDirectory.map { try ArchiveDayFile(root: $0, day: day, numericIds: schema.logIdType == .integer) }
        do {
            for table in pruneDay.tables {
                guard shared.mayStartBatch() else { break }
                var lower = pruneDay.start
                while true {
                    let batch: (rows: Int, last: Int64?)
                    if let dayFile {
                        let result = try archiveBatch(of: table, into: dayFile, from: lower, to: end)
                        let last = result?.statistics.lastCheckedAt.flatMap { PostgresTimestamp.parseEpochMilliseconds($0[...]) }
                        batch = (result?.statistics.rows ?? 0, last)
                        shared.add(rows: batch.rows, archived: result, day: day)
                    } else {
                        batch = try deleteBatch(of: table, from: lower, to: end)
                        shared.add(rows: batch.rows, archived: nil, day: day)
                    }
                    // The next batch starts at the last `checkedAt` deleted (rows sharing it may remain),
                    // so the index scan never walks back over the dead entries of earlier batches.
                    lower = batch.last ?? lower
                    if options.pauseMilliseconds > 0, shared.mayStartBatch() {
                        Thread.sleep(forTimeInterval: Double(options.pauseMilliseconds) / 1000)
                    }
                    guard batch.rows == options.batchSize, shared.mayStartBatch() else { break }
                }
            }
            try dayFile?.finish()
        } catch {
            try? dayFile?.finish()
            throw error
        }
    }

    func countRows() throws -> Int {
        try databaseStep("counting rows to prune") {
            try connection.query("SELECT count(*) FROM \(schema.logTable) WHERE \(checkedAt) < \(timestampLiteral(options.cutoffMilliseconds))").first?.int(0) ?? 0
        }
    }

    /// The UTC days that hold rows before the cutoff, oldest first, each with the storage tables
    /// holding its rows: one index probe per day and table.
    func daysWithRows(in tables: [LogStorageTable]) throws -> [PruneDay] {
        var tablesByDay: [Int64: [LogStorageTable]] = [:]
        for table in tables {
            var lower = Int64.min
            while let next = try nextCheckedAt(in: table, from: lower) {
                let dayStart = ArchiveFormat.dayStart(epochMilliseconds: next)
                tablesByDay[dayStart, default: []].append(table)
                lower = dayStart + 86_400_000
            }
        }
        return tablesByDay.keys.sorted().map { PruneDay(start: $0, tables: tablesByDay[$0] ?? []) }
    }

    /// The oldest `checkedAt` in one storage table at or after `lower` and before the cutoff.
    private func nextCheckedAt(in table: LogStorageTable, from lower: Int64) throws -> Int64? {
        let lowerCondition = lower == Int64.min ? "" : "\(checkedAt) >= \(timestampLiteral(lower)) AND "
        return try databaseStep("finding the next rows to prune") {
            try connection.query(
                """
                SELECT \(HealthSchema.epochMillisecondsSQL(checkedAt)) FROM ONLY \(table.qualified)
                WHERE \(lowerCondition)\(checkedAt) < \(timestampLiteral(options.cutoffMilliseconds))
                ORDER BY \(checkedAt) LIMIT 1
                """
            ).first?.int64(0)
        }
    }

    /// `DELETE FROM ONLY table WHERE` this deletes one batch: the first `batchSize` rows of one
    /// storage table in (`checkedAt`, `id`) order in [lower, end). `ctid` is unique only within
    /// that table, hence `ONLY` on both sides; the range is checked again on the deleted rows.
    private func batchCondition(_ table: LogStorageTable, from lower: Int64, to end: Int64) -> String {
        let range = "\(checkedAt) >= \(timestampLiteral(lower)) AND \(checkedAt) < \(timestampLiteral(end))"
        return """
            \(range) AND ctid = ANY(ARRAY(SELECT ctid FROM ONLY \(table.qualified)
                WHERE \(range) ORDER BY \(checkedAt), \(quoteIdentifier("id")) LIMIT \(options.batchSize)))
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
    private func archiveBatch(of table: LogStorageTable, into file: ArchiveDayFile, from lower: Int64, to end: Int64) throws -> MemberCompressor.Result? {
        let compressor = try file.startMember(level: options.compressionLevel)
        var faultReported = false
        let result: MemberCompressor.Result
        do {
            try databaseStep("starting a batch") { try beginBatch() }
            let sql = "COPY (DELETE FROM ONLY \(table.qualified) WHERE \(batchCondition(table, from: lower, to: end)) RETURNING \(ArchiveFormat.selectList(schema))) TO STDOUT WITH (FORMAT csv)"
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
    private func deleteBatch(of table: LogStorageTable, from lower: Int64, to end: Int64) throws -> (rows: Int, last: Int64?) {
        try databaseStep("deleting a batch of rows") {
            try beginBatch()
            do {
                let row = try connection.query(
                    """
                    WITH deleted AS (DELETE FROM ONLY \(table.qualified) WHERE \(batchCondition(table, from: lower, to: end)) RETURNING \(checkedAt))
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
}

/// The compressor failed (disk full, unwritable file); its own error says why.
private struct CompressorStopped: Error {}
