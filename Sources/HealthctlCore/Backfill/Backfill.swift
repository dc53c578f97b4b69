import Foundation
import Logging
import PostgresClient

public struct BackfillOptions: Sendable {
    /// `--max-age`; nil: evidence of any age counts.
    public var maxAge: TimeSpan?
    public var tokenRules: Bool
    public var dryRun = false
    public var batchSize: Int
    public var pacing: BatchPacing
    /// Ids to list per table line (`--verbose`); 0 lists none.
    public var sampleSize = 0
    /// UNKNOWN integrations read (and their evidence looked up) at a time, bounding memory.
    public var roundSize = 200_000

    /// The given settings (the built-in ones by default).
    public init(settings: Settings.Backfill = Settings.Backfill()) {
        maxAge = settings.maxAge.value
        tokenRules = settings.tokenRules.value
        batchSize = settings.batchSize.value
        pacing = settings.pacing.batchPacing
    }
}

/// The flags of `backfill`, as given (nil when not given).
public struct BackfillFlags: Sendable {
    public var maxAge: String?
    public var batchSize: String?
    public var noTokenRules = false
    public var dryRun = false
    public var verbose = false
    public var pacing = PacingFlags()

    public init() {}
}

extension Settings {
    /// `backfill`'s options: flags over the settings file over the defaults.
    public func backfillOptions(_ flags: BackfillFlags) throws(UsageError) -> BackfillOptions {
        var backfill = self.backfill
        try backfill.maxAge.apply(flag: flags.maxAge, "--max-age")
        try backfill.batchSize.apply(flag: flags.batchSize, "--batch-size")
        if flags.noTokenRules { backfill.tokenRules.set(false, from: .flag) }
        var options = BackfillOptions(settings: backfill)
        options.pacing = try backfill.pacing.applying(flags.pacing)
        options.dryRun = flags.dryRun
        options.sampleSize = flags.verbose ? 10 : 0
        return options
    }
}

/// `healthctl backfill`: gives every still-`UNKNOWN` integration the status its evidence supports.
///
/// Reads first, writes briefly: the candidates and their latest log rows are read outside any
/// transaction; each batch is then one short transaction that locks only the rows it changes
/// (`FOR UPDATE SKIP LOCKED`, so rows the application holds are left for the next run) and
/// re-checks in the UPDATE that the row is still `UNKNOWN` with the `lastHealthCheck` that was read,
/// so a write by the application in the meantime always wins. It never inserts log rows.
public struct Backfill {
    let target: ConnectionTarget
    let options: BackfillOptions
    let stop: StopRequest
    let progress: ProgressHandler?
    let logger: Logger

    public init(
        target: ConnectionTarget, options: BackfillOptions, stop: StopRequest = StopRequest(), progress: ProgressHandler? = nil,
        logger: Logger = Logger(label: "healthctl.backfill")
    ) {
        self.target = target
        self.options = options
        self.stop = stop
        self.progress = progress
        self.logger = logger
    }

    /// Starts over after a lost connection (`ConnectionRetry.jobs`): only rows still UNKNOWN change.
    public func run() throws -> BackfillSummary {
        try ConnectionRetry.jobs.run("backfill", logger: logger, stop: stop) { attempt in
            // A dry run only reads, so it may run on a standby.
            let connection = try options.dryRun ? target.connect() : target.connectToPrimary(for: "backfill")
            let schema = try SchemaInspector.inspect(connection, schema: target.schema)
            var summary = try BackfillJob(connection: connection, schema: schema, options: options, logger: logger)
                .run(BatchRun(pacing: options.pacing, stop: stop, governor: target.governor(stop: stop, logger: logger)), progress: progress)
            summary.attempts = attempt
            return summary
        }
    }

    /// Batch transactions are kept under this lock-holding time, even on a busy server.
    static let targetTransactionMilliseconds = 100.0

    /// A transaction slower than the target makes the next batches proportionally smaller (down to
    /// 100 rows); fast ones let them grow back to `--batch-size`.
    static func nextBatchSize(after milliseconds: Double, current: Int, limit: Int) -> Int {
        let target = targetTransactionMilliseconds
        if milliseconds > target {
            return max(min(limit, 100), Int(Double(current) * target / milliseconds))
        }
        return milliseconds < target / 2 ? min(limit, current * 2) : current
    }
}

/// One backfill on its connection.
private struct BackfillJob {
    let connection: PostgresConnection
    let schema: HealthSchema
    let options: BackfillOptions
    let logger: Logger
    var sql: BackfillSQL { BackfillSQL(schema: schema) }

