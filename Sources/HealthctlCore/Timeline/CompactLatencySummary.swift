/// A `LatencySummary` in 40 bytes instead of 128: a report holds one for every day of every
/// integration while it reads the window, and a month piece one for each of its days.
struct CompactLatencySummary: Sendable, Equatable {
    var count: Int32 = 0
    var invalid: Int32 = 0
    /// min, p50, p90, p95, p99 and max (meaningful with a count).
    var values: (Int32, Int32, Int32, Int32, Int32, Int32) = (0, 0, 0, 0, 0, 0)
    var mean = 0.0

    init() {}

    init(_ summary: LatencySummary) {
        count = Int32(clamping: summary.count)
        invalid = Int32(clamping: summary.invalid)
        func value(_ number: Int?) -> Int32 { Int32(clamping: number ?? 0) }
        values = (value(summary.min), value(summary.p50), value(summary.p90), value(summary.p95), value(summary.p99), value(summary.max))
        mean = summary.mean ?? 0
    }

    var summary: LatencySummary {
        guard count > 0 else {
            return LatencySummary(count: 0, invalid: Int(invalid), min: nil, mean: nil, p50: nil, p90: nil, p95: nil, p99: nil, max: nil)
        }
        return LatencySummary(
            count: Int(count), invalid: Int(invalid), min: Int(values.0), mean: mean, p50: Int(values.1), p90: Int(values.2),
            p95: Int(values.3), p99: Int(values.4), max: Int(values.5))
    }

    static func == (lhs: CompactLatencySummary, rhs: CompactLatencySummary) -> Bool { lhs.summary == rhs.summary }
}
