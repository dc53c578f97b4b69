import Dispatch
import Synchronization

/// Builds a `Report` from day pieces, day after day in time order: every number comes from the
/// integrations' merged state timelines and histograms (`IntegrationAccumulator`).
public struct ReportBuilder: Sendable {
    public static let topErrorsPerIntegration = 5
    public static let topErrorsInFleet = 10
    public static let worstInFleet = 5

    public let window: ReportWindow
    public let settings: ReportSettings
    private var accumulators: [IntegrationAccumulator]
    /// The window's days, in order, as they were added.
    public private(set) var days: [ReportDay] = []

    /// - Parameters:
    ///   - bucketing: also compute the numbers of each ISO week or month of the window.
    ///   - dailySeries: compute each day's numbers (`IntegrationReport.daily`; empty otherwise).
    public init(
        integrations: [IntegrationInfo], window: ReportWindow, settings: ReportSettings, bucketing: ReportBucketing? = nil,
        dailySeries: Bool = true
    ) {
        self.window = window
        self.settings = settings
        let range = Self.timelineRange(of: window)
        let windowDays = Self.days(of: window).count
        let exclusions = ExclusionPlan(settings: settings, range: range).exclusions(for: integrations)
        accumulators = zip(integrations, exclusions).map { info, exclusions in
            IntegrationAccumulator(
                info: info, window: window.sinceMs..<window.untilMs, timelineRange: range, windowDays: windowDays,
                time: .init(warningAs: settings.warningAs, minIncidentMs: settings.minIncidentMs, exclusions: exclusions),
                bucketing: bucketing, dailySeries: dailySeries)
        }
    }

    /// The time whose state timeline a report needs: its window, and the burn rates' look-back
    /// before the window's end when the window is shorter. Days before the window are added
    /// with `addBeforeWindow`.
    public static func timelineRange(of window: ReportWindow) -> Range<Int64> {
        min(window.sinceMs, window.untilMs - BurnRates.lookbackMs)..<window.untilMs
    }

    /// The UTC days a time range touches.
    static func days(in range: Range<Int64>) -> [CalendarDay] {
        var result: [CalendarDay] = []
        var day = CalendarDay(containing: range.lowerBound)
        while day.startMs < range.upperBound {
            result.append(day)
            day = day.adding(days: 1)
        }
        return result
    }

    /// The UTC days a window touches, each with the part of it inside the window.
    public static func days(of window: ReportWindow) -> [(day: CalendarDay, range: Range<Int64>)] {
        var result: [(CalendarDay, Range<Int64>)] = []
        var day = CalendarDay(containing: window.sinceMs)
        while day.startMs < window.untilMs {
            result.append((day, max(day.startMs, window.sinceMs)..<min(day.startMs + CalendarDay.dayMs, window.untilMs)))
            day = day.adding(days: 1)
        }
        return result
    }

    /// A check before every piece, for the integration at `position`.
    public mutating func carryIn(position: Int, check: TimelineCheck, gapMs: Int64) {
        accumulators[position].carryIn(check, gapMs: gapMs)
    }

    /// Pieces of a day before the window (by integration position), which only settle carry-ins.
    /// Days must come in time order, all of them before the window's first.
    public mutating func addBeforeWindow(_ pieces: [Int: DayPiece]) {
        for (position, piece) in pieces { accumulators[position].addBeforeWindow(piece) }
    }

    /// The same, with a piece or nil for each integration position.
    mutating func addBeforeWindow(_ pieces: [DayPiece?]) {
        for (position, piece) in pieces.enumerated() { if let piece { accumulators[position].addBeforeWindow(piece) } }
    }

    /// The next day of the window: `pieces[position]` for each integration with checks that day.
    public mutating func add(_ day: ReportDay, pieces: [DayPiece?]) {
        let range = max(day.date.startMs, window.sinceMs)..<min(day.date.startMs + CalendarDay.dayMs, window.untilMs)
        let latencyOf = settings.latencyOf
        updateEach { accumulator, position in
            accumulator.add(day: day.date, range: range, piece: pieces[position], latencyOf: latencyOf)
        }
        days.append(day)
    }

