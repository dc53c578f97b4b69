/// One integration's report, built from its day pieces as they arrive in time order. It holds
/// the merged timeline and histograms, never checks.
///
/// Of a long window's timeline only the last days are kept: the segments no later piece can
/// change and no burn rate looks back on are added to the window's, days' and buckets' time as
/// they settle, and dropped, so a year's report holds a few days of segments per integration.
struct IntegrationAccumulator: Sendable {
    let info: IntegrationInfo
    private var timeline: WindowTimeline
    private let rules: TimeRules
    /// The window, and the time taken out of the timeline within it.
    private let windowRange: Range<Int64>
    private var windowTime = TimelineStats()
    /// Segments ending by then are no longer needed in the timeline: the burn rates look at
    /// the time after it.
    private let settledBeforeMs: Int64
    private var days: [DayTally] = []
    private var latency = LatencyTally()
    private var latencyInvalid = 0
    private(set) var errors: [String: Int] = [:]
    private let bucketing: ReportBucketing?
    /// Whether each day's numbers are wanted (`IntegrationReport.daily`): a day's latency
    /// summary and its timeline stats are the larger part of a long report's work.
    private let dailySeries: Bool
    private var buckets: [BucketTally] = []
    /// The histogram of the last bucket, while its days come in.
    private var bucketLatency = LatencyTally()
    private var bucketInvalid = 0

    /// What a report's time numbers depend on besides the timeline.
    struct TimeRules: Sendable {
        var warningAs: ReportSettings.WarningAs
        var minIncidentMs: Int64
        var exclusions: Exclusions
    }

    /// What a day adds up to before the timeline around it is settled.
    private struct DayTally: Sendable {
        var date: CalendarDay
        var range: Range<Int64>
        var checks = CheckCounts()
        var latency = CompactLatencySummary()
        var maxGapMs: Int64?
        /// The time of segments taken out of the timeline, within `range`.
        var time = TimelineStats()
    }

    /// The same for a week or month.
    private struct BucketTally: Sendable {
        var label: String
        var range: Range<Int64>
        var checks: CheckCounts
        var latency: LatencySummary
        var time = TimelineStats()
    }

    /// - Parameters:
    ///   - timelineRange: the time whose timeline is kept: the window, and before it what the burn
    ///     rates look back on.
    ///   - windowDays: how many days the window has, so their tallies take no more room than that
    ///     (without a daily series, a tally is kept for each day or month added, a few dozen).
    init(
        info: IntegrationInfo, window: Range<Int64>, timelineRange: Range<Int64>, windowDays: Int, time: TimeRules,
        bucketing: ReportBucketing? = nil, dailySeries: Bool = true
    ) {
        self.info = info
        self.bucketing = bucketing
        self.dailySeries = dailySeries
        self.rules = time
        windowRange = window
        settledBeforeMs = window.upperBound - BurnRates.lookbackMs
        timeline = WindowTimeline(window: timelineRange)
        if dailySeries { days.reserveCapacity(windowDays) }
    }

    /// A check before the first piece whose status may carry into the window.
    mutating func carryIn(_ check: TimelineCheck, gapMs: Int64) {
        timeline.carryIn(check, gapMs: gapMs)
    }

    /// Adds a piece before the window: it settles the carry-in and counts nothing.
    mutating func addBeforeWindow(_ piece: DayPiece) {
        timeline.add(piece)
    }

    /// Adds the next day of the window (`piece` nil: no checks that day).
    mutating func add(day: CalendarDay, range: Range<Int64>, piece: DayPiece?, latencyOf: ReportSettings.LatencyOf) {
        var tally = DayTally(date: day, range: range)
        if let piece {
            tally.maxGapMs = timeline.add(piece)
            let (first, second, invalid) = absorb(piece, into: &tally.checks, latencyOf: latencyOf)
            if dailySeries { tally.latency = CompactLatencySummary(LatencyHistogram.summary(of: first, second, invalid: invalid)) }
        }
        days.append(tally)
        if let bucketing { addToBucket(tally, label: bucketing.label(of: day), pieces: piece.map { [$0] } ?? [], latencyOf: latencyOf) }
        takeSettledTime()
    }

