import PostgresClient

/// A session-level PostgreSQL advisory lock that keeps two runs of the same job off one database.
///
/// Prune and restore share one lock (both move rows between the table and the archive);
/// backfill has its own. The lock lives as long as the connection, so a killed run never leaves it held.
public enum AdvisoryLock {
    public enum Job: String, Sendable {
        /// `prune` and `archive restore`.
        case retention
        case backfill
        case rollup

        /// The key passed to `pg_try_advisory_lock`, derived from a fixed name.
        var keySQL: String { "hashtext('healthctl:\(rawValue)')" }
    }

    /// Takes the lock or throws `LockHeldError` (exit 75) at once, naming the holder when visible.
    public static func acquire(_ job: Job, on connection: PostgresConnection) throws {
        let acquired = try databaseStep("taking the \(job.rawValue) lock") {
            try connection.query("SELECT pg_try_advisory_lock(\(job.keySQL))").first?.bool(0) ?? false
        }
        guard !acquired else { return }
        // Advisory locks are per database: a run on another database of the server holds a lock
        // of its own with the same key.
        let holder = try? connection.query(
            """
            SELECT a.pid, a.application_name, to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.classid = ((\(job.keySQL)::bigint >> 32) & 4294967295)::oid
              AND l.objid = (\(job.keySQL)::bigint & 4294967295)::oid
            LIMIT 1
            """
        ).first
        throw LockHeldError(
            job: job, holderPID: holder?.int(0), holderApplication: holder?.string(1), holderSince: holder?.string(2))
    }

    /// Releases the lock early; closing the connection releases it too.
    public static func release(_ job: Job, on connection: PostgresConnection) {
        _ = try? connection.query("SELECT pg_advisory_unlock(\(job.keySQL))")
    }
}

/// Another run holds the job's lock.
public struct LockHeldError: CategorizedError, Sendable {
    public var job: AdvisoryLock.Job
    public var holderPID: Int?
    public var holderApplication: String?
    public var holderSince: String?

    public var category: FailureCategory { .temporary }

    public var description: String {
        let what = job == .retention ? "prune or archive restore" : "backfill"
        var text = "another \(what) run holds the lock on this database"
        if let holderPID {
            text += " (server pid \(holderPID)"
            if let holderApplication, !holderApplication.isEmpty { text += ", \(holderApplication)" }
            if let holderSince { text += ", connected since \(holderSince)" }
            text += ")"
        }
        return text + "; try again when it has finished"
    }
}