    /// The next month of the window, whole: `days` are its days in order, `pieces[position]`
    /// the month piece of each integration with checks. Not for a builder with week buckets.
    mutating func add(month days: [ReportDay], pieces: [MonthPiece?]) {
        guard let first = days.first?.date, let last = days.last?.date else { return }
        let range = first.startMs..<last.adding(days: 1).startMs
        let latencyOf = settings.latencyOf
        updateEach { accumulator, position in
            accumulator.add(month: pieces[position], range: range, latencyOf: latencyOf)
        }
        self.days += days
    }

    /// Runs `update` on every integration's accumulator, a few hundred integrations per thread.
    private mutating func updateEach(_ update: @Sendable (inout IntegrationAccumulator, _ position: Int) -> Void) {
        accumulators.withUnsafeMutableBufferPointer { buffer in
            let base = UncheckedBuffer(buffer)
            DispatchQueue.concurrentPerform(iterations: Self.chunks(buffer.count)) { chunk in
                ThreadPriority.adopt()
                for position in Self.chunkRange(chunk, of: base.buffer.count) { update(&base.buffer[position], position) }
            }
        }
    }

    /// The report, once every day of the window was added.
    public mutating func finish(nowMs: Int64, source: ServerRole = .primary) -> Report {
        let window = self.window
        let settings = self.settings
        let infos = accumulators.map(\.info)
        let integrations = accumulators.withUnsafeMutableBufferPointer { buffer in
            let base = UncheckedBuffer(buffer)
            return parallelMap(buffer.count) { base.buffer[$0].finish(window: window, settings: settings, nowMs: nowMs) }
        }
        var report = Report(
            generatedAtMs: nowMs, window: window, settings: settings,
            fleet: Self.summary(of: integrations, window: window, warningAs: settings.warningAs), integrations: integrations)
        report.source = source
        report.days = days
        report.maintenance = Self.appliedMaintenance(settings: settings, window: window, integrations: infos)
        return report
    }

    /// The maintenance windows with occurrences in the window that apply to at least one of the
    /// report's integrations, their occurrences clipped to the window.
    static func appliedMaintenance(settings: ReportSettings, window: ReportWindow, integrations: [IntegrationInfo]) -> [AppliedMaintenance] {
        let range = window.sinceMs..<window.untilMs
        return settings.maintenance.compactMap { declared in
            let applying = integrations.reduce(0) { $0 + (declared.applies(to: $1) ? 1 : 0) }
            let occurrences = IntervalSet(declared.occurrences(overlapping: range)).clipped(to: range).ranges
            guard applying > 0, !occurrences.isEmpty else { return nil }
            return AppliedMaintenance(window: declared, occurrences: occurrences, integrations: applying)
        }
    }

    /// Worst first: lowest time-weighted availability, then most downtime, then id; integrations
    /// without covered time last.
    public static func worstFirst(_ lhs: IntegrationReport, _ rhs: IntegrationReport) -> Bool {
        switch (lhs.stats.availability.timeWeighted, rhs.stats.availability.timeWeighted) {
        case let (left?, right?) where left != right: return left < right
        case (_?, nil): return true
        case (nil, _?): return false
        default:
            if lhs.stats.availability.downMs != rhs.stats.availability.downMs {
                return lhs.stats.availability.downMs > rhs.stats.availability.downMs
            }
            return lhs.info.id < rhs.info.id
        }
    }

    /// With T = n/d, up time u and down time w (ms): budget = (u·d − n·(u+w)) / ((d−n)·(u+w)),
    /// burn = w·d / ((d−n)·(u+w)), allowed = (d−n)·(u+w) / d; integer products keep them exact.
    static func slo(_ availability: Availability, target: SLOTarget) -> SLOStatus {
        let slackParts = target.denominator - target.numerator
        let coveredMs = availability.upMs + availability.downMs
        let allowed = Double(slackParts) * Double(coveredMs) / (Double(target.denominator) * 1000)
        var status = SLOStatus(target: target.ratio, met: nil, errorBudgetRemaining: nil, burnRate: nil, allowedDowntimeSeconds: allowed)
        guard let actual = availability.timeWeighted else { return status }
        status.met = target.isMet(upMs: availability.upMs, downMs: availability.downMs)
        guard slackParts > 0 else { return status }
        let slack = Double(slackParts) / Double(target.denominator)
        let upScaled = availability.upMs.multipliedReportingOverflow(by: target.denominator)
        let required = coveredMs.multipliedReportingOverflow(by: target.numerator)
        let downScaled = availability.downMs.multipliedReportingOverflow(by: target.denominator)
        let scale = coveredMs.multipliedReportingOverflow(by: slackParts)
        if !upScaled.overflow, !required.overflow, !downScaled.overflow, !scale.overflow {
            status.errorBudgetRemaining = Double(upScaled.partialValue - required.partialValue) / Double(scale.partialValue)
            status.burnRate = Double(downScaled.partialValue) / Double(scale.partialValue)
        } else {
            status.errorBudgetRemaining = (actual - target.ratio) / slack
            status.burnRate = (1 - actual) / slack
        }
        return status
    }

