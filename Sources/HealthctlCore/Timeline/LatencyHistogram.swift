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
        let capacity = lhs.values.count + rhs.values.count
        var merged = 0
        var counts: [Int32] = []
        let values = [Int32](unsafeUninitializedCapacity: capacity) { outValues, valueCount in
            counts = [Int32](unsafeUninitializedCapacity: capacity) { outCounts, countCount in
                lhs.values.withUnsafeBufferPointer { leftValues in
                    lhs.counts.withUnsafeBufferPointer { leftCounts in
                        rhs.values.withUnsafeBufferPointer { rightValues in
                            rhs.counts.withUnsafeBufferPointer { rightCounts in
                                var left = 0
                                var right = 0
                                while left < leftValues.count || right < rightValues.count {
                                    if right == rightValues.count || (left < leftValues.count && leftValues[left] < rightValues[right]) {
                                        outValues[merged] = leftValues[left]
                                        outCounts[merged] = leftCounts[left]
                                        left += 1
                                    } else if left == leftValues.count || rightValues[right] < leftValues[left] {
                                        outValues[merged] = rightValues[right]
                                        outCounts[merged] = rightCounts[right]
                                        right += 1
                                    } else {
                                        outValues[merged] = leftValues[left]
                                        outCounts[merged] = leftCounts[left] + rightCounts[right]
                                        left += 1
                                        right += 1
                                    }
                                    merged += 1
                                }
                            }
                        }
                    }
                }
                countCount = merged
            }
            valueCount = merged
        }
        return LatencyHistogram(sortedValues: values, counts: counts)
    }

    /// Adds `other` into this histogram in the storage it has. A first walk adds the counts of
    /// values both hold, finding each of `other`'s values by galloping search (a day's few values
    /// cost a few steps each in a year's many), and counts the values only `other` has. When there
    /// are some, a merge from the back writes them in place, each value moving once: the
    /// merged values land at or after the ones still to be read, so no second buffer is needed,
    /// and a tally merging day after day allocates nothing once its storage is large enough.
    mutating func formUnion(with other: LatencyHistogram) {
        guard !other.isEmpty else { return }
        let ownCount = values.count
        let otherCount = other.values.count
        var added = 0
        values.withUnsafeBufferPointer { ownValues in
            counts.withUnsafeMutableBufferPointer { ownCounts in
                other.values.withUnsafeBufferPointer { otherValues in
                    other.counts.withUnsafeBufferPointer { otherCounts in
                        var position = 0
                        for index in 0..<otherCount {
                            position = Self.firstIndex(notBelow: otherValues[index], in: ownValues, from: position)
                            if position < ownCount, ownValues[position] == otherValues[index] {
                                ownCounts[position] += otherCounts[index]
                                position += 1
                            } else {
                                added += 1
                            }
                        }
                    }
                }
            }
        }
        guard added > 0 else { return }
        values.append(contentsOf: repeatElement(0, count: added))
        counts.append(contentsOf: repeatElement(0, count: added))
        values.withUnsafeMutableBufferPointer { ownValues in
            counts.withUnsafeMutableBufferPointer { ownCounts in
                other.values.withUnsafeBufferPointer { otherValues in
                    other.counts.withUnsafeBufferPointer { otherCounts in
                        var read = ownCount - 1
                        var readOther = otherCount - 1
                        var write = ownCount + added - 1
                        // Own values below `other`'s lowest new one are in place when this ends.
                        while write > read {
                            if read >= 0, ownValues[read] > otherValues[readOther] {
                                ownValues[write] = ownValues[read]
                                ownCounts[write] = ownCounts[read]
                                read -= 1
                            } else if read >= 0, ownValues[read] == otherValues[readOther] {
                                // Counted in the first walk.
                                ownValues[write] = ownValues[read]
                                ownCounts[write] = ownCounts[read]
                                read -= 1
                                readOther -= 1
                            } else {
                                ownValues[write] = otherValues[readOther]
                                ownCounts[write] = otherCounts[readOther]
                                readOther -= 1
                            }
                            write -= 1
                        }
                    }
                }
            }
        }
    }

    /// The first index at or after `start` whose value is not below `value`, `values.count` when
    /// none: steps of 1, 2, 4, ... from `start`, then a binary search within the last step.
    @inline(__always)
    private static func firstIndex(notBelow value: Int32, in values: UnsafeBufferPointer<Int32>, from start: Int) -> Int {
        var low = start
        var high = start
        var step = 1
        while high < values.count, values[high] < value {
            low = high + 1
            high += step
            step *= 2
        }
        high = min(high, values.count)
        while low < high {
            let middle = (low + high) / 2
            if values[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    mutating func removeAll() {
        values.removeAll(keepingCapacity: true)
        counts.removeAll(keepingCapacity: true)
    }

    /// The union of many histograms at once: one pass adding counts into a table indexed by value
    /// (keyed by value when the values span too wide a range for one).
    public static func merging(_ parts: [LatencyHistogram]) -> LatencyHistogram {
        let nonEmpty = parts.filter { !$0.isEmpty }
        if nonEmpty.count <= 2 { return nonEmpty.reduce(LatencyHistogram(), +) }
        let lowest = nonEmpty.map { $0.values[0] }.min() ?? 0
        let highest = nonEmpty.map { $0.values[$0.values.count - 1] }.max() ?? 0
        if Int64(highest) - Int64(lowest) < denseMergeSpan {
            var countByOffset = [Int32](repeating: 0, count: Int(highest - lowest) + 1)
            for part in nonEmpty {
                for index in part.values.indices { countByOffset[Int(part.values[index] - lowest)] += part.counts[index] }
            }
            var merged = LatencyHistogram()
            for (offset, count) in countByOffset.enumerated() where count > 0 {
                merged.values.append(lowest + Int32(offset))
                merged.counts.append(count)
            }
            return merged
        }
        var countByValue: [Int32: Int32] = [:]
        for part in nonEmpty {
            for index in part.values.indices { countByValue[part.values[index], default: 0] += part.counts[index] }
        }
        let values = countByValue.keys.sorted()
        return LatencyHistogram(sortedValues: values, counts: values.map { countByValue[$0] ?? 0 })
    }

    /// The widest range of values `merging` counts in a table indexed by value (4 MB of counts).
    private static let denseMergeSpan: Int64 = 1 << 20

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

    /// The report's latency numbers for the union of two histograms, without building it.
    static func summary(of first: LatencyHistogram, _ second: LatencyHistogram, invalid: Int) -> LatencySummary {
        if second.isEmpty { return first.summary(invalid: invalid) }
        if first.isEmpty { return second.summary(invalid: invalid) }
        let count = first.total + second.total
        let ranks = summaryRanks(count: count)
        var picked: [Int] = []
        var seen = 0
        var left = 0
        var right = 0
        while picked.count < ranks.count {
            let value: Int32
            if right == second.values.count || (left < first.values.count && first.values[left] <= second.values[right]) {
                value = first.values[left]
                seen += Int(first.counts[left])
                left += 1
                if right < second.values.count, second.values[right] == value {
                    seen += Int(second.counts[right])
                    right += 1
                }
            } else {
                value = second.values[right]
                seen += Int(second.counts[right])
                right += 1
            }
            while picked.count < ranks.count, seen >= ranks[picked.count] { picked.append(Int(value)) }
        }
        let sum = first.sum + second.sum
        return LatencySummary(
            count: count, invalid: invalid, min: Int(min(first.values[0], second.values[0])), mean: Double(sum) / Double(count),
            p50: picked[0], p90: picked[1], p95: picked[2], p99: picked[3],
            max: Int(max(first.values[first.values.count - 1], second.values[second.values.count - 1])))
    }

    /// The report's latency numbers for these values, with `invalid` negative ones left out:
    /// one pass for the count and sum, one for the four percentiles (a report takes this of
    /// every integration's every day).
    func summary(invalid: Int) -> LatencySummary {
        guard let first = values.first, let last = values.last else {
            return LatencySummary(count: 0, invalid: invalid, min: nil, mean: nil, p50: nil, p90: nil, p95: nil, p99: nil, max: nil)
        }
        var count = 0
        var sum: Int64 = 0
        for index in values.indices {
            count += Int(counts[index])
            sum += Int64(values[index]) * Int64(counts[index])
        }
        let ranks = Self.summaryRanks(count: count)
        var picked: [Int] = []
        picked.reserveCapacity(ranks.count)
        var seen = 0
        for index in values.indices where picked.count < ranks.count {
            seen += Int(counts[index])
            while picked.count < ranks.count, seen >= ranks[picked.count] { picked.append(Int(values[index])) }
        }
        return LatencySummary(
            count: count, invalid: invalid, min: Int(first), mean: Double(sum) / Double(count),
            p50: picked[0], p90: picked[1], p95: picked[2], p99: picked[3], max: Int(last))
    }

    /// The 1-based ranks of p50, p90, p95 and p99 among `count` values.
    private static func summaryRanks(count: Int) -> [Int] {
        [0.5, 0.9, 0.95, 0.99].map { Percentile.nearestRankIndex($0, count: count) + 1 }
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
