/// A histogram that many small ones are added to, one after another: a window's latency, day
/// after day. The last few are merged among themselves first and into the large total a week
/// at a time, which costs much less than merging each small one into the large one. The recent
/// ones are merged in place (`formUnion`), so adding allocates nothing once their storage has
/// grown to a week's values.
struct LatencyTally: Sendable {
    private var total = LatencyHistogram()
    private var recent = LatencyHistogram()
    private var recentParts = 0

    /// Adds both histograms, as one part.
    mutating func add(_ first: LatencyHistogram, _ second: LatencyHistogram) {
        guard !first.isEmpty || !second.isEmpty else { return }
        recent.formUnion(with: first)
        recent.formUnion(with: second)
        recentParts += 1
        if recentParts == 7 {
            total = total + recent
            recent.removeAll()
            recentParts = 0
        }
    }

    mutating func add(_ histogram: LatencyHistogram) {
        add(histogram, LatencyHistogram())
    }

    /// The histogram added up so far.
    var histogram: LatencyHistogram { total + recent }
}