    /// Adds a whole month of the window at once (`piece` nil: no checks that month). Not for
    /// week buckets, which a month does not split into.
    mutating func add(month piece: MonthPiece?, range: Range<Int64>, latencyOf: ReportSettings.LatencyOf) {
        precondition(bucketing != .week, "a month piece has no weeks")
        let month = CalendarDay(containing: range.lowerBound)
        var whole = DayTally(date: month, range: range)
        // The head's gap is settled here, from the check before it; the body's days are known.
        var headGapMs: Int64?
        if let head = piece?.head {
            headGapMs = timeline.add(head)
            absorb(head, into: &whole.checks, latencyOf: latencyOf)
        }
        if let body = piece?.body {
            timeline.add(body)
            absorb(body, into: &whole.checks, latencyOf: latencyOf)
        }
        whole.maxGapMs = [headGapMs, piece?.widestGapMs].compactMap { $0 }.max()
        if dailySeries {
            let perDay = piece?.days ?? Array(repeating: MonthPiece.Day(), count: month.daysInMonth)
            for (offset, day) in perDay.enumerated() {
                let date = month.adding(days: offset)
                let isHead = date == piece?.head?.day
                days.append(DayTally(
                    date: date, range: date.startMs..<(date.startMs + CalendarDay.dayMs), checks: day.checks, latency: day.compactLatency(of: latencyOf),
                    maxGapMs: isHead ? headGapMs : day.maxGapMs))
            }
        } else {
            days.append(whole)
        }
        if let bucketing { addToBucket(whole, label: bucketing.label(of: month), pieces: piece?.parts ?? [], latencyOf: latencyOf) }
        takeSettledTime()
    }

    /// Adds the timeline's settled segments to the time of the window and of the days and
    /// buckets they fall in, and drops them. Every segment lies in days added already (a hold
    /// ends by the next check), whose tallies and buckets are there to take it.
    private mutating func takeSettledTime() {
        let settled = timeline.takeSettled(endingBy: settledBeforeMs, warningAs: rules.warningAs, minIncidentMs: rules.minIncidentMs)
        guard let first = settled.first, let last = settled.last else { return }
        let span = first.startMs..<last.endMs
        func add(in range: Range<Int64>, to stats: inout TimelineStats) {
            WindowTimeline.addTime(of: settled, in: range, warningAs: rules.warningAs, excluding: rules.exclusions, to: &stats)
        }
        add(in: windowRange, to: &windowTime)
        if dailySeries {
            for index in days.indices(overlapping: span, by: \.range) { add(in: days[index].range, to: &days[index].time) }
        }
        for index in buckets.indices(overlapping: span, by: \.range) { add(in: buckets[index].range, to: &buckets[index].time) }
    }

    /// Counts a piece's checks into `checks`, and its latencies and errors into the window's;
    /// returns its latency parts.
    @discardableResult
    private mutating func absorb(
        _ piece: DayPiece, into checks: inout CheckCounts, latencyOf: ReportSettings.LatencyOf
    ) -> (LatencyHistogram, LatencyHistogram, invalid: Int) {
        checks = checks + piece.checks
        let parts = piece.latency(of: latencyOf)
        latency.add(parts.0, parts.1)
        latencyInvalid += parts.invalid
        for (message, count) in piece.errors { errors[message, default: 0] += count }
        return parts
    }

    private mutating func addToBucket(_ tally: DayTally, label: String, pieces: [DayPiece], latencyOf: ReportSettings.LatencyOf) {
        if buckets.last?.label != label {
            closeBucket()
            bucketLatency = LatencyTally()
            bucketInvalid = 0
            buckets.append(BucketTally(label: label, range: tally.range, checks: CheckCounts(), latency: LatencyHistogram().summary(invalid: 0)))
        }
        let last = buckets.count - 1
        buckets[last].range = buckets[last].range.lowerBound..<tally.range.upperBound
        buckets[last].checks = buckets[last].checks + tally.checks
        for piece in pieces {
            let (first, second, invalid) = piece.latency(of: latencyOf)
            bucketLatency.add(first, second)
            bucketInvalid += invalid
        }
    }

    /// Settles the latency of the last bucket once its days are in.
    private mutating func closeBucket() {
        guard !buckets.isEmpty else { return }
        buckets[buckets.count - 1].latency = bucketLatency.histogram.summary(invalid: bucketInvalid)
    }

