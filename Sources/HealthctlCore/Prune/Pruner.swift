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

    /// After a failure, settles members left pending now that nothing writes: a worker whose
    /// manifest write failed (say another filled the disk) left a committed member pending, and
    /// a failed partition archive left members whose table is back in the log table.
    private func settleAfterFailure(_ connection: PostgresConnection, _ schema: HealthSchema) {
        guard let root = options.archiveDirectory else { return }
        do {
            _ = try ArchiveRecovery.run(root: root, connection: connection, schema: schema)
        } catch {
            logger.warning("could not settle the archive after the failure (\(error)); the next prune does")
        }
    }

    /// Starts over after a lost connection (`ConnectionRetry.jobs`): recovery settles what the
    /// lost attempt left pending.
    public func run() throws -> PruneSummary {
        try ConnectionRetry.jobs.run("prune", logger: logger, stop: stop) { attempt in
            var summary = try runOnce()
            summary.attempts = attempt
            return summary
        }
    }

    private func runOnce() throws -> PruneSummary {
        let run = BatchRun(pacing: options.pacing, stop: stop, governor: target.governor(stop: stop, logger: logger))
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
        if let partman = try PartitionCatalog.partman(connection, schema: schema), partman.dropsChildren {
            throw PartmanRetentionError(table: schema.logTable, retention: partman.retention ?? "", extensionSchema: partman.extensionSchema)
        }
        if !options.withoutRollups {
            let store = RollupStore(setting: options.rollupSchema, applicationSchema: target.schema)
            let missing = try store.daysNotRolledUp(on: connection, schema: schema, before: options.cutoffMilliseconds)
            if !missing.isEmpty { throw RollupError.notRolledUp(days: missing, schema: store.schema, storeExists: try store.exists(on: connection)) }
        }
        let partitions: PartitionPruner.Outcome
        do {
            partitions = try PartmanLocks.holding(on: connection, when: options.archiveDirectory != nil) {
                try PartitionPruner(
                    connection: connection, schema: schema, options: options, batches: run, logger: logger, connect: { [target] in try target.connect() }
                ).prune()
            }
        } catch {
            settleAfterFailure(connection, schema)
            throw error
        }
        summary.partitionsDetached = partitions.partitionsDetached
        summary.partitionsDropped = partitions.partitionsDropped
        let mainWorker = PruneWorker(connection: connection, schema: schema, options: options, run: run)
        let total = options.countFirst ? try mainWorker.countRows() : nil
        progress?(JobProgress(done: 0, total: total, unit: "rows"))
        let tables = try LogStorage.tables(connection, schema: schema)
        let queue = PruneWorkQueue(days: try mainWorker.daysWithRows(in: tables), run: run, total: total, progress: progress)

        let workers = max(1, options.jobs)
        _ = BlockingWorkers.run(workers, onThisThread: { mainWorker.work(queue) }) { [target, options] _ in
            do {
                PruneWorker(connection: try target.connect(), schema: schema, options: options, run: run).work(queue)
            } catch {
                queue.fail(error)
            }
        }

        let result = queue.result
        var archived = result.archived
        archived.add(partitions.archived)
        summary.rowsDeleted = result.rowsDeleted + partitions.archived.rows
        summary.rowsArchived = archived.rows
        summary.batches = result.batches
        summary.compressedBytes = archived.compressedBytes
        summary.uncompressedBytes = archived.uncompressedBytes
        summary.files = archived.days.count
        summary.stoppedBy = result.stoppedBy
        if let error = result.error {
            settleAfterFailure(connection, schema)
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
