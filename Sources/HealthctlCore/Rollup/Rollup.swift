import Foundation
import Logging
import PostgresClient
import Synchronization

/// The flags of `rollup`, as given (nil when not given).
public struct RollupFlags: Sendable {
    public var since: String?
    public var until: String?
    public var dryRun = false

    public init() {}
}

public struct RollupOptions: Sendable {
    /// First day to look at; nil: the first day with log rows.
    public var since: CalendarDay?
    /// The day after the last one to look at; never later than today (only complete days roll up).
    public var until: CalendarDay?
    public var maxGap: ReportSettings.MaxGap
    /// `rollup.schema`; nil: derived from the application's schema (`RollupStore(setting:applicationSchema:)`).
    public var schemaSetting: String?
    public var jobs: Int
    public var dryRun = false

    public init(maxGap: ReportSettings.MaxGap = .auto, schemaSetting: String? = nil, jobs: Int = 2) {
        self.maxGap = maxGap
        self.schemaSetting = schemaSetting
        self.jobs = jobs
    }
}

extension Settings {
    /// `rollup`'s options: the report's max gap (a rollup serves reports with that setting), the
    /// rollup schema, and the range flags.
    public func rollupOptions(_ flags: RollupFlags) throws -> RollupOptions {
        var options = RollupOptions(maxGap: report.maxGap.value, schemaSetting: rollup.schema.value, jobs: rollup.jobs.value)
        func day(_ text: String?, _ flag: String) throws -> CalendarDay? {
            guard let text else { return nil }
            guard let day = CalendarDay(text: text) else { throw UsageError("\(flag) \"\(text)\" is not a UTC day (YYYY-MM-DD)") }
            return day
        }
        options.since = try day(flags.since, "--since")
        options.until = try day(flags.until, "--until")
        if let since = options.since, let until = options.until, since >= until {
            throw RollupError.emptyRange(since: since.text, until: until.text)
        }
        options.dryRun = flags.dryRun
        return options
    }
}

/// What a rollup run did.
public struct RollupSummary: Sendable, Encodable {
    public struct Day: Sendable, Encodable {
        public var day: String
        public var rows: Int64
        public var integrations: Int
        /// `missing`, `stale` (rows arrived after the last roll-up) or `settings` (another max gap).
        public var reason: String
    }

    public var schema: String
    public var since: String?
    public var until: String
    public var dryRun: Bool
    /// Days rolled up (or, with `--dry-run`, that would be).
    public var rolledUp: [Day] = []
    /// Complete months merged into month rollups (`2026-10`), or that would be with `--dry-run`.
    public var monthsMerged: [String] = []
    /// Days whose rollup matched their rows.
    public var current = 0
    /// Days with fewer rows than their rollup (pruned): kept as they are.
    public var pruned = 0
    /// Why the run stopped early, if it did.
    public var stoppedBecause: String?
    /// More than 1 when the run started over after a lost connection; the figures are the last attempt's.
    public var attempts = 1
    public var seconds: Double = 0
    /// Seconds the job rested, yielding while other sessions used the server (`database.busy_share`).
    public var restedSeconds = 0.0

    public func renderText() -> String {
        var lines: [String] = []
        let verb = dryRun ? "would roll up" : "rolled up"
        let rows = rolledUp.reduce(Int64(0)) { $0 + $1.rows }
        lines.append("\(verb) \(rolledUp.count) day\(rolledUp.count == 1 ? "" : "s") (\(rows) log rows) into schema \"\(schema)\"; \(current) already current, \(pruned) pruned (kept)")
        for day in rolledUp.prefix(40) {
            lines.append("  \(day.day)  \(day.rows) rows, \(day.integrations) integrations (\(day.reason))")
        }
        if rolledUp.count > 40 { lines.append("  ... and \(rolledUp.count - 40) more") }
        if let first = monthsMerged.first, let last = monthsMerged.last {
            let months = first == last ? first : "\(first) to \(last)"
            lines.append("\(dryRun ? "would merge" : "merged") \(monthsMerged.count) month\(monthsMerged.count == 1 ? "" : "s") into month rollups (\(months))")
        }
        if let stoppedBecause { lines.append("stopped early: \(stoppedBecause); run again to finish") }
        if let note = LoadGovernor.restedNote(seconds: restedSeconds) { lines.append(note) }
        if let note = ConnectionRetry.startedOverNote(attempts: attempts) { lines.append(note) }
        return lines.joined(separator: "\n")
    }
}

