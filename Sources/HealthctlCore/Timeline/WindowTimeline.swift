/// One integration's state timeline over a report window, merged from its day pieces in time
/// order, and the interval algebra over it.
struct WindowTimeline: Sendable {
    let window: Range<Int64>
    /// Segments clipped to the window, in time order, contiguous equal statuses joined.
    private(set) var segments: [TimelineSegment] = []
    /// The last check seen, whose hold waits for the next check, and the max gap it holds with.
    private var pending: (check: TimelineCheck, gapMs: Int64)?

    init(window: Range<Int64>) {
        self.window = window
    }

    /// The last check before the first piece, with the max gap of its own day.
    mutating func carryIn(_ check: TimelineCheck, gapMs: Int64) {
        pending = (check, gapMs)
    }

    /// Adds the next day's piece; returns the max gap its checks held with (nil without checks).
    @discardableResult
    mutating func add(_ piece: DayPiece) -> Int64? {
        guard let first = piece.firstCheckMs, let last = piece.last else { return nil }
        let gap = piece.maxGapMs ?? ReportSettings.clampAutoGap(pending.map { 2 * (first - $0.check.timeMs) } ?? 0)
        settlePending(nextCheckMs: first)
        for segment in piece.segments { emit(segment) }
        pending = (last, gap)
        return gap
    }

    /// Settles the last check's hold at the end of the window.
    mutating func finish() {
        settlePending(nextCheckMs: nil)
    }

    private mutating func settlePending(nextCheckMs: Int64?) {
        guard let (check, gap) = pending else { return }
        var end = check.timeMs + gap
        if let nextCheckMs { end = min(end, nextCheckMs) }
        emit(TimelineSegment(startMs: check.timeMs, endMs: end, status: check.status, error: check.error))
        pending = nil
    }

    private mutating func emit(_ segment: TimelineSegment) {
        guard segment.endMs > window.lowerBound, segment.startMs < window.upperBound else { return }
        TimelineSegment.append(segment.clipped(to: window), to: &segments)
    }

    /// Marks down runs (maximal stretches of down time without a break) shorter than `minimumMs`
    /// as up: they are not incidents (`--min-incident`). A run is judged by its whole length
    /// inside the timeline, across days.
    mutating func countShortDownRunsAsUp(shorterThan minimumMs: Int64, warningAs: ReportSettings.WarningAs) {
        Self.countShortDownRunsAsUp(in: &segments, shorterThan: minimumMs, warningAs: warningAs)
    }

    private static func countShortDownRunsAsUp(
        in segments: inout [TimelineSegment], shorterThan minimumMs: Int64, warningAs: ReportSettings.WarningAs
    ) {
        guard minimumMs > 0 else { return }
        var index = 0
        while index < segments.count {
            guard TimelineState(segments[index].status, warningAs: warningAs) == .down else {
                index += 1
                continue
            }
            var end = index + 1
            while end < segments.count, segments[end].startMs == segments[end - 1].endMs,
                TimelineState(segments[end].status, warningAs: warningAs) == .down
            {
                end += 1
            }
            if segments[end - 1].endMs - segments[index].startMs < minimumMs {
                for position in index..<end { segments[position].status = .healthy }
            }
            index = end
        }
    }

    /// Takes out the segments that no later piece can change and that no range still to be
    /// asked of the timeline reaches: those ending by `limitMs`, up to one that is not down or is
    /// followed by a gap, so no down run is split, and never the last segment, which the next
    /// piece may extend. Their short down runs are counted as up first, as `finish` has the rest
    /// counted. A long window's report adds their time to its ranges at once (`addTime`) instead
    /// of keeping a year of segments.
    mutating func takeSettled(
        endingBy limitMs: Int64, warningAs: ReportSettings.WarningAs, minIncidentMs: Int64
    ) -> [TimelineSegment] {
        var end = min(segments.partitioningIndex { $0.endMs > limitMs }, segments.count - 1)
        while end > 0, segments[end].startMs == segments[end - 1].endMs,
            TimelineState(segments[end - 1].status, warningAs: warningAs) == .down
        {
            end -= 1
        }
        guard end > 0 else { return [] }
        var settled = Array(segments[..<end])
        segments.removeFirst(end)
        Self.countShortDownRunsAsUp(in: &settled, shorterThan: minIncidentMs, warningAs: warningAs)
        return settled
    }

