import Foundation
import Gzip
import Logging
import PostgresClient
import Synchronization

/// The partition-aware half of prune: a child of a partitioned log table whose whole range lies
/// before the cutoff is detached, archived whole into the day files, counted, and dropped (or
/// kept detached), instead of being deleted row by row.
///
/// The child is detached first, so no row can reach it while it is archived. Every step is
/// recorded in the database or the manifest, so a run killed at any instant is finished by the
/// next one:
/// 1. a comment (`DetachMarker.detaching`) marks the child, then it is detached;
/// 2. its rows are copied, UTC day by UTC day, into one member per day file, recorded pending
///    with the table's name (`ArchiveManifest.Member.partition`);
/// 3. the table is dropped (or its comment becomes `DetachMarker.archived` with `--keep-detached`);
/// 4. the members are marked committed.
/// Recovery (`ArchiveRecovery`) takes a pending partition member as committed once its table is
/// gone or marked archived, and cuts it off otherwise; a table still marked detaching is then
/// archived again from the start.
struct PartitionPruner {
    let connection: PostgresConnection
    let schema: HealthSchema
    let options: PruneOptions
    let batches: BatchRun
    let logger: Logger
    /// Opens the connection of another worker.
    let connect: @Sendable () throws -> PostgresConnection

    struct Outcome: Sendable {
        var partitionsDetached = 0
        var partitionsDropped = 0
        var archived = ArchiveTotals()

        mutating func add(_ other: Outcome) {
            partitionsDetached += other.partitionsDetached
            partitionsDropped += other.partitionsDropped
            archived.add(other.archived)
        }
    }

    /// A table out of the log table, to be archived: a child this run detached, or one an
    /// interrupted run left (`child` nil).
    struct Detached: Sendable {
        var child: LogPartition?
        var table: LogStorageTable
    }

    /// Detaches every whole child before the cutoff, then archives them, `--jobs` at a time, and
    /// finishes what an earlier run left. Returns nothing to do for a table that is not
    /// partitioned or without an archive.
    func prune() throws -> Outcome {
        var outcome = Outcome()
        guard options.archiveDirectory != nil, try PartitionCatalog.isPartitioned(connection, schema: schema) else { return outcome }
        let marker = DetachMarker(logTable: schema.logTable)
        var detached: [Detached] = []
        for table in try marker.leftovers(connection) {
            logger.notice("finishing the archive of \(table.qualified), detached by an interrupted prune")
            detached.append(Detached(child: nil, table: table))
        }
        let children = try PartitionCatalog.children(connection, schema: schema)
        let hasDefault = children.contains { $0.isDefault }
        for child in children where !child.isDefault && !child.isPartitioned {
            // A detach an earlier run began is finished whatever the cutoff.
            let left = child.detachPending && child.comment == marker.detaching
            guard left || (child.upperMs.map { $0 <= options.cutoffMilliseconds } ?? false) else { continue }
            guard batches.stopReason() == nil else { break }
            // A plain detach locks the parent for a moment: one at a time, paced like a batch.
            guard try batches.governor.unit(on: connection, { try detach(child, concurrently: !hasDefault, marker: marker) }) else { continue }
            outcome.partitionsDetached += 1
            options.faultHook?(.afterDetach)
            detached.append(Detached(child: child, table: child.table))
        }
        try archive(detached, marker: marker, into: &outcome)
        return outcome
    }

    /// Archives the detached tables, `--jobs` at a time when no two share a UTC day (a day has
    /// one archive file): the first worker on the main connection, the others on their own. After
    /// a failure or a stop request no table is started, and every child not archived is put back
    /// into the log table (a failure is then thrown).
    private func archive(_ detached: [Detached], marker: DetachMarker, into outcome: inout Outcome) throws {
        guard !detached.isEmpty else { return }
        let queue = PartitionArchiveQueue(count: detached.count, stop: batches.stop)
        let workers = Self.sharesNoDay(detached) ? min(max(options.jobs, 1), detached.count) : 1
        let (schema, options, batches, logger, connect) = (schema, options, batches, logger, connect)
        let outcomes = BlockingWorkers.run(workers, onThisThread: { archive(from: queue, detached, marker: marker) }) { _ in
            do {
                let worker = PartitionPruner(
                    connection: try connect(), schema: schema, options: options, batches: batches, logger: logger, connect: connect)
                return worker.archive(from: queue, detached, marker: marker)
            } catch {
                queue.fail(error)
                return Outcome()
            }
        }
        for worker in outcomes { outcome.add(worker) }
        for index in queue.notArchived { if let child = detached[index].child { reattach(child, marker: marker) } }
        if let error = queue.error { throw error }
    }