/// `healthctl rollup`: rolls every complete UTC day up into one `DayPiece` per integration, so a
/// report still has the day once its log rows are pruned.
///
/// A day is rolled up when it has no rollup, when its rows outnumber its rollup (late inserts,
/// a restore after a partial prune) or when the rollup was made with another max gap. Each day is
/// read and written in one REPEATABLE READ transaction, so its row count and its pieces come from
/// the same snapshot; reruns replace a day's rows, never add to them.
public enum Rollup {
    public static func run(
        target: ConnectionTarget, options: RollupOptions, stop: StopRequest = StopRequest(), progress: ProgressHandler? = nil,
        logger: Logger = Logger(label: "healthctl.rollup")
    ) throws -> RollupSummary {
        // Starts over after a lost connection: only days without a current rollup are redone.
        try ConnectionRetry.jobs.run("rollup", logger: logger, stop: stop) { attempt in
            var summary = try runOnce(target: target, options: options, stop: stop, progress: progress, logger: logger)
            summary.attempts = attempt
            return summary
        }
    }

    private static func runOnce(
        target: ConnectionTarget, options: RollupOptions, stop: StopRequest, progress: ProgressHandler?, logger: Logger
    ) throws -> RollupSummary {
        let started = ContinuousClock.now
        let main = try target.connectToPrimary(for: "rollup")
        let schema = try SchemaInspector.inspect(main, schema: target.schema)
        let store = RollupStore(setting: options.schemaSetting, applicationSchema: target.schema)
        let governor = target.governor(stop: stop, logger: logger)
        if !options.dryRun {
            try store.create(on: main)
            try AdvisoryLock.acquire(.rollup, on: main)
        }
        let today = CalendarDay(containing: Int64(Date().timeIntervalSince1970 * 1000))
        let until = min(options.until ?? today, today)
        var summary = RollupSummary(schema: store.schema, since: options.since?.text, until: until.text, dryRun: options.dryRun)
        guard let since = try options.since ?? LogStorage.checkedAtRange(main, schema: schema).map({ CalendarDay(containing: $0.oldest) }),
            since < until
        else {
            // No day to roll up (every row pruned, say): months may still need merging.
            if !options.dryRun {
                summary.monthsMerged = try mergeMonths(on: main, store: store, before: until, maxGap: options.maxGap, governor: governor, stop: stop)
                summary.restedSeconds = governor.restedSeconds
            }
            summary.seconds = (ContinuousClock.now - started).seconds
            return summary
        }
        summary.since = since.text
        var days: [CalendarDay] = []
        var day = since
        while day < until {
            days.append(day)
            day = day.adding(days: 1)
        }
        let raw = try RollupStore.rawRows(on: main, schema: schema, days: days)
        let rolled = try store.exists(on: main) ? try store.days(on: main, in: since..<until) : [:]
        var work: [(day: CalendarDay, reason: String)] = []
        for day in days {
            let rows = raw[day] ?? 0
            switch RollupFreshness(rawRows: rows, rollup: rolled[day]) {
            case .missing: work.append((day, "missing"))
            case .stale: work.append((day, "stale"))
            case .pruned: summary.pruned += 1
            case .current:
                if rolled[day]?.serves(options.maxGap) == true { summary.current += 1 } else { work.append((day, "settings")) }
            }
        }
        if options.dryRun {
            summary.rolledUp = work.map { .init(day: $0.day.text, rows: raw[$0.day] ?? 0, integrations: 0, reason: $0.reason) }
            if try store.exists(on: main) {
                summary.monthsMerged = try store.monthsToMerge(on: main, before: until, maxGap: options.maxGap).map { $0.monthText }
            }
            summary.seconds = (ContinuousClock.now - started).seconds
            return summary
        }
        let ids = try databaseStep("reading the integrations") {
            try main.query("SELECT \"id\"::text FROM \(schema.integrationTable) ORDER BY 1").rows.compactMap { $0[0] }
        }
        let reader = DayPieceReader(
            schema: schema, index: IntegrationIndex(ids: ids), selection: ReportSelection(), maxGap: options.maxGap, governor: governor)
        let queue = DayQueue(work.map(\.day))
        let reasons = work.map(\.reason)
        let total = work.count
        let results = BlockingWorkers.run(min(max(options.jobs, 1), max(work.count, 1))) { _ -> Result<[RollupSummary.Day], any Error> in
            Result {
                let connection = try target.connect()
                var done: [RollupSummary.Day] = []
                while !stop.isRequested, let (position, day) = queue.next() {
                    if let entry = try rollUp(day, on: connection, schema: schema, store: store, reader: reader, ids: ids, maxGap: options.maxGap) {
                        done.append(RollupSummary.Day(day: day.text, rows: entry.rows, integrations: entry.integrations, reason: reasons[position]))
                    }
                    progress?(JobProgress(done: queue.taken, total: total, unit: "days"))
                }
                return done
            }
        }
        for result in results { summary.rolledUp += try result.get() }
        summary.rolledUp.sort { $0.day < $1.day }
        if !stop.isRequested {
            summary.monthsMerged = try mergeMonths(on: main, store: store, before: until, maxGap: options.maxGap, governor: governor, stop: stop)
        }
        summary.stoppedBecause = stop.stopReason
        summary.seconds = (ContinuousClock.now - started).seconds
        summary.restedSeconds = governor.restedSeconds
        logger.info("rolled up \(summary.rolledUp.count) days in \(summary.seconds) s")
        return summary
    }

