/// A set of instants as sorted, disjoint, non-touching half-open ranges (milliseconds): the
/// time a report leaves out (maintenance, outside service hours).
public struct IntervalSet: Sendable, Equatable {
    public private(set) var ranges: [Range<Int64>]

    public static let empty = IntervalSet()

    public init<S: Sequence>(_ ranges: S) where S.Element == Range<Int64> {
        let sorted = ranges.filter { !$0.isEmpty }.sorted { $0.lowerBound < $1.lowerBound }
        var merged: [Range<Int64>] = []
        for range in sorted {
            if let last = merged.last, range.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        self.ranges = merged
    }

    public init() { ranges = [] }

    public var isEmpty: Bool { ranges.isEmpty }

    public func union(_ other: IntervalSet) -> IntervalSet {
        if other.isEmpty { return self }
        if isEmpty { return other }
        return IntervalSet(ranges + other.ranges)
    }

    /// The instants of `range` outside the set.
    public func complement(in range: Range<Int64>) -> IntervalSet {
        var result: [Range<Int64>] = []
        var start = range.lowerBound
        for part in ranges where part.upperBound > range.lowerBound {
            guard part.lowerBound < range.upperBound else { break }
            if part.lowerBound > start { result.append(start..<part.lowerBound) }
            start = max(start, part.upperBound)
        }
        if start < range.upperBound { result.append(start..<range.upperBound) }
        return IntervalSet(result)
    }

    /// How much of `range` the set covers.
    public func overlap(with range: Range<Int64>) -> Int64 {
        guard !ranges.isEmpty, !range.isEmpty else { return 0 }
        var total: Int64 = 0
        var index = ranges.partitioningIndex { $0.upperBound > range.lowerBound }
        while index < ranges.count, ranges[index].lowerBound < range.upperBound {
            total += min(ranges[index].upperBound, range.upperBound) - max(ranges[index].lowerBound, range.lowerBound)
            index += 1
        }
        return total
    }

    /// The parts of the set inside `range`.
    public func clipped(to range: Range<Int64>) -> IntervalSet {
        var result = IntervalSet()
        result.ranges = ranges.map { $0.clamped(to: range) }.filter { !$0.isEmpty }
        return result
    }

    public var totalMs: Int64 { ranges.reduce(0) { $0 + ($1.upperBound - $1.lowerBound) } }
}
