import Foundation
import Logging
import PostgresClient
import Synchronization

/// Keeps a job out of the application's way: at full speed while no other session uses the
/// server, and while one does, one unit of work at a time with rests between them, so the job
/// works `database.busy_share` of the time (`LoadPacer` decides; this adds the clock, the probe
/// and the sleeping).
///
/// Another session counts as busy when it is running a statement or inside a transaction, or
/// was within the last second (`pg_stat_activity`, every database of the server; walsenders,
/// autovacuum and healthctl's own sessions left out). Sessions of roles whose activity healthctl
/// may not see (without `pg_read_all_stats`) count as busy.
public final class LoadGovernor: Sendable {
    public let share: Double
    private let pacer: Mutex<LoadPacer>
    private let stop: StopRequest
    private let logger: Logger
    private let origin = ContinuousClock.now
    /// Nanoseconds during which the job rested: some worker waited while no unit was at work
    /// (counted once however many workers waited), and since when the workers resting now began.
    private let rests = Mutex<(total: Int64, resting: Int, since: Int64)>((0, 0, 0))
    private let started = Atomic<Int>(0)
    private let toldAboutHidden = Atomic<Bool>(false)

    /// - Parameter share: the share of the time the job may work while others are busy; 1 never
    ///   backs off.
    public init(share: Double, stop: StopRequest, logger: Logger) {
        self.share = share
        pacer = Mutex(LoadPacer(share: share))
        self.stop = stop
        self.logger = logger
    }

    /// While yielding, a job reads a day of log rows this much at a time.
    private static let yieldingSliceMs: Int64 = 3 * 3_600_000

    /// Where the next read of a time range starting at `from` ends: at `end` while the server is
    /// quiet, at most `yieldingSliceMs` later while the job yields. Asked inside the read's unit,
    /// once the governor has looked at the server.
    private func sliceEnd(from: Int64, end: Int64) -> Int64 {
        isYielding ? min(from + Self.yieldingSliceMs, end) : end
    }

    /// Reads `range` in slices that end at `sliceEnd`: `unit` runs each read as one unit of the
    /// caller's kind (a governed read, a batch transaction), and `read` gets the slice.
    func readInSlices(_ range: Range<Int64>, unit: (_ read: () throws -> Void) throws -> Void, _ read: (Range<Int64>) throws -> Void) throws {
        var from = range.lowerBound
        // `unit` runs each read before it returns; nothing keeps `read`.
        try withoutActuallyEscaping(read) { read in
            while from < range.upperBound {
                try unit {
                    let until = sliceEnd(from: from, end: range.upperBound)
                    try read(from..<until)
                    from = until
                }
            }
        }
    }

    /// A governor that never backs off, for callers that pace themselves.
    public static func fullSpeed() -> LoadGovernor {
        LoadGovernor(share: 1, stop: StopRequest(), logger: Logger(label: "healthctl.governor"))
    }

    /// Whether the job is yielding to other sessions now.
    public var isYielding: Bool { pacer.withLock { $0.isYielding } }

    /// Units of work started so far.
    var unitsStarted: Int { started.load(ordering: .relaxed) }

    /// Seconds the job rested while others were busy, to the millisecond.
    public var restedSeconds: Double {
        let total = rests.withLock { $0.total }
        return (Double(total) / 1e6).rounded() / 1000
    }

    /// What a job's text summary says about its rests, or nil below 0.05 s (which would read 0.0 s).
    public static func restedNote(seconds: Double) -> String? {
        seconds >= 0.05 ? String(format: "rested %.1f s while other sessions used the server", seconds) : nil
    }

    /// Runs one unit of work (a batch, a day) on `connection` once the pacing lets it start.
    /// The probe runs on `connection` too, in a savepoint when a transaction is open.
    public func unit<T>(on connection: PostgresConnection, _ body: () throws -> T) throws -> T {
        admit(on: connection)
        self.started.add(1, ordering: .relaxed)
        let started = now
        defer { pacer.withLock { $0.finished(started: started, at: now) } }
        return try body()
    }

    private var now: Int64 {
        let elapsed = ContinuousClock.now - origin
        return elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
    }

