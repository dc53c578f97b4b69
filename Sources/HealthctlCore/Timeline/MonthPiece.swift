/// One integration's day pieces of a calendar month merged into one: what a month rollup stores,
/// so a long report merges twelve pieces a year instead of 365. Beside the merged piece it keeps
/// each day's counts, latency summaries and max gap, for a report's daily series.
///
/// The merge settles every check's hold inside the month (an incident crossing an inner midnight
/// is joined) and leaves the month's last check pending, as a day piece leaves its day's. Added to
/// a `WindowTimeline` it gives the timeline its days would give.
///
/// One check cannot be settled inside the month: the first, when its day has only that check
/// under `auto`. Such a day takes its max gap from the check before it, which may be in the
/// previous month, or outside the report's look-back. That day stays a piece of its own
/// (`head`), merged by the report like any day; the days after it are merged into `body`.
public struct MonthPiece: Sendable, Equatable {
    public var month: CalendarDay
    /// The first day with checks, when its max gap depends on the check before it.
    public var head: DayPiece?
    /// The other days merged. Its `maxGapMs` is the gap its last check holds with.
    public var body: DayPiece?
    /// The largest max gap among the body's days (the head's is known only in a report).
    public var widestGapMs: Int64?
    /// What each day of the month adds to a daily series, in order, one per day of the month.
    public var days: [Day]

    /// One day's numbers in a report's daily series that do not come from the timeline.
    public struct Day: Sendable, Equatable {
        public var checks = CheckCounts()
        private var healthy = CompactLatencySummary()
        private var all = CompactLatencySummary()
        /// The day's latency for `--latency-of healthy`, and for `all`.
        public var latencyHealthy: LatencySummary {
            get { healthy.summary }
            set { healthy = CompactLatencySummary(newValue) }
        }
        public var latencyAll: LatencySummary {
            get { all.summary }
            set { all = CompactLatencySummary(newValue) }
        }
        /// The max gap its checks held with; nil without checks, and for the head's day (whose
        /// gap a report settles).
        public var maxGapMs: Int64?

        public init() {}

        init(_ piece: DayPiece, maxGapMs: Int64?) {
            checks = piece.checks
            for choice in [ReportSettings.LatencyOf.healthy, .all] {
                let (first, second, invalid) = piece.latency(of: choice)
                let summary = LatencyHistogram.summary(of: first, second, invalid: invalid)
                if choice == .healthy { latencyHealthy = summary } else { latencyAll = summary }
            }
            self.maxGapMs = maxGapMs
        }

        func latency(of choice: ReportSettings.LatencyOf) -> LatencySummary { compactLatency(of: choice).summary }

        func compactLatency(of choice: ReportSettings.LatencyOf) -> CompactLatencySummary { choice == .healthy ? healthy : all }
    }

    public init(month: CalendarDay, head: DayPiece? = nil, body: DayPiece? = nil, widestGapMs: Int64? = nil, days: [Day]? = nil) {
        self.month = month
        self.head = head
        self.body = body
        self.widestGapMs = widestGapMs
        self.days = days ?? Array(repeating: Day(), count: month.daysInMonth)
    }

    /// The first day of the month holding `day`.
    public static func start(of day: CalendarDay) -> CalendarDay { CalendarDay(year: day.year, month: day.month, day: 1) }

    /// The month's days, in order.
    public static func days(of month: CalendarDay) -> [CalendarDay] {
        (0..<month.daysInMonth).map { month.adding(days: $0) }
    }

    public var range: Range<Int64> { month.startMs..<month.adding(days: month.daysInMonth).startMs }

    /// The pieces in the order a timeline takes them.
    var parts: [DayPiece] { [head, body].compactMap { $0 } }

    /// Merges the month's day pieces, given in time order (days without checks left out).
    public init(month: CalendarDay, days: [DayPiece]) {
        self.init(month: month)
        var merger = Merger(month: month)
        for piece in days {
            let offset = Int((piece.day.startMs - month.startMs) / CalendarDay.dayMs)
            if head == nil, merger.isEmpty, piece.maxGapMs == nil, let last = piece.last {
                head = piece
                merger.previousCheckMs = last.timeMs
                self.days[offset] = Day(piece, maxGapMs: nil)
            } else {
                self.days[offset] = Day(piece, maxGapMs: merger.add(piece))
            }
        }
        body = merger.merged
        widestGapMs = merger.widestGapMs
    }

    /// Merges day pieces into one, settling each pending check against the next day's first.
    private struct Merger {
        var merged: DayPiece?
        var widestGapMs: Int64?
        /// The last check before the next piece, for a day whose max gap comes from it.
        var previousCheckMs: Int64?
        let month: CalendarDay

        init(month: CalendarDay) {
            self.month = month
        }

        var isEmpty: Bool { merged == nil }

        /// Adds the next day's piece; returns the max gap its checks held with.
        mutating func add(_ piece: DayPiece) -> Int64? {
            guard let first = piece.firstCheckMs, let last = piece.last else { return nil }
            let gap = piece.maxGapMs ?? ReportSettings.clampAutoGap(previousCheckMs.map { 2 * (first - $0) } ?? 0)
            var into = merged ?? DayPiece(day: month, counted: month.startMs..<month.adding(days: month.daysInMonth).startMs)
            if let pending = into.last, let pendingGap = into.maxGapMs {
                TimelineSegment.append(
                    TimelineSegment(startMs: pending.timeMs, endMs: min(pending.timeMs + pendingGap, first), status: pending.status, error: pending.error),
                    to: &into.segments)
            }
            for segment in piece.segments { TimelineSegment.append(segment, to: &into.segments) }
            into.last = last
            into.maxGapMs = gap
            into.firstCheckMs = into.firstCheckMs ?? first
            into.addCounts(of: piece)
            merged = into
            widestGapMs = max(widestGapMs ?? gap, gap)
            previousCheckMs = last.timeMs
            return gap
        }
    }
}
