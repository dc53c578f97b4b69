import Dispatch
import Synchronization

/// Computes a `Report` from plain values: the integrations, their checks and the raw messages.
public enum ReportBuilder {
    public static let topErrorsPerIntegration = 5
    public static let topErrorsInFleet = 10
    public static let worstInFleet = 5

    /// - Parameters:
    ///   - inputs: one per integration; a series may also hold checks outside the window (only
    ///     those in `[since, until)` count, and the last one before `since` carries in when no
    ///     `carryIn` is given).
    ///   - messages: the raw messages the series refer to; they are redacted here, before grouping.
    public static func build(
        inputs: [IntegrationInput], messages: MessageTable, window: ReportWindow, settings: ReportSettings, nowMs: Int64
    ) -> Report {
        let redacted = RedactedMessages(messages)
        let computed = parallelMap(inputs.count) { index in
            integrationReport(inputs[index], redacted: redacted, window: window, settings: settings, nowMs: nowMs)
        }
        let integrations = computed.map(\.report).sorted { $0.info.id < $1.info.id }
        let fleet = fleetSummary(computed, redacted: redacted, window: window, settings: settings)
        return Report(generatedAtMs: nowMs, window: window, settings: settings, fleet: fleet, integrations: integrations)
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

    private struct Computed: Sendable {
        var report: IntegrationReport
        /// Sorted valid response times, one array per day with any.
        var sortedLatencies: [[Int32]]
        var latencyInvalid: Int
        var latencySum: Int64
        /// Redacted message group -> count.
        var errorCounts: [Int32: Int]
    }

    private static func integrationReport(
        _ input: IntegrationInput, redacted: RedactedMessages, window: ReportWindow, settings: ReportSettings, nowMs: Int64
    ) -> Computed {
        let series = input.series
        let times = series.times
        let range = times.partitioningIndex { $0 >= window.sinceMs }..<times.partitioningIndex { $0 >= window.untilMs }
        var holder: PeriodCalculator.Holder?
        if let carry = input.carryIn, carry.timeMs < window.sinceMs {
            holder = .carryIn(carry)
        } else if range.lowerBound > 0 {
            holder = .check(range.lowerBound - 1)
        }
        let maxGapMs = input.maxGapMs ?? PeriodCalculator.maxGapMs(settings.maxGap, times: Array(times[range]))
        let messageText: (PeriodCalculator.MessageRef) -> String = { reference in
            switch reference {
            case let .text(text): return Redactor.redact(text)
            case let .stored(index): return redacted.text(ofRaw: index)
            }
        }
        let sloTarget = settings.sloTarget(for: input.info)
        var daily: [DayStats] = []
        var dailyLatencies: [[Int32]] = []
        var latencySum: Int64 = 0
        var day = CalendarDay(containing: window.sinceMs)
        var lower = range.lowerBound
        var dayHolder = holder
        while day.startMs < window.untilMs {
            let dayStart = max(day.startMs, window.sinceMs)
            let dayEnd = min(day.startMs + CalendarDay.dayMs, window.untilMs)
            var upper = lower
            while upper < range.upperBound, times[upper] < dayEnd { upper += 1 }
            let (dayStats, sorted) = PeriodCalculator.stats(
                series: series, range: lower..<upper, holder: dayHolder, sinceMs: dayStart, untilMs: dayEnd, maxGapMs: maxGapMs,
                settings: settings, messageText: messageText, listIncidents: false)
            daily.append(DayStats(date: day, stats: dayStats, slo: slo(dayStats.availability, target: sloTarget)))
            if !sorted.isEmpty { dailyLatencies.append(sorted) }
            latencySum += sorted.reduce(0) { $0 + Int64($1) }
            if upper > lower { dayHolder = .check(upper - 1) }
            lower = upper
            day = day.adding(days: 1)
        }
        // The window's percentiles come from the days' sorted response times, without sorting again.
        let latency = PeriodCalculator.summary(
            sortedParts: dailyLatencies, invalid: daily.reduce(0) { $0 + $1.stats.latency.invalid }, sum: latencySum)
        let (stats, _) = PeriodCalculator.stats(
            series: series, range: range, holder: holder, sinceMs: window.sinceMs, untilMs: window.untilMs, maxGapMs: maxGapMs,
            settings: settings, messageText: messageText, listIncidents: true, latency: latency)

        var errorCounts: [Int32: Int] = [:]
        for entry in series.messages where entry.timeMs >= window.sinceMs && entry.timeMs < window.untilMs {
            errorCounts[redacted.group(ofRaw: entry.message), default: 0] += 1
        }
        let topErrors = ranked(errorCounts.map { (group: $0.key, count: $0.value, integrations: 1) }, redacted: redacted, limit: topErrorsPerIntegration)

        let lastCheck = input.info.lastHealthCheckMs
        let report = IntegrationReport(
            info: input.info, stale: lastCheck.map { $0 < nowMs - settings.staleAfterMs } ?? true, maxGapMs: maxGapMs,
            stats: stats, slo: slo(stats.availability, target: sloTarget), daily: daily, topErrors: topErrors)
        return Computed(
            report: report, sortedLatencies: dailyLatencies, latencyInvalid: stats.latency.invalid, latencySum: latencySum,
            errorCounts: errorCounts)
    }

    private static func fleetSummary(
        _ computed: [Computed], redacted: RedactedMessages, window: ReportWindow, settings: ReportSettings
    ) -> FleetSummary {
        var checks = CheckCounts()
        var upMs: Int64 = 0
        var downMs: Int64 = 0
        var incidents = 0
        var breaching = 0
        var withData = 0
        var latencySum: Int64 = 0
        var latencyInvalid = 0
        var errorTotals: [Int32: (count: Int, integrations: Int)] = [:]
        for item in computed {
            let stats = item.report.stats
            checks = checks + stats.checks
            upMs += stats.availability.upMs
            downMs += stats.availability.downMs
            incidents += stats.incidents.count
            if item.report.slo.met == false { breaching += 1 }
            if item.report.hasData { withData += 1 }
            latencySum += item.latencySum
            latencyInvalid += item.latencyInvalid
            for (group, count) in item.errorCounts {
                let previous = errorTotals[group] ?? (0, 0)
                errorTotals[group] = (previous.count + count, previous.integrations + 1)
            }
        }
        let (upChecks, downChecks) = checks.upAndDown(warningAs: settings.warningAs)
        let latency = PeriodCalculator.summary(sortedParts: computed.flatMap(\.sortedLatencies), invalid: latencyInvalid, sum: latencySum)
        let worst = computed.map(\.report).filter { $0.hasData && $0.stats.availability.timeWeighted != nil }
            .sorted(by: worstFirst).prefix(worstInFleet).map(\.info.id)
        return FleetSummary(
            integrations: computed.count, withData: withData, noData: computed.count - withData, breachingSLO: breaching,
            checks: checks,
            availability: Availability(
                upChecks: upChecks, downChecks: downChecks, upMs: upMs, downMs: downMs, windowMs: window.lengthMs * Int64(computed.count)),
            latency: latency, incidents: incidents, downtimeMs: downMs, worst: Array(worst),
            topErrors: ranked(errorTotals.map { ($0.key, $0.value.count, $0.value.integrations) }, redacted: redacted, limit: topErrorsInFleet))
    }

    private static func ranked(_ entries: [(group: Int32, count: Int, integrations: Int)], redacted: RedactedMessages, limit: Int) -> [ErrorCount] {
        entries.map { ErrorCount(message: redacted.groups[Int($0.group)], count: $0.count, integrations: $0.integrations) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.message < $1.message }
            .prefix(limit).map { $0 }
    }
}

/// Raw messages redacted once each and grouped by their redacted text.
struct RedactedMessages: Sendable {
    /// Distinct redacted texts.
    let groups: [String]
    /// Raw message index -> group index.
    let groupOfRaw: [Int32]

    init(_ table: MessageTable) {
        let raw = table.messages
        let texts = parallelMap(raw.count) { Redactor.redact(raw[$0]) }
        var groups: [String] = []
        var indexOf: [String: Int32] = [:]
        groupOfRaw = texts.map { text in
            if let index = indexOf[text] { return index }
            let index = Int32(groups.count)
            groups.append(text)
            indexOf[text] = index
            return index
        }
        self.groups = groups
    }

    func group(ofRaw index: Int32) -> Int32 { groupOfRaw[Int(index)] }
    func text(ofRaw index: Int32) -> String { groups[Int(groupOfRaw[Int(index)])] }
}

/// Maps `0..<count` on all cores, keeping the order.
func parallelMap<T: Sendable>(_ count: Int, _ transform: @Sendable (Int) -> T) -> [T] {
    let results = Mutex<[T?]>(Array(repeating: nil, count: count))
    DispatchQueue.concurrentPerform(iterations: count) { index in
        let value = transform(index)
        results.withLock { $0[index] = value }
    }
    return results.withLock { $0.compactMap { $0 } }
}