    private func archive(from queue: PartitionArchiveQueue, _ detached: [Detached], marker: DetachMarker) -> Outcome {
        var outcome = Outcome()
        while let index = queue.next() {
            do {
                try archive(detached[index].table, marker: marker, into: &outcome)
                queue.archived(index)
            } catch {
                queue.fail(error)
            }
        }
        return outcome
    }

    /// True when the children's ranges are known and no two touch the same UTC day.
    static func sharesNoDay(_ detached: [Detached]) -> Bool {
        var days: [(first: Int64, last: Int64)] = []
        for item in detached {
            guard let lower = item.child?.lowerMs, let upper = item.child?.upperMs, upper > lower else { return false }
            days.append((CalendarDay.start(containing: lower), CalendarDay.start(containing: upper - 1)))
        }
        days.sort { $0.first < $1.first }
        return zip(days, days.dropFirst()).allSatisfy { $0.last < $1.first }
    }

    /// Marks and detaches one child. `DETACH ... CONCURRENTLY` does not block the application's
    /// writes, but PostgreSQL refuses it beside a default partition; there the plain `DETACH`
    /// (a short exclusive lock on the parent) is tried with a short lock timeout, a few times.
    /// Returns false when the lock could not be had: the child is then pruned batch by batch.
    private func detach(_ child: LogPartition, concurrently: Bool, marker: DetachMarker) throws -> Bool {
        let table = child.table.qualified
        _ = try databaseStep("marking \(table) for archiving") {
            try connection.query("COMMENT ON TABLE \(table) IS \(marker.literal(marker.detaching))")
        }
        if child.detachPending {
            try detachStatement("ALTER TABLE \(schema.logTable) DETACH PARTITION \(table) FINALIZE", table: table)
            return true
        }
        guard concurrently else {
            for attempt in 1...Self.plainDetachAttempts {
                do {
                    try connection.set("lock_timeout", "\(Self.plainDetachLockTimeoutMilliseconds)ms")
                    defer { _ = try? connection.query("RESET lock_timeout") }
                    try connection.query("ALTER TABLE \(schema.logTable) DETACH PARTITION \(table)")
                    return true
                } catch {
                    guard error.sqlState == "55P03" else { throw error.during("detaching \(table)") }
                    logger.info("detaching \(table): the log table is busy (attempt \(attempt) of \(Self.plainDetachAttempts))")
                    Thread.sleep(forTimeInterval: 0.2)
                }
            }
            logger.notice("could not detach \(table) without waiting on the application; pruning it batch by batch")
            _ = try? connection.query("COMMENT ON TABLE \(table) IS NULL")
            return false
        }
        do {
            try detachStatement("ALTER TABLE \(schema.logTable) DETACH PARTITION \(table) CONCURRENTLY", table: table)
        } catch {
            // The first of its two transactions may have committed: finish it.
            if try PartitionCatalog.children(connection, schema: schema).contains(where: { $0.table == child.table && $0.detachPending }) {
                try detachStatement("ALTER TABLE \(schema.logTable) DETACH PARTITION \(table) FINALIZE", table: table)
            } else {
                throw error
            }
        }
        return true
    }

