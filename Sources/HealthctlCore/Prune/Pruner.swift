import Logging
import PostgresClient

/// Moves old log rows into day archives and deletes them, batch by batch, never deleting a row
/// whose archive is not synced first. See `ArchiveFormat` for the files and `RecoveryDecision`
/// for what happens after a crash.
///
/// With `jobs` above 1, that many workers prune different UTC days at the same time: every day
/// has its own archive file and manifest, so no two workers share a file. The first worker uses
/// the main connection (which holds the advisory lock); the others open their own.
public struct Pruner {
    let target: ConnectionTarget
    let options: PruneOptions
    let stop: StopRequest
    let progress: ProgressHandler?
    let logger: Logger

    public init(
        target: ConnectionTarget, options: PruneOptions, stop: StopRequest, progress: ProgressHandler? = nil,
        logger: Logger = Logger(label: "healthctl.prune")
    ) {
        self.target = target
        self.options = options
        self.stop = stop
        self.progress = progress
        self.logger = logger
    }

    public func run() throws -> PruneSummary {
        let run = BatchRun(pacing: options.pacing, stop: stop)
        let connection = try target.connectToPrimary(for: "prune")
        let schema = try SchemaInspector.inspect(connection, schema: target.schema)
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
        let mainWorker = PruneWorker(connection: connection, schema: schema, options: options, run: run)
        let total = options.countFirst ? try mainWorker.countRows() : nil
        progress?(JobProgress(done: 0, total: total, unit: "rows"))
        let tables = try LogStorage.tables(connection, schema: schema)
        let queue = PruneWorkQueue(days: try mainWorker.daysWithRows(in: tables), run: run, total: total, progress: progress)

        let (target, options) = (target, options)
        let workers = max(1, options.jobs)
        _ = BlockingWorkers.run(workers, onThisThread: { mainWorker.work(queue) }) { _ in
            do {
                PruneWorker(connection: try target.connect(), schema: schema, options: options, run: run).work(queue)
            } catch {
                queue.fail(error)
            }
        }

        let result = queue.result
        summary.rowsDeleted = result.rowsDeleted
        summary.rowsArchived = result.rowsArchived
        summary.batches = result.batches
        summary.compressedBytes = result.compressedBytes
        summary.uncompressedBytes = result.uncompressedBytes
        summary.files = result.daysTouched.count
        summary.stoppedBy = result.stoppedBy
        if let error = result.error {
            if let root = options.archiveDirectory, workers > 1 {
                // A worker whose manifest write failed (say the other filled the disk) left a
                // committed member marked pending; settle it now that no worker writes.
                _ = try? ArchiveRecovery.run(root: root, connection: connection, schema: schema)
            }
            logger.notice("prune stopped by an error after deleting \(summary.rowsDeleted) rows in \(summary.batches) batches")
            throw error
        }
        if options.vacuum {
            try databaseStep("vacuuming the log table") {
                try connection.set("statement_timeout", "0")
                _ = try connection.query("VACUUM (ANALYZE) \(schema.logTable)")
            }
        }
        summary.finish(after: run)
        return summary
    }
}
