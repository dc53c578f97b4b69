import HealthctlCore

/// The report's definitions computed the direct way, check by check over the whole window, as
/// the report did before day pieces: each check holds its status until the next check or its
/// max gap, the check before the range carries in. The max gap of a check is that of its UTC day.
/// Used as the test oracle of the day-piece pipeline.
enum ReportOracle {
    struct Numbers: Equatable, CustomStringConvertible {
        var upMs: Int64 = 0
        var downMs: Int64 = 0
        /// start, end, open, first error (redacted)
        var incidents: [Span] = []
        var checks = CheckCounts()
        var latency: [Int32] = []
        var invalid = 0

        var description: String { "up \(upMs) down \(downMs) incidents \(incidents) checks \(checks) latency \(latency.count)/\(invalid)" }
    }

    struct Span: Equatable, CustomStringConvertible {
        var start: Int64
        var end: Int64
        var open: Bool
        var firstError: String?
        var excludedMs: Int64 = 0
        var description: String { "[\(start), \(end)\(open ? " open" : ""), \(firstError ?? "-"), excluded \(excludedMs)]" }
    }

    /// The max gap of each UTC day's checks: fixed, or twice the day's median interval (one check:
    /// twice the interval since the check before), within one minute and seven days.
    static func gaps(_ checks: [Check], maxGap: ReportSettings.MaxGap) -> [Int64: Int64] {
        var byDay: [Int64: [Int64]] = [:]
        for check in checks { byDay[CalendarDay.start(containing: check.timeMs), default: []].append(check.timeMs) }
        var result: [Int64: Int64] = [:]
        for (day, times) in byDay {
            switch maxGap {
            case let .fixed(ms): result[day] = ms
            case .auto:
                if times.count >= 2 {
                    let intervals = zip(times.dropFirst(), times).map { $0 - $1 }.sorted()
                    result[day] = clamp(2 * intervals[Percentile.nearestRankIndex(0.5, count: intervals.count)])
                } else {
                    let previous = checks.last { $0.timeMs < times[0] }
                    result[day] = clamp(previous.map { 2 * (times[0] - $0.timeMs) } ?? 0)
                }
            }
        }
        return result
    }

    static func clamp(_ ms: Int64) -> Int64 { min(max(ms, 60_000), 7 * 86_400_000) }

    /// The hold of check `index`: until the next check or its max gap.
    static func hold(_ checks: [Check], _ index: Int, gaps: [Int64: Int64]) -> Range<Int64> {
        let check = checks[index]
        var end = check.timeMs + (gaps[CalendarDay.start(containing: check.timeMs)] ?? 60_000)
        if index + 1 < checks.count { end = min(end, checks[index + 1].timeMs) }
        return check.timeMs..<end
    }

    /// The checks whose holds form down runs shorter than `settings.minIncidentMs` within
    /// `timeline` (the time a report keeps a timeline of), counted as up: a run is a stretch of
    /// down holds, each ending where the next begins.
    static func shortDownRuns(_ checks: [Check], timeline: Range<Int64>, settings: ReportSettings, gaps: [Int64: Int64]) -> Set<Int> {
        guard settings.minIncidentMs > 0 else { return [] }
        var result = Set<Int>()
        var run: (checks: [Int], start: Int64, end: Int64)?
        func close() {
            if let run, run.end - run.start < settings.minIncidentMs { result.formUnion(run.checks) }
            run = nil
        }
        for index in checks.indices {
            let held = hold(checks, index, gaps: gaps).clamped(to: timeline)
            guard !held.isEmpty else { continue }
            let down = checks[index].status == .error || (checks[index].status == .warning && settings.warningAs == .down)
            guard down else {
                close()
                continue
            }
            if let current = run, current.end == held.lowerBound {
                run = (current.checks + [index], current.start, held.upperBound)
            } else {
                close()
                run = ([index], held.lowerBound, held.upperBound)
            }
        }
        close()
        return result
    }

    /// The numbers over `range`, from every check of the integration (sorted, distinct times);
    /// time in `excluded` counts neither as up nor as down, and the checks of `countedUp` (short
    /// down runs) count as up.
    static func numbers(
        _ checks: [Check], range: Range<Int64>, settings: ReportSettings, gaps: [Int64: Int64], excluded: IntervalSet = .empty,
        countedUp: Set<Int> = []
    ) -> Numbers {
        var result = Numbers()
        var run: Span?
        func close() {
            if let run { result.incidents.append(run) }
            run = nil
        }
        for (index, check) in checks.enumerated() {
            if range.contains(check.timeMs) {
                switch check.status {
                case .healthy: result.checks.healthy += 1
                case .warning: result.checks.warning += 1
                case .error: result.checks.error += 1
                case .unknown: result.checks.unknown += 1
                }
                if let value = check.responseTimeMs, settings.latencyOf == .all || check.status == .healthy || check.status == .warning {
                    if value < 0 { result.invalid += 1 } else { result.latency.append(Int32(value)) }
                }
            }
            let gap = gaps[CalendarDay.start(containing: check.timeMs)] ?? 60_000
            var end = check.timeMs + gap
            if index + 1 < checks.count { end = min(end, checks[index + 1].timeMs) }
            let start = max(check.timeMs, range.lowerBound)
            end = min(end, range.upperBound)
            guard end > start else { continue }
            var down: Bool
            switch check.status {
            case .healthy: down = false
            case .warning: down = settings.warningAs == .down
            case .error: down = true
            case .unknown:
                close()
                continue
            }
            if countedUp.contains(index) { down = false }
            let cut = excluded.overlap(with: start..<end)
            if down {
                result.downMs += end - start - cut
                if var current = run, current.end == start {
                    current.end = end
                    current.open = end == range.upperBound
                    current.excludedMs += cut
                    if current.firstError == nil { current.firstError = check.errorMessage.map(Redactor.redact) }
                    run = current
                } else {
                    close()
                    run = Span(
                        start: start, end: end, open: end == range.upperBound, firstError: check.errorMessage.map(Redactor.redact), excludedMs: cut)
                }
            } else {
                result.upMs += end - start - cut
                close()
            }
        }
        close()
        result.latency.sort()
        return result
    }

    /// The same numbers read from a computed period.
    static func numbers(of stats: PeriodStats) -> Numbers {
        Numbers(
            upMs: stats.availability.upMs, downMs: stats.availability.downMs,
            incidents: stats.incidents.items.map {
                Span(start: $0.startMs, end: $0.endMs, open: $0.open, firstError: $0.firstError, excludedMs: $0.excludedMs)
            },
            checks: stats.checks, latency: [], invalid: stats.latency.invalid)
    }

    /// The latency summary of sorted values, nearest rank.
    static func summary(_ sorted: [Int32]) -> [Int?] {
        func pick(_ p: Double) -> Int? { sorted.isEmpty ? nil : Int(sorted[Percentile.nearestRankIndex(p, count: sorted.count)]) }
        return [sorted.count, sorted.first.map(Int.init), pick(0.5), pick(0.9), pick(0.95), pick(0.99), sorted.last.map(Int.init)]
    }

    static func summary(of latency: LatencySummary) -> [Int?] {
        [latency.count, latency.min, latency.p50, latency.p90, latency.p95, latency.p99, latency.max]
    }
}
