/// A stretch of an integration's state timeline: from `startMs` (included) to `endMs` (excluded)
/// its checks said `status`.
public struct TimelineSegment: Sendable, Equatable {
    public var startMs: Int64
    public var endMs: Int64
    public var status: HealthStatus
    /// The (redacted) error messages of the segment's checks where they change, in time order:
    /// from a change on, checks carry its text (nil: no message); before the first, none. So
    /// the message of the check holding at any instant is known, and a clipped segment keeps it.
    public var messages: [MessageChange]

    public init(startMs: Int64, endMs: Int64, status: HealthStatus, messages: [MessageChange] = []) {
        self.startMs = startMs
        self.endMs = endMs
        self.status = status
        self.messages = messages
    }

    /// A segment of one check, carrying `error` (redacted) or none.
    init(startMs: Int64, endMs: Int64, status: HealthStatus, error: String?) {
        self.init(startMs: startMs, endMs: endMs, status: status, messages: error.map { [MessageChange(timeMs: startMs, text: $0)] } ?? [])
    }

    public var durationMs: Int64 { endMs - startMs }

    /// The message of the check holding at `timeMs`.
    func message(at timeMs: Int64) -> String? {
        messages.last { $0.timeMs <= timeMs }?.text
    }

    /// The first message among the checks holding within `range` (which overlaps the segment).
    func firstError(in range: Range<Int64>) -> String? {
        let start = max(startMs, range.lowerBound)
        let end = min(endMs, range.upperBound)
        if let held = message(at: start) { return held }
        return messages.first { $0.timeMs > start && $0.timeMs < end && $0.text != nil }?.text
    }

    /// The segment cut to `range`, its messages with it.
    func clipped(to range: Range<Int64>) -> TimelineSegment {
        let start = max(startMs, range.lowerBound)
        let end = min(endMs, range.upperBound)
        guard start != startMs || end != endMs else { return self }
        var kept: [MessageChange] = []
        if let held = message(at: start) { kept.append(MessageChange(timeMs: start, text: held)) }
        kept += messages.filter { $0.timeMs > start && $0.timeMs < end }
        return TimelineSegment(startMs: start, endMs: end, status: status, messages: kept)
    }
}

/// From `timeMs` on, a segment's checks carry `text` (redacted; nil: no message).
public struct MessageChange: Sendable, Equatable {
    public var timeMs: Int64
    public var text: String?

    public init(timeMs: Int64, text: String?) {
        self.timeMs = timeMs
        self.text = text
    }
}

/// A check whose hold is not settled yet: it lasts until the next check or its max gap,
/// whichever comes first, and the next check may be on a later day.
public struct TimelineCheck: Sendable, Equatable {
    public var timeMs: Int64
    public var status: HealthStatus
    /// Redacted.
    public var error: String?

    public init(timeMs: Int64, status: HealthStatus, error: String? = nil) {
        self.timeMs = timeMs
        self.status = status
        self.error = error
    }
}

/// Everything one integration's checks of one UTC day contribute to a report, in a form that
/// merges with the pieces of the days around it. It is what a rollup row stores.
///
/// - The timeline holds the checks' holds except the last check's, which the merge settles
///   against the next piece (that is how an incident crosses midnight).
/// - Counts, latency histograms and error counts are those of the checks in `counted`, the whole
///   day unless the report window cuts the day.
/// - The automatic max gap comes from the whole day's checks, whatever the window, so a day has the
///   same numbers in every report.
public struct DayPiece: Sendable, Equatable {
    public var day: CalendarDay
    /// The part of the day whose checks are counted.
    public var counted: Range<Int64>
    public var checks = CheckCounts()
    /// Response times of HEALTHY and WARNING checks.
    public var latencyHealthy = LatencyHistogram()
    /// Response times of ERROR and UNKNOWN checks.
    public var latencyFailing = LatencyHistogram()
    /// Negative response times, left out of the histograms.
    public var invalidHealthy = 0
    public var invalidFailing = 0
    /// Redacted error message -> how many checks carried it.
    public var errors: [String: Int] = [:]
    /// The max gap the day's checks hold with; nil when the day has fewer than two checks under
    /// `auto` (the merge then takes it from the interval since the check before).
    public var maxGapMs: Int64?
    public var firstCheckMs: Int64?
    /// The holds of every check of the day but the last, contiguous equal statuses joined.
    public var segments: [TimelineSegment] = []
    public var last: TimelineCheck?

    public init(day: CalendarDay, counted: Range<Int64>? = nil) {
        self.day = day
        self.counted = counted ?? day.startMs..<(day.startMs + CalendarDay.dayMs)
    }

    /// Adds the counted parts of `other` (checks, histograms, invalid values, errors), not its timeline.
    mutating func addCounts(of other: DayPiece) {
        checks = checks + other.checks
        latencyHealthy = latencyHealthy + other.latencyHealthy
        latencyFailing = latencyFailing + other.latencyFailing
        invalidHealthy += other.invalidHealthy
        invalidFailing += other.invalidFailing
        for (message, count) in other.errors { errors[message, default: 0] += count }
    }

