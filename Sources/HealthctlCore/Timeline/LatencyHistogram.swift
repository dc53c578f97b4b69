/// An exact histogram of response times: each distinct value in milliseconds with its count.
///
/// Histograms merge by addition, and a percentile read from one is exactly PostgreSQL's
/// `percentile_disc` over the values it holds (rank `ceil(p x N)` in float8, at least 1).
public struct LatencyHistogram: Sendable, Equatable {
    /// Distinct values, ascending.
    public private(set) var values: [Int32] = []
    /// `counts[i]` is how often `values[i]` occurred; never 0.
    public private(set) var counts: [Int32] = []

    public init() {}

    /// From values and counts already in shape (ascending distinct values, positive counts).
    init(sortedValues values: [Int32], counts: [Int32]) {
        self.values = values
        self.counts = counts
    }

    /// From raw values in any order.
    public init(_ raw: [Int32]) {
        guard !raw.isEmpty else { return }
        let sorted = raw.sorted()
        var current = sorted[0]
        var run: Int32 = 0
        for value in sorted {
            if value != current {
                values.append(current)
                counts.append(run)
                current = value
                run = 0
            }
            run += 1
        }
        values.append(current)
        counts.append(run)
    }

    public var isEmpty: Bool { values.isEmpty }

    /// How many values the histogram holds.
    public var total: Int { counts.reduce(0) { $0 + Int($1) } }

    /// The sum of all values, for the mean.
    public var sum: Int64 {
        var sum: Int64 = 0
        for index in values.indices { sum += Int64(values[index]) * Int64(counts[index]) }
        return sum
    }

    /// The union of two histograms (a sorted merge).
    public static func + (lhs: LatencyHistogram, rhs: LatencyHistogram) -> LatencyHistogram {
        if lhs.isEmpty { return rhs }
        if rhs.isEmpty { return lhs }
        var values: [Int32] = []
        var counts: [Int32] = []
        values.reserveCapacity(max(lhs.values.count, rhs.values.count))
        counts.reserveCapacity(values.capacity)
        var left = 0
        var right = 0
        while left < lhs.values.count || right < rhs.values.count {
            if right == rhs.values.count || (left < lhs.values.count && lhs.values[left] < rhs.values[right]) {
                values.append(lhs.values[left])
                counts.append(lhs.counts[left])
                left += 1
            } else if left == lhs.values.count || rhs.values[right] < lhs.values[left] {
                values.append(rhs.values[right])
                counts.append(rhs.counts[right])
                right += 1
            } else {
                values.append(lhs.values[left])
                counts.append(lhs.counts[left] + rhs.counts[right])
                left += 1
                right += 1
            }
        }
        return LatencyHistogram(sortedValues: values, counts: counts)
    }

    /// The union of many histograms at once: one pass over a table keyed by value.
    public static func merging(_ parts: [LatencyHistogram]) -> LatencyHistogram {
        let nonEmpty = parts.filter { !$0.isEmpty }
        if nonEmpty.count <= 2 { return nonEmpty.reduce(LatencyHistogram(), +) }
        var countByValue: [Int32: Int32] = [:]
        for part in nonEmpty {
            for index in part.values.indices { countByValue[part.values[index], default: 0] += part.counts[index] }
        }
        let values = countByValue.keys.sorted()
        return LatencyHistogram(sortedValues: values, counts: values.map { countByValue[$0] ?? 0 })
    }

    /// The `p` percentile, nearest rank: the smallest value whose cumulative count reaches
    /// `ceil(p x total)`.
    public func percentile(_ p: Double) -> Int? {
        let total = self.total
        guard total > 0 else { return nil }
        let rank = Percentile.nearestRankIndex(p, count: total) + 1
        var seen = 0
        for index in values.indices {
            seen += Int(counts[index])
            if seen >= rank { return Int(values[index]) }
        }
        return values.last.map(Int.init)
    }

    /// The report's latency numbers for these values, with `invalid` negative ones left out.
    func summary(invalid: Int) -> LatencySummary {
        let count = total
        return LatencySummary(
            count: count, invalid: invalid, min: values.first.map(Int.init), mean: count == 0 ? nil : Double(sum) / Double(count),
            p50: percentile(0.5), p90: percentile(0.9), p95: percentile(0.95), p99: percentile(0.99), max: values.last.map(Int.init))
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
}