    /// Batches commit without waiting for the disk; at the end the run waits until the server has
    /// flushed its WAL past the last of them (the WAL writer does within three `wal_writer_delay`s),
    /// so what the summary counts survives a server crash (a crash before then ends the session,
    /// and the run starts over). A synchronous commit would not do: one that writes nothing but its
    /// commit record is made asynchronous by the server.
    private func waitUntilDurable() throws {
        try databaseStep("waiting for the updates to reach disk") {
            let written = try connection.query("SELECT pg_current_wal_insert_lsn()::text").first?.string(0) ?? "0/0"
            for _ in 0..<200 {
                if try connection.query("SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn", [written]).first?.bool(0) == true { return }
                Thread.sleep(forTimeInterval: 0.025)
            }
            logger.warning("the server has not flushed its WAL after 5 s; the last updates may not survive a crash")
        }
    }

    func run(_ run: BatchRun, progress: ProgressHandler?) throws -> BackfillSummary {
        // A dry run changes nothing, so it does not keep a real run (a nightly job) from starting.
        if !options.dryRun { try AdvisoryLock.acquire(.backfill, on: connection) }
        defer { if !options.dryRun { AdvisoryLock.release(.backfill, on: connection) } }

        let nowMicros = try databaseStep("reading the server clock") {
            try connection.query("SELECT \(BackfillSQL.epochMicrosecondsSQL("now()"))").first?.int64(0) ?? 0
        }
        let cutoffMicros = options.maxAge.map { nowMicros - $0.milliseconds * 1000 }
        let ruleOptions = BackfillRuleOptions(maxAgeCutoffMicros: cutoffMicros, tokenRules: options.tokenRules)
        let finder = EvidenceFinder(connection: connection, sql: sql, cutoffMilliseconds: cutoffMicros.map { $0 / 1000 }, logger: logger)
        let total = try databaseStep("counting UNKNOWN integrations") {
            try connection.query("SELECT count(*) FROM \(schema.integrationTable) WHERE \"healthStatus\" = 'UNKNOWN'").first?.int(0) ?? 0
        }
        progress?(JobProgress(done: 0, total: total, unit: "integrations"))

        var tally = BackfillTally(sampleSize: options.sampleSize)
        var summary = BackfillSummary(
            dryRun: options.dryRun, maxAge: options.maxAge?.text, tokenRules: options.tokenRules, examined: 0, transitions: [],
            updated: 0, skippedLocked: 0, skippedChanged: 0, batches: BackfillTransactionStats(),
            evidence: BackfillEvidenceStats(), durationSeconds: 0, stoppedBy: nil)
        var lastId: String?
        var batchSize = options.batchSize
        var wrotePreviousBatch = false
        rounds: while true {
            let candidates = try databaseStep("reading UNKNOWN integrations") { try readCandidates(after: lastId) }
            guard let last = candidates.last else { break }
            lastId = last.id
            let evidence = try databaseStep("finding the latest log rows") {
                try finder.find(candidates.map(\.id), stats: &summary.evidence)
            }
            logger.debug("evidence looked up", metadata: ["integrations": "\(candidates.count)", "windows": "\(summary.evidence.windows)"])
            var start = 0
            while start < candidates.count {
                if wrotePreviousBatch { run.pause() }
                if let reason = run.stopReason() {
                    summary.stoppedBy = reason
                    break rounds
                }
                let batch = candidates[start..<min(start + run.batchRows(batchSize), candidates.count)]
                start += batch.count
                let decisions = batch.map { candidate in
                    (candidate, BackfillRules.decide(candidate, evidence: evidence[candidate.id] ?? .noLogs, options: ruleOptions))
                }
                let writes = decisions.filter { $0.1.changesRow }
                var written = Set<String>()
                wrotePreviousBatch = !options.dryRun && !writes.isEmpty
                if wrotePreviousBatch {
                    let outcome = try databaseStep("updating batch \(summary.batches.count + 1)") { try apply(writes, run) }
                    summary.batches.record(milliseconds: outcome.milliseconds)
                    batchSize = Backfill.nextBatchSize(after: outcome.milliseconds, current: batchSize, limit: options.batchSize)
                    written = outcome.updatedIds
                    summary.updated += written.count
                    summary.skippedLocked += outcome.stillUnknown - written.count
                    summary.skippedChanged += writes.count - outcome.stillUnknown
                }
                for (candidate, decision) in decisions where options.dryRun || !decision.changesRow || written.contains(candidate.id) {
                    tally.record(decision, id: candidate.id)
                }
                summary.examined += batch.count
                progress?(JobProgress(done: summary.examined, total: max(total, summary.examined), unit: "integrations"))
            }
            if candidates.count < options.roundSize { break }
        }
        if !options.dryRun, summary.updated > 0 { try waitUntilDurable() }
        summary.transitions = tally.transitions
        summary.durationSeconds = run.elapsedSeconds
        summary.restedSeconds = run.governor.restedSeconds
        return summary
    }