    /// The histograms `--latency-of` counts (the second is empty for `healthy`), and the invalid values.
    func latency(of choice: ReportSettings.LatencyOf) -> (LatencyHistogram, LatencyHistogram, invalid: Int) {
        switch choice {
        case .healthy: return (latencyHealthy, LatencyHistogram(), invalidHealthy)
        case .all: return (latencyHealthy, latencyFailing, invalidHealthy + invalidFailing)
        }
    }
}

extension DayPiece {
    /// The piece of `day` from the integration's checks of that day, sorted by time.
    ///
    /// - Parameters:
    ///   - counted: the part of the day whose checks are counted (the window's part of it).
    ///   - messageText: the redacted text of a message of `series`.
    public init(
        day: CalendarDay, series: CheckSeries, counted: Range<Int64>? = nil, maxGap: ReportSettings.MaxGap,
        messageText: (Int32) -> String
    ) {
        self.init(day: day, counted: counted)
        let times = series.times
        let statuses = series.statuses
        var healthyTimes: [Int32] = []
        var failingTimes: [Int32] = []
        for index in times.indices where self.counted.contains(times[index]) {
            let status = statuses[index]
            checks.add(status)
            let value = series.responseTimes[index]
            guard value != CheckSeries.noResponseTime else { continue }
            let healthy = status == .healthy || status == .warning
            if value < 0 {
                if healthy { invalidHealthy += 1 } else { invalidFailing += 1 }
            } else if healthy {
                healthyTimes.append(value)
            } else {
                failingTimes.append(value)
            }
        }
        latencyHealthy = LatencyHistogram(healthyTimes)
        latencyFailing = LatencyHistogram(failingTimes)
        let messages = series.messages
        var texts: [Int32: String] = [:]
        func text(_ message: Int32) -> String {
            if let known = texts[message] { return known }
            let redacted = messageText(message)
            texts[message] = redacted
            return redacted
        }
        for entry in messages where self.counted.contains(entry.timeMs) { errors[text(entry.message), default: 0] += 1 }

        guard let first = times.first, let lastTime = times.last else { return }
        firstCheckMs = first
        switch maxGap {
        case let .fixed(ms): maxGapMs = ms
        case .auto: maxGapMs = times.count >= 2 ? Self.autoMaxGap(times) : nil
        }
        var nextMessage = 0
        /// The first message carried by a check at `timeMs` (checks come in time order).
        func message(at timeMs: Int64) -> String? {
            while nextMessage < messages.count, messages[nextMessage].timeMs < timeMs { nextMessage += 1 }
            guard nextMessage < messages.count, messages[nextMessage].timeMs == timeMs else { return nil }
            return text(messages[nextMessage].message)
        }
        if let gap = maxGapMs {
            for index in 0..<(times.count - 1) {
                let end = min(times[index + 1], times[index] + gap)
                TimelineSegment.append(
                    TimelineSegment(startMs: times[index], endMs: end, status: statuses[index], error: message(at: times[index])),
                    to: &segments)
            }
        }
        last = TimelineCheck(timeMs: lastTime, status: statuses[times.count - 1], error: message(at: lastTime))
    }

    /// Twice the median interval between consecutive checks (the lower middle for an even count,
    /// like `percentile_disc(0.5)`), within `ReportSettings.autoGapBounds`.
    static func autoMaxGap(_ times: [Int64]) -> Int64 {
        var intervals = [Int64](unsafeUninitializedCapacity: times.count - 1) { buffer, count in
            for index in 1..<times.count { buffer[index - 1] = times[index] - times[index - 1] }
            count = times.count - 1
        }
        let median = select(&intervals, rank: Percentile.nearestRankIndex(0.5, count: intervals.count))
        return ReportSettings.clampAutoGap(2 * median)
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
}

extension TimelineSegment {
    /// Appends `segment` to a timeline in time order, joining it to the previous segment when they
    /// touch and share a status; empty segments are dropped.
    static func append(_ segment: TimelineSegment, to timeline: inout [TimelineSegment]) {
        guard segment.endMs > segment.startMs else { return }
        // Joined in place (no copy of the last segment is held), so its messages are not copied.
        guard let last = timeline.indices.last, timeline[last].endMs == segment.startMs, timeline[last].status == segment.status else {
            timeline.append(segment)
            return
        }
        timeline[last].endMs = segment.endMs
        var current = timeline[last].messages.last?.text
        func add(_ change: MessageChange) {
            guard change.text != current else { return }
            timeline[last].messages.append(change)
            current = change.text
        }
        add(MessageChange(timeMs: segment.startMs, text: segment.message(at: segment.startMs)))
        for change in segment.messages where change.timeMs > segment.startMs { add(change) }
    }
}
