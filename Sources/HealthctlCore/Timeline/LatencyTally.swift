/// A histogram that many small ones are added to, one after another: a window's latency, day
/// after day. The last few are merged among themselves first and into the large total a week
/// at a time, which costs much less than merging each small one into the large one.
struct LatencyTally: Sendable {
    private var total = LatencyHistogram()
    private var recent = LatencyHistogram()
    private var recentParts = 0

    /// Adds both histograms.
    mutating func add(_ first: LatencyHistogram, _ second: LatencyHistogram) {
        add(first + second)
    }

    mutating func add(_ histogram: LatencyHistogram) {
        guard !histogram.isEmpty else { return }
        recent = recent + histogram
        recentParts += 1
        if recentParts == 7 {
            total = total + recent
            recent = LatencyHistogram()
            recentParts = 0
        }
    }

    /// The histogram added up so far.
    var histogram: LatencyHistogram { total + recent }
}
