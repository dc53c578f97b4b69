/// A histogram that many small ones are added to, one after another: a window's latency, day
/// after day. Values below `denseLimit` ms (nearly all of them) are counted in an array indexed
/// by value, so adding a day costs one increment per distinct value and allocates nothing; the
/// rare larger values are merged into a sorted histogram of their own.
struct LatencyTally: Sendable {
    /// Counts of the values 0..<dense.count; grows to the largest value seen below `denseLimit`.
    private var dense: [UInt32] = []
    private var large = LatencyHistogram()

    static let denseLimit: Int32 = 4096

    /// Adds both histograms.
    mutating func add(_ first: LatencyHistogram, _ second: LatencyHistogram) {
        add(first)
        add(second)
    }

    mutating func add(_ histogram: LatencyHistogram) {
        guard let highest = histogram.values.last else { return }
        let values = histogram.values
        let counts = histogram.counts
        let denseEnd = highest < Self.denseLimit ? values.count : values.partitioningIndex { $0 >= Self.denseLimit }
        if denseEnd > 0 {
            let needed = Int(values[denseEnd - 1]) + 1
            if dense.count < needed { dense.append(contentsOf: repeatElement(0, count: needed - dense.count)) }
            dense.withUnsafeMutableBufferPointer { slots in
                for index in 0..<denseEnd { slots[Int(values[index])] &+= UInt32(counts[index]) }
            }
        }
        if denseEnd < values.count {
            large = large + LatencyHistogram(sortedValues: Array(values[denseEnd...]), counts: Array(counts[denseEnd...]))
        }
    }

    /// The histogram added up so far.
    var histogram: LatencyHistogram {
        var values: [Int32] = []
        var counts: [Int32] = []
        for (value, count) in dense.enumerated() where count > 0 {
            values.append(Int32(value))
            counts.append(Int32(clamping: count))
        }
        return LatencyHistogram(sortedValues: values + large.values, counts: counts + large.counts)
    }
}