    /// The next UNKNOWN integrations in id order, with the token facts the rules need.
    private func readCandidates(after lastId: String?) throws -> [BackfillCandidate] {
        let isActive = schema.hasIsActive ? "i.\"isActive\"" : "NULL::bool"
        let tokenExpired = schema.hasTokenExpiry ? "i.\"tokenExpiry\" < now()" : "NULL::bool"
        let hasRefreshToken = TokenKnowledge.factsSQL(schema, alias: "i").hasRefreshToken
        var parameters: [any PostgresParameter] = [options.roundSize]
        var keyset = ""
        if let lastId {
            parameters.append(lastId)
            keyset = "AND i.id > $2::\(sql.idType)"
        }
        let result = try connection.query(
            """
            SELECT i.id::text, \(BackfillSQL.epochMicrosecondsSQL("i.\"lastHealthCheck\"")), i."lastHealthCheck"::text,
                   \(isActive), \(tokenExpired), \(hasRefreshToken)
            FROM \(schema.integrationTable) i
            WHERE i."healthStatus" = 'UNKNOWN' \(keyset)
            ORDER BY i.id
            LIMIT $1
            """, parameters)
        return result.rows.compactMap { row in
            guard let id = row[0] else { return nil }
            return BackfillCandidate(
                id: id, lastHealthCheckMicros: row.int64(1), lastHealthCheckText: row[2], isActive: row.bool(3),
                tokenExpired: row.bool(4), hasRefreshToken: row.bool(5))
        }
    }

    private struct BatchOutcome {
        var updatedIds: Set<String>
        /// Planned rows still UNKNOWN with the `lastHealthCheck` read, in the UPDATE's snapshot.
        var stillUnknown: Int
        var milliseconds: Double
    }

    /// One short transaction: lock the planned rows that are still as read (skipping rows another
    /// transaction holds), update them, commit.
    private func apply(_ writes: [(BackfillCandidate, BackfillDecision)], _ run: BatchRun) throws -> BatchOutcome {
        let table = schema.integrationTable
        // The id range of the batch keeps every join on the primary key (a hash join would scan the table).
        let unchanged = """
            i.id BETWEEN $5::\(sql.idType) AND $6::\(sql.idType)
            AND i."healthStatus" = 'UNKNOWN' AND i."lastHealthCheck" IS NOT DISTINCT FROM p.seen::\(sql.lastHealthCheckType)
            """
        let statement = """
            WITH planned AS (
                SELECT * FROM unnest($1::\(sql.idArrayType), $2::text[], $3::text[], $4::text[]) AS p(id, status, checked, seen)
            ), claimed AS (
                SELECT i.id FROM \(table) i JOIN planned p ON p.id = i.id
                WHERE \(unchanged)
                ORDER BY i.id
                FOR UPDATE OF i SKIP LOCKED
            ), updated AS (
                UPDATE \(table) i
                SET "healthStatus" = p.status::\(sql.statusType),
                    "lastHealthCheck" = coalesce(p.checked::\(sql.lastHealthCheckType), i."lastHealthCheck")
                FROM planned p JOIN claimed c ON c.id = p.id
                WHERE i.id = p.id AND \(unchanged)
                RETURNING i.id
            )
            SELECT u.id::text, NULL::int8 FROM updated u
            UNION ALL
            SELECT NULL, count(*) FROM planned p JOIN \(table) i ON i.id = p.id WHERE \(unchanged)
            """
        let parameters: [any PostgresParameter] = [
            writes.map(\.0.id),
            writes.map(\.1.status.rawValue),
            writes.map(\.1.lastHealthCheckText),
            writes.map(\.0.lastHealthCheckText),
            writes.first?.0.id ?? "", writes.last?.0.id ?? "",
        ]
        // Row locks are taken by the statement and held until COMMIT: that is the time measured.
        var began: UInt64 = 0
        // Without waiting for the commit to reach disk (`waitUntilDurable` does, once, at the end).
        let result = try run.transaction(on: connection, settings: ["synchronous_commit": "off"]) {
            began = DispatchTime.now().uptimeNanoseconds
            return try connection.query(statement, parameters)
        }
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - began) / 1_000_000
        var outcome = BatchOutcome(updatedIds: [], stillUnknown: 0, milliseconds: milliseconds)
        for row in result.rows {
            if let id = row[0] { outcome.updatedIds.insert(id) } else { outcome.stillUnknown = row.int(1) ?? 0 }
        }
        return outcome
    }
}
