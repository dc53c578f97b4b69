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

    /// Up time, down time and incidents (maximal down runs) within `range`, clipped to it.
    func stats(in range: Range<Int64>, warningAs: ReportSettings.WarningAs) -> (upMs: Int64, downMs: Int64, incidents: [Incident]) {
        var upMs: Int64 = 0
        var downMs: Int64 = 0
        var incidents: [Incident] = []
        var run: Incident?
        func closeRun() {
            if let run { incidents.append(run) }
            run = nil
        }
        let first = segments.partitioningIndex { $0.endMs > range.lowerBound }
        for segment in segments[first...] {
            guard segment.startMs < range.upperBound else { break }
            let start = max(segment.startMs, range.lowerBound)
            let end = min(segment.endMs, range.upperBound)
            guard end > start else { continue }
            switch TimelineState(segment.status, warningAs: warningAs) {
            case .up:
                upMs += end - start
                closeRun()
            case .noData:
                closeRun()
            case .down:
                downMs += end - start
                if var current = run, current.endMs == start {
                    current.endMs = end
                    current.open = end == range.upperBound
                    if current.firstError == nil { current.firstError = segment.firstError(in: range) }
                    run = current
                } else {
                    closeRun()
                    run = Incident(startMs: start, endMs: end, open: end == range.upperBound, firstError: segment.firstError(in: range))
                }
            }
        }
        closeRun()
        return (upMs, downMs, incidents)
    }
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
}