    private func admit(on connection: PostgresConnection) {
        while true {
            let (step, idle) = pacer.withLock { pacer in (pacer.next(at: now), pacer.isIdle) }
            switch step {
            case .work:
                return
            case .probe:
                let wasYielding = pacer.withLock { $0.isYielding }
                do throws(PostgresError) {
                    let activity = try Self.probe(connection)
                    if activity.hidden > 0, !toldAboutHidden.exchange(true, ordering: .relaxed) {
                        logger.notice(
                            "\(activity.hidden) sessions of other roles are hidden from healthctl; it backs off as though they were busy (GRANT pg_read_all_stats lets it see them)")
                    }
                    pacer.withLock { $0.probed(busySessions: activity.busy.count + activity.hidden, at: now) }
                } catch {
                    logger.debug("could not look at the other sessions: \(error.message)")
                    pacer.withLock { $0.probeFailed(at: now) }
                }
                let isYielding = pacer.withLock { $0.isYielding }
                if isYielding != wasYielding {
                    logger.info(
                        isYielding
                            ? "other sessions are using the server: working \(Int((share * 100).rounded())) % of the time, one batch at a time"
                            : "the server is quiet: full speed")
                }
            case let .wait(until):
                guard !stop.isRequested else {
                    pacer.withLock { $0.startWithoutWaiting() }
                    return
                }
                let milliseconds = max((until - now) / 1_000_000, 1)
                if idle { startedResting() }
                stop.sleep(milliseconds: milliseconds)
                if idle { stoppedResting() }
            }
        }
    }

    private func startedResting() {
        let at = now
        rests.withLock { rests in
            if rests.resting == 0 { rests.since = at }
            rests.resting += 1
        }
    }

    private func stoppedResting() {
        let at = now
        rests.withLock { rests in
            rests.resting -= 1
            if rests.resting == 0 { rests.total += at - rests.since }
        }
    }

    /// What the governor sees of the other sessions.
    struct Activity: Equatable {
        /// The server processes of the sessions running a statement or in a transaction, or that
        /// were within the last second.
        var busy: [Int32]
        /// Client sessions of other roles whose state healthctl may not read.
        var hidden: Int
    }

    /// `pg_stat_activity` is read once per transaction: inside one, the snapshot is dropped first
    /// and the probe runs in a savepoint, so a failed probe leaves the transaction usable.
    static func probe(_ connection: PostgresConnection) throws(PostgresError) -> Activity {
        let inTransaction = connection.inTransaction
        if inTransaction { try connection.query("SAVEPOINT healthctl_probe") }
        do {
            try connection.query("SELECT pg_stat_clear_snapshot()")
            let row = try connection.query(probeSQL, [OwnSessions.backendPIDs.map(String.init)]).first
            if inTransaction { try connection.query("RELEASE SAVEPOINT healthctl_probe") }
            let busy = (row?[0] ?? "").split(separator: ",").compactMap { Int32($0) }
            return Activity(busy: busy, hidden: row?.int(1) ?? 0)
        } catch {
            if inTransaction { _ = try? connection.query("ROLLBACK TO SAVEPOINT healthctl_probe") }
            throw error
        }
    }

    static let probeSQL = """
        SELECT coalesce(string_agg(pid::text, ',') FILTER (WHERE state IS NOT NULL
                          AND (state <> 'idle' OR state_change > clock_timestamp() - interval '1 second')), ''),
               count(*) FILTER (WHERE state IS NULL)
        FROM pg_stat_activity
        WHERE pid <> pg_backend_pid() AND pid <> ALL ($1::int4[]) AND usesysid IS NOT NULL
          AND (backend_type = 'client backend' OR backend_type IS NULL)
          AND coalesce(application_name, '') NOT LIKE 'healthctl%'
        """
}

/// The server processes of this process's connections, so the governor does not take healthctl's
/// own sessions for the application's.
enum OwnSessions {
    private static let pids = Mutex<Set<Int32>>([])

    static func add(_ pid: Int32) {
        pids.withLock { _ = $0.insert(pid) }
    }

    static var backendPIDs: [Int32] { pids.withLock { Array($0) } }
}