    /// The summary of some integrations of a report (the fleet, a group): sums of time, merged
    /// latency histograms (exact percentiles), merged error counts.
    static func summary(of integrations: [IntegrationReport], window: ReportWindow, warningAs: ReportSettings.WarningAs) -> FleetSummary {
        var checks = CheckCounts()
        var upMs: Int64 = 0
        var downMs: Int64 = 0
        var excludedMs: Int64 = 0
        var outsideServiceMs: Int64 = 0
        var incidents = 0
        var breaching = 0
        var withData = 0
        var paging = 0
        var ticketing = 0
        var tokens: [TokenState: Int] = [:]
        var hasTokenFacts = false
        var latencyInvalid = 0
        var errorTotals: [String: (count: Int, integrations: Int)] = [:]
        for item in integrations {
            let stats = item.stats
            checks = checks + stats.checks
            upMs += stats.availability.upMs
            downMs += stats.availability.downMs
            excludedMs += stats.availability.excludedMs
            outsideServiceMs += stats.availability.outsideServiceMs
            incidents += stats.incidents.count
            latencyInvalid += item.latencyInvalid
            if item.slo.met == false { breaching += 1 }
            if item.hasData { withData += 1 }
            if let token = item.token {
                tokens[token.state, default: 0] += 1
                hasTokenFacts = true
            }
            switch item.slo.alert {
            case .page: paging += 1
            case .ticket: ticketing += 1
            case .none: break
            }
            for (message, count) in item.errorCounts {
                let previous = errorTotals[message] ?? (0, 0)
                errorTotals[message] = (previous.count + count, previous.integrations + 1)
            }
        }
        let (upChecks, downChecks) = checks.upAndDown(warningAs: warningAs)
        let worst = integrations.filter { $0.hasData && $0.stats.availability.timeWeighted != nil }
            .sorted(by: worstFirst).prefix(worstInFleet).map(\.info.id)
        return FleetSummary(
            integrations: integrations.count, withData: withData, noData: integrations.count - withData, breachingSLO: breaching,
            paging: paging, ticketing: ticketing, tokens: hasTokenFacts ? tokens : nil, checks: checks,
            availability: Availability(
                upChecks: upChecks, downChecks: downChecks, upMs: upMs, downMs: downMs, windowMs: window.lengthMs * Int64(integrations.count),
                excludedMs: excludedMs, outsideServiceMs: outsideServiceMs),
            latency: LatencyHistogram.merging(integrations.map(\.latencyHistogram)).summary(invalid: latencyInvalid),
            incidents: incidents, downtimeMs: downMs, worst: Array(worst),
            topErrors: ranked(errorTotals.map { ($0.key, $0.value.count, $0.value.integrations) }, limit: topErrorsInFleet))
    }

    static func ranked(_ entries: [(message: String, count: Int, integrations: Int)], limit: Int) -> [ErrorCount] {
        entries.map { ErrorCount(message: $0.message, count: $0.count, integrations: $0.integrations) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.message < $1.message }
            .prefix(limit).map { $0 }
    }

    /// Work for `concurrentPerform` in chunks of a few hundred integrations.
    private static func chunks(_ count: Int) -> Int { max(1, (count + 255) / 256) }
    private static func chunkRange(_ chunk: Int, of count: Int) -> Range<Int> { (chunk * 256)..<min(count, chunk * 256 + 256) }
}

/// A buffer whose disjoint elements are mutated from several threads at once.
private struct UncheckedBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}

/// Maps `0..<count` on all cores, keeping the order.
func parallelMap<T: Sendable>(_ count: Int, _ transform: @Sendable (Int) -> T) -> [T] {
    let results = Mutex<[T?]>(Array(repeating: nil, count: count))
    DispatchQueue.concurrentPerform(iterations: count) { index in
        ThreadPriority.adopt()
        let value = transform(index)
        results.withLock { $0[index] = value }
    }
    return results.withLock { $0.compactMap { $0 } }
}
