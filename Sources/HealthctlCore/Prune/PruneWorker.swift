import PostgresClient

/// One connection's share of a prune: whole days taken from the `PruneWorkQueue`, batch by batch.
struct PruneWorker {
    let connection: PostgresConnection
    let schema: HealthSchema
    let options: PruneOptions
    let run: BatchRun

    private var checkedAt: String { quoteIdentifier("checkedAt") }

    /// A timestamp literal for the column's type. COPY takes no parameters, so batch bounds enter
    /// its SQL as literals; they are formatted here from integers, never from input text.
    private func timestampLiteral(_ millis: Int64) -> String {
        HealthSchema.timestampParameterSQL("'\(PostgresTimestamp.format(epochMilliseconds: millis))'", schema.checkedAtType)
    }

    /// Prunes days until none is left, the run stops or a worker fails.
    func work(_ queue: PruneWorkQueue) {
        while let day = queue.takeDay() {
            do {
                try prune(day, queue)
            } catch {
                queue.fail(error)
                return
            }
        }
    }

    /// The batches of one UTC day, storage table after storage table, each in (`checkedAt`, `id`)
    /// order until a batch comes back short.
    private func prune(_ pruneDay: PruneDay, _ queue: PruneWorkQueue) throws {
        let end = min(pruneDay.start + CalendarDay.dayMs, options.cutoffMilliseconds)
        let day = ArchiveFormat.dayName(epochMilliseconds: pruneDay.start)
        let dayFile = try options.archiveDirectory.map {
            try ArchiveDayFile(root: $0, day: day, numericIds: schema.logIdType == .integer, faultHook: options.faultHook)
        }
        do {
            for table in pruneDay.tables {
                guard queue.mayStartBatch() else { break }
                var lower = pruneDay.start
                while true {
                    let batch: (rows: Int, last: Int64?)
                    let size = run.batchRows(options.batchSize)
                    if let dayFile {
                        let result = try archiveBatch(of: table, into: dayFile, from: lower, to: end, limit: size)
                        let last = result?.statistics.lastCheckedAt.flatMap { PostgresTimestamp.parseEpochMilliseconds($0[...]) }
                        batch = (result?.statistics.rows ?? 0, last)
                        queue.add(rows: batch.rows, archived: result, day: day)
                    } else {
                        batch = try deleteBatch(of: table, from: lower, to: end, limit: size)
                        queue.add(rows: batch.rows, archived: nil, day: day)
                    }
                    // The next batch starts at the last `checkedAt` deleted (rows sharing it may remain),
                    // so the index scan never walks back over the dead entries of earlier batches.
                    lower = batch.last ?? lower
                    if queue.mayStartBatch() { run.pause() }
                    guard batch.rows == size, queue.mayStartBatch() else { break }
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

    /// The UTC days that hold rows before `upper` (the cutoff by default), oldest first, each
    /// with the storage tables holding its rows: one index probe per day and table.
    func daysWithRows(in tables: [LogStorageTable], before upper: Int64? = nil) throws -> [PruneDay] {
        var tablesByDay: [Int64: [LogStorageTable]] = [:]
        for table in tables {
            var lower = Int64.min
            while let next = try nextCheckedAt(in: table, from: lower, before: upper ?? options.cutoffMilliseconds) {
                let dayStart = CalendarDay.start(containing: next)
                tablesByDay[dayStart, default: []].append(table)
                lower = dayStart + CalendarDay.dayMs
            }
        }
        return tablesByDay.keys.sorted().map { PruneDay(start: $0, tables: tablesByDay[$0] ?? []) }
    }

    /// The oldest `checkedAt` in one storage table at or after `lower` and before `upper`.
    private func nextCheckedAt(in table: LogStorageTable, from lower: Int64, before upper: Int64) throws -> Int64? {
        let lowerCondition = lower == Int64.min ? "" : "\(checkedAt) >= \(timestampLiteral(lower)) AND "
        let upperCondition = upper == Int64.max ? "TRUE" : "\(checkedAt) < \(timestampLiteral(upper))"
        return try databaseStep("finding the next rows to prune") {
            try connection.query(
                """
                SELECT \(HealthSchema.epochMillisecondsSQL(checkedAt)) FROM ONLY \(table.qualified)
                WHERE \(lowerCondition)\(upperCondition)
                ORDER BY \(checkedAt) LIMIT 1
                """
            ).first?.int64(0)
        }
    }

    /// `DELETE FROM ONLY table WHERE` this deletes one batch: the first `limit` rows of one
    /// storage table in (`checkedAt`, `id`) order in [lower, end). `ctid` is unique only within
    /// that table, hence `ONLY` on both sides; the range is checked again on the deleted rows.
    private func batchCondition(_ table: LogStorageTable, from lower: Int64, to end: Int64, limit: Int) -> String {
        let range = "\(checkedAt) >= \(timestampLiteral(lower)) AND \(checkedAt) < \(timestampLiteral(end))"
        return """
            \(range) AND ctid = ANY(ARRAY(SELECT ctid FROM ONLY \(table.qualified)
                WHERE \(range) ORDER BY \(checkedAt), \(quoteIdentifier("id")) LIMIT \(limit)))
            """
    }

    /// One batch: DELETE ... RETURNING streamed into a new member, member synced and recorded
    /// pending, then COMMIT, then marked committed. Returns nil when the batch found no rows.
    private func archiveBatch(
        of table: LogStorageTable, into file: ArchiveDayFile, from lower: Int64, to end: Int64, limit: Int
    ) throws -> MemberCompressor.Result? {
        let compressor = try file.startMember(level: options.compressionLevel)
        var faultReported = false
        let sql = "COPY (DELETE FROM ONLY \(table.qualified) WHERE \(batchCondition(table, from: lower, to: end, limit: limit)) RETURNING \(ArchiveFormat.selectList(schema))) TO STDOUT WITH (FORMAT csv)"
        let result: MemberCompressor.Result?
        do {
            // If COMMIT fails the member stays pending: the next run asks the database what happened.
            result = try databaseStep("deleting a batch of archived rows") {
                try run.transaction(on: connection, settings: ArchiveFormat.isoDateStyle) { () throws -> MemberCompressor.Result? in
                    let rows: Int
                    do {
                        rows = try copyOut(sql, into: compressor) {
                            if !faultReported {
                                faultReported = true
                                options.faultHook?(.duringCopy)
                            }
                        }
                    } catch is CompressorStopped {
                        _ = try compressor.finish()
                        throw CompressorStopped()
                    }
                    let result = try compressor.finish()
                    guard rows == result.statistics.rows else {
                        throw ArchiveError.damaged(path: file.dataPath, member: file.manifest.members.count, problem: "the server deleted \(rows) rows but \(result.statistics.rows) were archived")
                    }
                    guard rows > 0 else { return nil }
                    options.faultHook?(.afterMemberWritten)
                    try file.recordPending(result)
                    options.faultHook?(.afterManifestPending)
                    return result
                }
            }
        } catch {
            _ = try? compressor.finish()
            file.discardUnrecorded()
            throw error
        }
        guard let result else {
            file.discardUnrecorded()
            return nil
        }
        options.faultHook?(.afterCommit)
        file.markLastCommitted()
        return result
    }

    /// Streams a COPY's output into `compressor`; returns its row count. While the governor
    /// yields, the output is gathered first and compressed once the server is done with it, still
    /// inside the caller's unit: the job then keeps one core busy at a time rather than two (the
    /// server's and the compressor's), and the rest after the unit covers the compression too.
    /// Beyond `gatherLimit` bytes it is handed over as it comes, so memory stays bounded.
    private func copyOut(_ sql: String, into compressor: MemberCompressor, eachChunk: () -> Void = {}) throws -> Int {
        let gathering = run.governor.isYielding
        var gathered: [UInt8] = []
        func handOver(_ bytes: UnsafeRawBufferPointer) throws {
            guard compressor.submit(bytes) else { throw CompressorStopped() }
        }
        let rows = try connection.copyOut(sql) { chunk in
            eachChunk()
            guard gathering else { return try handOver(chunk) }
            gathered.append(contentsOf: chunk)
            if gathered.count >= Self.gatherLimit {
                try gathered.withUnsafeBytes(handOver)
                gathered.removeAll(keepingCapacity: true)
            }
        }
        if gathering {
            try gathered.withUnsafeBytes(handOver)
            guard compressor.drain() else { throw CompressorStopped() }
        }
        return rows
    }

    /// The most COPY output gathered before compressing while yielding (a 3-hour slice of a day
    /// of 1000 integrations is about 3.5 MB).
    static let gatherLimit = 8 << 20

    /// Every row of one UTC day of a detached table, copied (not deleted) into a new member of
    /// the day's file; the member is complete on disk, not yet recorded. The day is read in one
    /// COPY, or three hours at a time (in time order, into the same member) while the job yields
    /// to other sessions: nothing writes to a detached table, so the reads agree.
    func copyDay(of table: LogStorageTable, from dayStart: Int64, into file: ArchiveDayFile) throws -> MemberCompressor.Result {
        let compressor = try file.startMember(level: options.compressionLevel)
        let dayEnd = dayStart + CalendarDay.dayMs
        func sql(_ slice: Range<Int64>) -> String {
            """
            COPY (SELECT \(ArchiveFormat.selectList(schema)) FROM ONLY \(table.qualified)
            WHERE \(checkedAt) >= \(timestampLiteral(slice.lowerBound)) AND \(checkedAt) < \(timestampLiteral(slice.upperBound))
            ORDER BY \(checkedAt), \(quoteIdentifier("id"))) TO STDOUT WITH (FORMAT csv)
            """
        }
        do {
            var rows = 0
            try run.governor.readInSlices(dayStart..<dayEnd, unit: { read in
                try databaseStep("archiving \(table.qualified)") { try run.transaction(on: connection, settings: ArchiveFormat.isoDateStyle, read) }
            }) { slice in
                rows += try copyOut(sql(slice), into: compressor)
            }
            let result = try compressor.finish()
            guard rows == result.statistics.rows else {
                throw ArchiveError.damaged(path: file.dataPath, member: file.manifest.members.count, problem: "the server sent \(rows) rows but \(result.statistics.rows) were archived")
            }
            return result
        } catch {
            let compressed = Result { try compressor.finish() }
            file.discardUnrecorded()
            // A stopped compressor's own error says why (a full disk).
            if error is CompressorStopped, case let .failure(reason) = compressed { throw reason }
            throw error
        }
    }

    /// One batch without archive (`--no-archive`).
    private func deleteBatch(of table: LogStorageTable, from lower: Int64, to end: Int64, limit: Int) throws -> (rows: Int, last: Int64?) {
        try databaseStep("deleting a batch of rows") {
            let row = try run.transaction(on: connection) {
                try connection.query(
                    """
                    WITH deleted AS (DELETE FROM ONLY \(table.qualified) WHERE \(batchCondition(table, from: lower, to: end, limit: limit)) RETURNING \(checkedAt))
                    SELECT count(*), max(\(HealthSchema.epochMillisecondsSQL(checkedAt))) FROM deleted
                    """
                ).first
            }
            return (row?.int(0) ?? 0, row?.int64(1))
        }
    }
}

/// The compressor failed (disk full, unwritable file); its own error says why.
private struct CompressorStopped: Error {}