    /// After a failed archive (a full disk), puts the child back so its rows stay where the
    /// application reads them; its members are cut off by recovery, since the table still holds
    /// them. Where that fails too, the table stays detached and marked, and the next run
    /// archives it.
    private func reattach(_ child: LogPartition, marker: DetachMarker) {
        let table = child.table.qualified
        do {
            // Dropped already (the failure came after it): its rows are in the archive.
            guard try marker.rowsRemain(in: table, connection) else { return }
            try detachStatement("ALTER TABLE \(schema.logTable) ATTACH PARTITION \(table) \(child.boundSQL)", table: table)
            _ = try connection.query("COMMENT ON TABLE \(table) IS NULL")
            logger.notice("put \(table) back into the log table after the failed archive")
        } catch {
            logger.warning("\(table) stays detached after the failed archive (\(error)); the next prune archives it")
        }
    }

    /// A detach statement outside any transaction, with the job's lock timeout.
    private func detachStatement(_ sql: String, table: String) throws {
        try databaseStep("detaching \(table)") {
            try connection.set("lock_timeout", "\(options.pacing.lockTimeoutMilliseconds)ms")
            defer { _ = try? connection.query("RESET lock_timeout") }
            try connection.query(sql)
        }
    }

    /// Copies a detached table into the day files, checks the count, drops it (or marks it
    /// archived), then marks its members committed.
    private func archive(_ table: LogStorageTable, marker: DetachMarker, into outcome: inout Outcome) throws {
        guard let root = options.archiveDirectory else { return }
        let worker = PruneWorker(connection: connection, schema: schema, options: options, run: batches)
        let expected = try databaseStep("counting the rows of \(table.qualified)") {
            try connection.query("SELECT count(*) FROM ONLY \(table.qualified)").first?.int(0) ?? 0
        }
        var files: [ArchiveDayFile] = []
        var archived = ArchiveTotals()
        do {
            for day in try worker.daysWithRows(in: [table], before: .max) {
                let name = ArchiveFormat.dayName(epochMilliseconds: day.start)
                let file = try ArchiveDayFile(root: root, day: name, numericIds: schema.logIdType == .integer, faultHook: options.faultHook)
                files.append(file)
                let result = try worker.copyDay(of: table, from: day.start, into: file)
                try file.recordPending(result, partition: table.qualified)
                archived.add(result, day: name)
            }
            guard archived.rows == expected else {
                throw ArchiveError.damaged(
                    path: files.first?.dataPath ?? root, member: nil,
                    problem: "\(table.qualified) holds \(expected) rows but \(archived.rows) were archived")
            }
            options.faultHook?(.afterPartitionArchived)
            _ = try databaseStep(options.keepDetached ? "marking \(table.qualified) archived" : "dropping \(table.qualified)") {
                try connection.query(
                    options.keepDetached
                        ? "COMMENT ON TABLE \(table.qualified) IS \(marker.literal(marker.archived))" : "DROP TABLE \(table.qualified)")
            }
            options.faultHook?(.afterDrop)
        } catch {
            for file in files { try? file.finish() }
            throw error
        }
        for file in files {
            file.markLastCommitted()
            try file.finish()
        }
        outcome.archived.add(archived)
        if !options.keepDetached { outcome.partitionsDropped += 1 }
        logger.info("archived \(archived.rows) rows of \(table.qualified) into \(files.count) day files")
    }

    /// Tries with this lock timeout, this many times, before leaving a child to the batches.
    /// While the `DETACH` waits for the lock, the application's writes to the log table queue
    /// behind it: the timeout bounds that wait well under 100 ms.
    static let plainDetachLockTimeoutMilliseconds = 50
    static let plainDetachAttempts = 12
}

/// Which detached tables the workers of `PartitionPruner` have taken and archived, and the first
/// failure.
final class PartitionArchiveQueue: Sendable {
    private struct State {
        var next = 0
        var archived: Set<Int> = []
        var error: (any Error)?
    }

    private let state = Mutex(State())
    private let count: Int
    private let stop: StopRequest

    init(count: Int, stop: StopRequest) {
        self.count = count
        self.stop = stop
    }

    /// The next table to archive; nil once all are taken, after a failure or a stop request.
    func next() -> Int? {
        state.withLock { state in
            guard state.error == nil, !stop.isRequested, state.next < count else { return nil }
            defer { state.next += 1 }
            return state.next
        }
    }

    func archived(_ index: Int) {
        state.withLock { _ = $0.archived.insert(index) }
    }

