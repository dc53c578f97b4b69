/// The definitions of the README's report section, over one integration's checks.
///
/// Each check holds its status from its `checkedAt` until the next check, at most `maxGap`, never
/// past the end of the range; the check before the range carries its status in, clipped at the start.
enum PeriodCalculator {
    /// The check whose status holds at the start of a range: the window's carry-in, or a check of
    /// the series before the range (for a day of the window).
    enum Holder {
        case carryIn(CarryIn)
        case check(Int)
    }

    enum State { case up, down, noData }

    static func state(_ status: HealthStatus, warningAs: ReportSettings.WarningAs) -> State {
        switch status {
        case .healthy: return .up
        case .warning: return warningAs == .up ? .up : .down
        case .error: return .down
        case .unknown: return .noData
        }
    }

    /// The max gap that holds for checks at `times`: the fixed one, or the automatic one.
    static func maxGapMs(_ maxGap: ReportSettings.MaxGap, times: [Int64]) -> Int64 {
        switch maxGap {
        case .auto: return autoMaxGap(times)
        case let .fixed(ms): return ms
        }
    }

    /// Twice the median interval between consecutive checks (the lower middle for an even count,
    /// like `percentile_disc(0.5)`), at least one minute; one minute with fewer than two checks.
    static func autoMaxGap(_ times: [Int64]) -> Int64 {
        guard times.count >= 2 else { return ReportSettings.minimumAutoGapMs }
        var intervals = [Int64](unsafeUninitializedCapacity: times.count - 1) { buffer, count in
            for index in 1..<times.count { buffer[index - 1] = times[index] - times[index - 1] }
            count = times.count - 1
        }
        let median = select(&intervals, rank: Percentile.nearestRankIndex(0.5, count: intervals.count))
        return max(2 * median, ReportSettings.minimumAutoGapMs)
    }

    /// The value that would be at index `rank` if `values` were sorted (quickselect; reorders `values`).
    static func select(_ values: inout [Int64], rank: Int) -> Int64 {
        var low = 0
        var high = values.count - 1
        while low < high {
            let pivot = values[low + (high - low) / 2]
            var left = low
            var right = high
            while left <= right {
                while values[left] < pivot { left += 1 }
                while values[right] > pivot { right -= 1 }
                if left <= right {
                    values.swapAt(left, right)
                    left += 1
                    right -= 1
                }
            }
            if rank <= right {
                high = right
            } else if rank >= left {
                low = left
            } else {
                return values[rank]
            }
        }
        return values[rank]
    }

    /// Stats for the checks `range` of `series` (those with `checkedAt` in `[sinceMs, untilMs)`),
    /// with `holder` the last check before the range. Also returns the sorted valid response times,
    /// unless the latency summary is `known` already.
    static func stats(
        series: CheckSeries, range: Range<Int>, holder: Holder?, sinceMs: Int64, untilMs: Int64, maxGapMs: Int64,
        settings: ReportSettings, messageText: (MessageRef) -> String, listIncidents: Bool, latency known: LatencySummary? = nil
    ) -> (PeriodStats, [Int32]) {
        var counts = CheckCounts()
        for index in range { counts.add(series.statuses[index]) }
        let (upChecks, downChecks) = counts.upAndDown(warningAs: settings.warningAs)

        var upMs: Int64 = 0
        var downMs: Int64 = 0
        var incidents: [Incident] = []
        /// The open down stretch: where it starts and ends, and its first and last holder.
        var current: (start: Int64, end: Int64, first: Holder, last: Holder)?

        func closeCurrent() {
            guard let stretch = current else { return }
            let firstError = listIncidents ? firstMessage(series: series, from: stretch.first, to: stretch.last).map(messageText) : nil
            incidents.append(Incident(startMs: stretch.start, endMs: stretch.end, open: stretch.end == untilMs, firstError: firstError))
            current = nil
        }

        func hold(_ holder: Holder, timeMs: Int64, status: HealthStatus, nextMs: Int64?) {
            let start = max(timeMs, sinceMs)
            var end = min(timeMs + maxGapMs, untilMs)
            if let nextMs { end = min(end, nextMs) }
            guard end > start else { return }
            switch state(status, warningAs: settings.warningAs) {
            case .up:
                upMs += end - start
            case .down:
                downMs += end - start
                if let stretch = current, stretch.end == start {
                    current = (stretch.start, end, stretch.first, holder)
                } else {
                    closeCurrent()
                    current = (start, end, holder, holder)
                }
            case .noData:
                break
            }
        }

        let firstInRange = range.isEmpty ? nil : series.times[range.lowerBound]
        switch holder {
        case let .carryIn(carry)?:
            hold(.carryIn(carry), timeMs: carry.timeMs, status: carry.status, nextMs: firstInRange)
        case let .check(index)?:
            hold(.check(index), timeMs: series.times[index], status: series.statuses[index], nextMs: firstInRange)
        case nil:
            break
        }
        for index in range {
            let next: Int64? = index + 1 < range.upperBound ? series.times[index + 1] : nil
            hold(.check(index), timeMs: series.times[index], status: series.statuses[index], nextMs: next)
        }
        closeCurrent()

        let (latency, sorted) = known.map { ($0, []) } ?? latencySummary(series: series, range: range, settings: settings)
        let windowMs = untilMs - sinceMs
        let stats = PeriodStats(
            sinceMs: sinceMs, untilMs: untilMs, checks: counts,
            availability: Availability(upChecks: upChecks, downChecks: downChecks, upMs: upMs, downMs: downMs, windowMs: windowMs),
            latency: latency,
            incidents: IncidentSummary(items: incidents, upMs: upMs))
        return (stats, sorted)
    }

