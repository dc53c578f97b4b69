/// What `healthctl seed` generates: the data set is a pure function of these values.
///
/// Checks fall in `slotCount` slots of `intervalMs` covering `[fromMs, untilMs)`; each integration
/// checks once per slot at its own phase plus a few seconds of jitter, unless it is in a gap.
public struct SeedPlan: Sendable, Equatable {
    public static let maxIntegrations = 1_000_000
    public static let maxDays = 3650

    public var integrations: Int
    public var days: Int
    public var intervalMs: Int64
    public var seed: UInt64
    public var untilMs: Int64
    /// Scales how often integrations fail (outages, transient errors, revoked tokens): 1 is a
    /// realistic fleet, where most integrations meet a 99.9 % SLO in a typical week; 0 never fails.
    public var outageRate: Double

    public static let maxOutageRate = 100.0

    public init(integrations: Int, days: Int, intervalMs: Int64, seed: UInt64, untilMs: Int64, outageRate: Double = 1) throws(SeedError) {
        guard outageRate >= 0, outageRate <= Self.maxOutageRate else {
            throw .invalidPlan("--outage-rate must be between 0 and \(Int(Self.maxOutageRate)), got \(outageRate)")
        }
        self.outageRate = outageRate
        guard (1...Self.maxIntegrations).contains(integrations) else {
            throw .invalidPlan("--integrations must be between 1 and \(Self.maxIntegrations), got \(integrations)")
        }
        guard (1...Self.maxDays).contains(days) else {
            throw .invalidPlan("--days must be between 1 and \(Self.maxDays), got \(days)")
        }
        guard intervalMs >= 1000, intervalMs <= Int64(days) * CalendarDay.dayMs else {
            throw .invalidPlan("--interval must be at least 1s and at most --days")
        }
        self.integrations = integrations
        self.days = days
        self.intervalMs = intervalMs
        self.seed = seed
        self.untilMs = untilMs
    }

    public var fromMs: Int64 { untilMs - Int64(days) * CalendarDay.dayMs }

    /// Check slots per integration; every check of slot `k` lies in `[fromMs + k*interval, fromMs + (k+1)*interval)`.
    public var slotCount: Int { Int(Int64(days) * CalendarDay.dayMs / intervalMs) }

    /// The most slots an integration can fill, so also the largest log row count.
    public var maxLogRows: Int { slotCount * integrations }

    /// Scheduler jitter added to each check: a few seconds, never more than a quarter of the interval.
    var maxJitterMs: Int64 { min(4000, intervalMs / 4) }

    /// Stream tags, so the integration attributes, users, checks and monitoring gaps of one seed
    /// are independent draws.
    enum Stream: UInt64 {
        case integration = 1, user, checks, monitoringGaps
    }

    func random(_ stream: Stream, _ index: Int = 0) -> SeedRandom {
        SeedRandom(seed, stream.rawValue, UInt64(index))
    }

    /// Slot ranges in which the monitoring worker was down for everyone: about one a week,
    /// twenty minutes to three hours long.
    public var monitoringGaps: [Range<Int>] {
        var random = random(.monitoringGaps)
        let count = max(0, Int((Double(days) / 7).rounded()) + random.between(-1, 1))
        var gaps: [Range<Int>] = []
        for _ in 0..<count {
            let lengthMs = min(3 * 3_600_000, max(20 * 60_000, random.logNormal(median: 50 * 60_000, sigma: 0.7)))
            let length = max(1, Int(lengthMs / Double(intervalMs)))
            guard slotCount > length else { continue }
            let start = random.below(slotCount - length)
            gaps.append(start..<(start + length))
        }
        return gaps.sorted { $0.lowerBound < $1.lowerBound }
    }
}

/// `healthctl seed` cannot run as asked.
public enum SeedError: CategorizedError, Equatable, Sendable {
    case invalidPlan(String)
    /// The first integration of this seed is already in the table.
    case alreadySeeded(seed: UInt64, table: String)
    /// An integer id column is too small for the ids this plan needs.
    case identifierOutOfRange(table: String, column: String, type: String, largest: Int)
    case stopped(reason: String)

    public var category: FailureCategory {
        switch self {
        case .invalidPlan: return .usage
        case .alreadySeeded, .identifierOutOfRange: return .configuration
        case .stopped: return .temporary
        }
    }

    public var description: String {
        switch self {
        case let .invalidPlan(message):
            return message
        case let .alreadySeeded(seed, table):
            return "\(table) already holds the data of --seed \(seed): seed a fresh database, or pick another --seed or --until"
        case let .identifierOutOfRange(table, column, type, largest):
            return "column \"\(table)\".\"\(column)\" has type \(type), too small for id \(largest): seed fewer integrations or days"
        case let .stopped(reason):
            return "seed stopped by \(reason); the rows of this run were removed"
        }
    }
}