    /// Up time, down time and incidents (maximal down runs) within `range`, clipped to it.
    /// Excluded time counts neither as up nor as down; an incident keeps its whole length and
    /// says how much of it was excluded.
    /// `taken` is the time of segments taken out before (`takeSettled`), added to it.
    func stats(
        in range: Range<Int64>, warningAs: ReportSettings.WarningAs, excluding exclusions: Exclusions = .none, adding taken: TimelineStats = TimelineStats()
    ) -> TimelineStats {
        var result = taken
        result.excludedMs = exclusions.all.overlap(with: range)
        result.outsideServiceMs = exclusions.outsideService.overlap(with: range)
        Self.addTime(of: segments, in: range, warningAs: warningAs, excluding: exclusions, to: &result)
        return result
    }

    /// Adds the up time, down time and incidents of `segments` (in time order) within `range` to
    /// `result`. Segments split where no down run crosses add up to what they give together.
    static func addTime(
        of segments: [TimelineSegment], in range: Range<Int64>, warningAs: ReportSettings.WarningAs, excluding exclusions: Exclusions,
        to result: inout TimelineStats
    ) {
        var run: Incident?
        func closeRun() {
            if let run { result.incidents.append(run) }
            run = nil
        }
        let first = segments.partitioningIndex { $0.endMs > range.lowerBound }
        for segment in segments[first...] {
            guard segment.startMs < range.upperBound else { break }
            let start = max(segment.startMs, range.lowerBound)
            let end = min(segment.endMs, range.upperBound)
            guard end > start else { continue }
            let excluded = exclusions.all.overlap(with: start..<end)
            switch TimelineState(segment.status, warningAs: warningAs) {
            case .up:
                result.upMs += end - start - excluded
                closeRun()
            case .noData:
                closeRun()
            case .down:
                result.downMs += end - start - excluded
                if var current = run, current.endMs == start {
                    current.endMs = end
                    current.excludedMs += excluded
                    current.open = end == range.upperBound
                    if current.firstError == nil { current.firstError = segment.firstError(in: range) }
                    run = current
                } else {
                    closeRun()
                    run = Incident(
                        startMs: start, endMs: end, open: end == range.upperBound, firstError: segment.firstError(in: range),
                        excludedMs: excluded)
                }
            }
        }
        closeRun()
    }
}

/// What a timeline adds up to over one range.
struct TimelineStats: Sendable, Equatable {
    var upMs: Int64 = 0
    var downMs: Int64 = 0
    /// Time of the range left out (maintenance and outside service hours), with or without data.
    var excludedMs: Int64 = 0
    /// The part of `excludedMs` outside service hours.
    var outsideServiceMs: Int64 = 0
    var incidents: [Incident] = []
}

/// What a status counts as in a report.
enum TimelineState {
    case up, down, noData

    init(_ status: HealthStatus, warningAs: ReportSettings.WarningAs) {
        switch status {
        case .healthy: self = .up
        case .warning: self = warningAs == .up ? .up : .down
        case .error: self = .down
        case .unknown: self = .noData
        }
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

    /// The indices of the elements whose range overlaps `span`, in an array of ranges in time
    /// order that do not overlap (days, weeks, months).
    func indices(overlapping span: Range<Int64>, by range: (Element) -> Range<Int64>) -> Range<Int> {
        let start = partitioningIndex { range($0).upperBound > span.lowerBound }
        var end = start
        while end < count, range(self[end]).lowerBound < span.upperBound { end += 1 }
        return start..<end
    }
}