    /// Merges every complete month whose month rollup is missing or out of date (its days were
    /// rolled up since), one month per transaction and governor unit; returns them as `2026-10`.
    private static func mergeMonths(
        on connection: PostgresConnection, store: RollupStore, before until: CalendarDay, maxGap: ReportSettings.MaxGap, governor: LoadGovernor,
        stop: StopRequest
    ) throws -> [String] {
        var merged: [String] = []
        for month in try store.monthsToMerge(on: connection, before: until, maxGap: maxGap) where !stop.isRequested {
            let integrations = try governor.unit(on: connection) {
                try connection.transaction(.repeatableReadWrite) {
                    try connection.set("lock_timeout", "5s", local: true)
                    return try store.mergeMonth(on: connection, month: month, maxGap: maxGap)
                }
            }
            if integrations != nil { merged.append(month.monthText) }
        }
        return merged
    }

    /// Rolls up one day; nil when its rows were pruned meanwhile (the rollup it has is kept).
    private static func rollUp(
        _ day: CalendarDay, on connection: PostgresConnection, schema: HealthSchema, store: RollupStore, reader: DayPieceReader,
        ids: [String], maxGap: ReportSettings.MaxGap
    ) throws -> (rows: Int64, integrations: Int)? {
        try databaseStep("rolling up \(day.text)") {
            try connection.transaction(.repeatableReadWrite) {
                try connection.set("lock_timeout", "5s", local: true)
                // Counting the day, reading it and storing its pieces are units of the governor each.
                let rows = try reader.governor.unit(on: connection) { try RollupStore.rawRows(on: connection, schema: schema, days: [day])[day] ?? 0 }
                let existing = try store.days(on: connection, in: day..<day.adding(days: 1))[day]
                if RollupFreshness(rawRows: rows, rollup: existing) == .pruned { return nil }
                let (pieces, _) = try reader.pieces(on: connection, day: day, counted: day.startMs..<(day.startMs + CalendarDay.dayMs))
                let keyed = pieces.enumerated().compactMap { position, piece in piece.map { (id: ids[position], piece: $0) } }
                try reader.governor.unit(on: connection) { try store.replace(on: connection, day: day, rows: rows, maxGap: maxGap, pieces: keyed) }
                return (rows, keyed.count)
            }
        }
    }
}

/// Days handed out one at a time to several workers.
final class DayQueue: Sendable {
    private let days: [CalendarDay]
    private let position = Mutex(0)

    init(_ days: [CalendarDay]) {
        self.days = days
    }

    /// The next day and its index in the list; nil when all were taken.
    func next() -> (Int, CalendarDay)? {
        position.withLock { next in
            guard next < days.count else { return nil }
            defer { next += 1 }
            return (next, days[next])
        }
    }

    var taken: Int { position.withLock { min($0, days.count) } }
}