    func fail(_ error: any Error) {
        state.withLock { if $0.error == nil { $0.error = error } }
    }

    var error: (any Error)? { state.withLock { $0.error } }

    /// The tables not archived (failed, or never started), in order.
    var notArchived: [Int] { state.withLock { state in (0..<count).filter { !state.archived.contains($0) } } }
}

/// The comments prune leaves on a partition it takes out of the log table (see `PartitionPruner`).
struct DetachMarker {
    let detaching: String
    let archived: String

    init(logTable: String) {
        detaching = "healthctl prune: detached from \(logTable) to be archived"
        archived = "healthctl prune: archived from \(logTable), kept detached"
    }

    /// A comment is a literal in `COMMENT ON`, which takes no parameters; the text is ours.
    func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    /// Tables an interrupted run detached (or left detach-pending) and did not finish archiving.
    func leftovers(_ connection: PostgresConnection) throws -> [LogStorageTable] {
        try databaseStep("looking for partitions an interrupted prune detached") {
            try connection.query(
                """
                SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind = 'r' AND NOT c.relispartition AND obj_description(c.oid, 'pg_class') = $1
                ORDER BY n.nspname, c.relname
                """, [detaching]
            ).rows.map { LogStorageTable(schema: $0[0] ?? "", name: $0[1] ?? "") }
        }
    }

    /// For recovery: whether a pending member's table still holds its rows (it exists and is not
    /// marked archived).
    func rowsRemain(in table: String, _ connection: PostgresConnection) throws -> Bool {
        let row = try databaseStep("checking whether \(table) was dropped") {
            try connection.query("SELECT to_regclass($1) IS NOT NULL, obj_description(to_regclass($1), 'pg_class')", [table]).first
        }
        return row?.bool(0) == true && row?[1] != archived
    }
}

/// pg_partman's retention would drop children of the log table without an archive (exit 78).
public struct PartmanRetentionError: CategorizedError, Equatable, Sendable {
    public var table: String
    public var retention: String
    public var extensionSchema: String

    public var category: FailureCategory { .configuration }

    public var description: String {
        "pg_partman drops partitions of \(table) older than \(retention) itself, without an archive; let healthctl prune archive them instead: UPDATE \(extensionSchema).part_config SET retention = NULL WHERE parent_table = '\(table.replacingOccurrences(of: "\"", with: ""))' (or set retention_keep_table = true)"
    }
}

/// pg_partman's maintenance and retention take these advisory locks (`run_maintenance`,
/// `drop_partition_time`) and skip their run while another session holds them; prune holds
/// them while it detaches and drops, so the two never work on the same parent at once.
enum PartmanLocks {
    static let names = ["pg_partman run_maintenance", "pg_partman drop_partition_time"]

    /// Runs `body` holding the locks when `holding` (and pg_partman is installed); waits up to
    /// a minute for a maintenance run to end, then gives up (exit 75).
    static func holding<Value>(on connection: PostgresConnection, when holding: Bool, _ body: () throws -> Value) throws -> Value {
        let installed = try databaseStep("looking for pg_partman") {
            try connection.query("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_partman')").first?.bool(0) ?? false
        }
        guard holding, installed else { return try body() }
        var held: [String] = []
        defer {
            for name in held { _ = try? connection.query("SELECT pg_advisory_unlock(hashtext($1))", [name]) }
        }
        for name in names {
            var acquired = false
            for _ in 0..<600 {
                acquired = try databaseStep("taking pg_partman's maintenance lock") {
                    try connection.query("SELECT pg_try_advisory_lock(hashtext($1))", [name]).first?.bool(0) ?? false
                }
                if acquired { break }
                Thread.sleep(forTimeInterval: 0.1)
            }
            guard acquired else { throw AdvisoryLockBusy(what: "pg_partman's maintenance (\(name))") }
            held.append(name)
        }
        return try body()
    }
}

/// Another program held an advisory lock for longer than prune waits (exit 75).
public struct AdvisoryLockBusy: CategorizedError, Equatable, Sendable {
    public var what: String
    public var category: FailureCategory { .temporary }
    public var description: String { "\(what) is running on this database; prune again when it has finished" }
}