    /// The first message among the checks from `first` to `last` (the carry-in's own, when it opens the stretch).
    private static func firstMessage(series: CheckSeries, from first: Holder, to last: Holder) -> MessageRef? {
        let fromMs: Int64
        switch first {
        case let .carryIn(carry):
            if let message = carry.errorMessage { return .text(message) }
            fromMs = .min
        case let .check(index):
            fromMs = series.times[index]
        }
        guard case let .check(lastIndex) = last else { return nil }
        let messages = series.messages
        let first = messages.partitioningIndex { $0.timeMs >= fromMs }
        guard first < messages.count, messages[first].timeMs <= series.times[lastIndex] else { return nil }
        return .stored(messages[first].message)
    }

    /// A raw message: the carry-in's own text, or an index into the message table.
    enum MessageRef {
        case text(String)
        case stored(Int32)
    }

    static func latencySummary(series: CheckSeries, range: Range<Int>, settings: ReportSettings) -> (LatencySummary, [Int32]) {
        var values: [Int32] = []
        values.reserveCapacity(range.count)
        var invalid = 0
        var sum: Int64 = 0
        for index in range {
            let value = series.responseTimes[index]
            guard value != CheckSeries.noResponseTime else { continue }
            if settings.latencyOf == .healthy, series.statuses[index] != .healthy, series.statuses[index] != .warning { continue }
            if value < 0 {
                invalid += 1
            } else {
                values.append(value)
                sum += Int64(value)
            }
        }
        values.sort()
        return (summary(sorted: values, invalid: invalid, sum: sum), values)
    }

    static func summary(sorted values: [Int32], invalid: Int, sum: Int64) -> LatencySummary {
        func pick(_ p: Double) -> Int? { values.isEmpty ? nil : Int(values[Percentile.nearestRankIndex(p, count: values.count)]) }
        return LatencySummary(
            count: values.count, invalid: invalid, min: values.first.map(Int.init),
            mean: values.isEmpty ? nil : Double(sum) / Double(values.count),
            p50: pick(0.5), p90: pick(0.9), p95: pick(0.95), p99: pick(0.99), max: values.last.map(Int.init))
    }

    /// The summary of several sorted arrays taken together, without merging them.
    static func summary(sortedParts parts: [[Int32]], invalid: Int, sum: Int64) -> LatencySummary {
        if parts.count <= 1 { return summary(sorted: parts.first ?? [], invalid: invalid, sum: sum) }
        let count = parts.reduce(0) { $0 + $1.count }
        return LatencySummary(
            count: count, invalid: invalid, min: parts.compactMap(\.first).min().map(Int.init),
            mean: count == 0 ? nil : Double(sum) / Double(count),
            p50: Percentile.nearestRank(0.5, ofSorted: parts), p90: Percentile.nearestRank(0.9, ofSorted: parts),
            p95: Percentile.nearestRank(0.95, ofSorted: parts), p99: Percentile.nearestRank(0.99, ofSorted: parts),
            max: parts.compactMap(\.last).max().map(Int.init))
    }
}

/// Nearest-rank percentiles, the same as PostgreSQL's `percentile_disc`.
public enum Percentile {
    /// The 0-based index of the `p` percentile among `count` sorted values: rank ceil(p x count)
    /// computed in double precision as PostgreSQL does, at least 1.
    public static func nearestRankIndex(_ p: Double, count: Int) -> Int {
        let rank = Int((p * Double(count)).rounded(.up))
        return min(max(rank, 1), count) - 1
    }

    /// The `p` percentile of the union of several sorted arrays, without merging them: the smallest
    /// value v with at least rank values <= v, found by bisection on v.
    static func nearestRank(_ p: Double, ofSorted arrays: [[Int32]]) -> Int? {
        let total = arrays.reduce(0) { $0 + $1.count }
        guard total > 0, let smallest = arrays.compactMap(\.first).min(), let largest = arrays.compactMap(\.last).max() else { return nil }
        let rank = nearestRankIndex(p, count: total) + 1
        var low = Int64(smallest)
        var high = Int64(largest)
        while low < high {
            let mid = low + (high - low) / 2
            var atMost = 0
            for array in arrays { atMost += array.partitioningIndex { $0 > Int32(mid) } }
            if atMost >= rank { high = mid } else { low = mid + 1 }
        }
        return Int(low)
    }
}

extension Array {
    /// The index of the first element for which `isAfter` holds, in an array where it holds
    /// for a suffix only (binary search); `count` when it holds for none.
    func partitioningIndex(where isAfter: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if isAfter(self[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