    /// The integration's report, with the exclusions of its `TimeRules` left out of its numbers.
    mutating func finish(window: ReportWindow, settings: ReportSettings, nowMs: Int64) -> IntegrationReport {
        timeline.finish()
        timeline.countShortDownRunsAsUp(shorterThan: rules.minIncidentMs, warningAs: rules.warningAs)
        closeBucket()
        let latency = self.latency.histogram
        let target = settings.sloTarget(for: info)
        func stats(_ range: Range<Int64>, checks: CheckCounts, latency: LatencySummary, taken: TimelineStats) -> PeriodStats {
            let time = timeline.stats(in: range, warningAs: rules.warningAs, excluding: rules.exclusions, adding: taken)
            let (upChecks, downChecks) = checks.upAndDown(warningAs: settings.warningAs)
            return PeriodStats(
                sinceMs: range.lowerBound, untilMs: range.upperBound, checks: checks,
                availability: Availability(
                    upChecks: upChecks, downChecks: downChecks, upMs: time.upMs, downMs: time.downMs,
                    windowMs: range.upperBound - range.lowerBound, excludedMs: time.excludedMs, outsideServiceMs: time.outsideServiceMs),
                latency: latency, incidents: IncidentSummary(items: time.incidents, upMs: time.upMs))
        }
        // The tallies and the timeline go once the report is built, before the next integration's
        // is: the fleet's timelines and reports are never all held at once.
        defer {
            days = []
            timeline = WindowTimeline(window: timeline.window)
            windowTime = TimelineStats()
            self.latency = LatencyTally()
        }
        let daily: [DayStats] = !dailySeries ? [] : days.map { tally in
            let dayStats = stats(tally.range, checks: tally.checks, latency: tally.latency.summary, taken: tally.time)
            return DayStats(date: tally.date, stats: dayStats, slo: ReportBuilder.slo(dayStats.availability, target: target), maxGapMs: tally.maxGapMs)
        }
        let periods = buckets.map { tally in
            let bucketStats = stats(tally.range, checks: tally.checks, latency: tally.latency, taken: tally.time)
            return BucketStats(label: tally.label, stats: bucketStats, slo: ReportBuilder.slo(bucketStats.availability, target: target))
        }
        let total = days.reduce(CheckCounts()) { $0 + $1.checks }
        let windowStats = stats(windowRange, checks: total, latency: latency.summary(invalid: latencyInvalid), taken: windowTime)
        var slo = ReportBuilder.slo(windowStats.availability, target: target)
        slo.burnRates = BurnRates.windowsMs.map { length in
            let since = window.untilMs - length
            guard since >= timeline.window.lowerBound else { return BurnRate(windowMs: length, rate: nil) }
            let time = timeline.stats(in: since..<window.untilMs, warningAs: rules.warningAs, excluding: rules.exclusions)
            return BurnRate(windowMs: length, rate: BurnRates.rate(upMs: time.upMs, downMs: time.downMs, target: target))
        }
        (slo.alert, slo.alertRule) = BurnRates.alert(slo.burnRates)
        let gaps = days.compactMap(\.maxGapMs)
        let maxGapMs: Int64
        switch settings.maxGap {
        case let .fixed(ms): maxGapMs = ms
        case .auto: maxGapMs = gaps.max() ?? ReportSettings.minimumAutoGapMs
        }
        var report = IntegrationReport(
            info: info, stale: info.lastHealthCheckMs.map { $0 < nowMs - settings.staleAfterMs } ?? true, maxGapMs: maxGapMs,
            stats: windowStats, slo: slo, daily: daily, periods: periods,
            topErrors: ReportBuilder.ranked(errors.map { ($0.key, $0.value, 1) }, limit: ReportBuilder.topErrorsPerIntegration))
        report.token = info.token.map { facts in
            TokenStatus.assess(
                facts, latestErrors: windowStats.incidents.items.last(where: { $0.firstError != nil })?.firstError.map { [$0] } ?? [], nowMs: nowMs,
                warningMs: settings.tokenWarningMs)
        }
        report.latencyHistogram = latency
        report.latencyInvalid = latencyInvalid
        report.errorCounts = errors
        return report
    }
}
