/// A computed report: plain values, rendered by `ReportJSON`, `ReportCSV` and `ReportMarkdown`.
public struct Report: Sendable {
    public var generatedAtMs: Int64
    public var window: ReportWindow
    public var settings: ReportSettings
    public var fleet: FleetSummary
    /// Sorted by id.
    public var integrations: [IntegrationReport]
    /// The server the checks were read from: the primary, or a standby and how current it was.
    public var source = ServerRole.primary
    /// The window's days and where each was read from.
    public var days: [ReportDay] = []

    public static let schemaVersion = 2
}

/// One UTC day of a report's window and where its numbers came from.
public struct ReportDay: Sendable, Equatable {
    public enum Source: String, Sendable {
        /// The log rows of the day.
        case raw
        /// The day's rollup (`healthctl rollup`), because its rows were pruned or match it.
        case rollup
    }

    public var date: CalendarDay
    public var source: Source
    /// Why the day reads as it does, when a reader should know (a stale or partial rollup).
    public var note: String?

    public init(date: CalendarDay, source: Source, note: String? = nil) {
        self.date = date
        self.source = source
        self.note = note
    }
}

public struct CheckCounts: Sendable, Equatable {
    public var healthy = 0
    public var warning = 0
    public var error = 0
    public var unknown = 0

    public init(healthy: Int = 0, warning: Int = 0, error: Int = 0, unknown: Int = 0) {
        self.healthy = healthy
        self.warning = warning
        self.error = error
        self.unknown = unknown
    }

    public var total: Int { healthy + warning + error + unknown }

    mutating func add(_ status: HealthStatus) {
        switch status {
        case .healthy: healthy += 1
        case .warning: warning += 1
        case .error: error += 1
        case .unknown: unknown += 1
        }
    }

    /// Checks counted as up and as down (UNKNOWN is neither).
    func upAndDown(warningAs: ReportSettings.WarningAs) -> (up: Int, down: Int) {
        warningAs == .up ? (healthy + warning, error) : (healthy, warning + error)
    }

    static func + (lhs: CheckCounts, rhs: CheckCounts) -> CheckCounts {
        CheckCounts(
            healthy: lhs.healthy + rhs.healthy, warning: lhs.warning + rhs.warning, error: lhs.error + rhs.error,
            unknown: lhs.unknown + rhs.unknown)
    }
}

public struct Availability: Sendable, Equatable {
    /// Up checks / (up + down checks); nil when there are none.
    public var countBased: Double?
    /// Up time / (up + down time); nil when no time is covered.
    public var timeWeighted: Double?
    /// (Up + down time) / window length.
    public var coverage: Double
    /// Up time / window length.
    public var strict: Double
    public var upMs: Int64
    public var downMs: Int64
    public var windowMs: Int64

    init(upChecks: Int, downChecks: Int, upMs: Int64, downMs: Int64, windowMs: Int64) {
        countBased = upChecks + downChecks == 0 ? nil : Double(upChecks) / Double(upChecks + downChecks)
        timeWeighted = upMs + downMs == 0 ? nil : Double(upMs) / Double(upMs + downMs)
        coverage = windowMs == 0 ? 0 : Double(upMs + downMs) / Double(windowMs)
        strict = windowMs == 0 ? 0 : Double(upMs) / Double(windowMs)
        self.upMs = upMs
        self.downMs = downMs
        self.windowMs = windowMs
    }
}

/// Response times in milliseconds; percentiles are nearest-rank like `percentile_disc`.
public struct LatencySummary: Sendable, Equatable {
    public var count: Int
    /// Negative response times, left out of the numbers.
    public var invalid: Int
    public var min: Int?
    public var mean: Double?
    public var p50: Int?
    public var p90: Int?
    public var p95: Int?
    public var p99: Int?
    public var max: Int?
}

public struct Incident: Sendable, Equatable {
    public var startMs: Int64
    public var endMs: Int64
    /// The down stretch reaches the end of the window.
    public var open: Bool
    /// The first error message of the incident's checks, redacted.
    public var firstError: String?

    public var durationMs: Int64 { endMs - startMs }
}

public struct IncidentSummary: Sendable, Equatable {
    public var items: [Incident]
    public var upMs: Int64

    public var count: Int { items.count }
    public var downtimeMs: Int64 { items.reduce(0) { $0 + $1.durationMs } }
    public var mttrSeconds: Double? { count == 0 ? nil : Double(downtimeMs) / 1000 / Double(count) }
    public var mtbfSeconds: Double? { count == 0 ? nil : Double(upMs) / 1000 / Double(count) }
    public var longestMs: Int64? { items.map(\.durationMs).max() }
}

/// The numbers of one integration over one time range (the window, or one day of it).
public struct PeriodStats: Sendable, Equatable {
    public var sinceMs: Int64
    public var untilMs: Int64
    public var checks: CheckCounts
    public var availability: Availability
    public var latency: LatencySummary
    public var incidents: IncidentSummary
}

/// The SLO verdict for a time-weighted availability A and a target T.
public struct SLOStatus: Sendable, Equatable {
    public var target: Double
    /// A >= T (compared exactly); nil without data.
    public var met: Bool?
    /// (A - T) / (1 - T), negative when overspent; nil without data or when T is 100 %.
    public var errorBudgetRemaining: Double?
    /// (1 - A) / (1 - T); nil without data or when T is 100 %.
    public var burnRate: Double?
    /// (1 - T) x covered time (up + down), in seconds: met exactly when downtime <= this.
    public var allowedDowntimeSeconds: Double
}

public struct ErrorCount: Sendable, Equatable {
    /// Redacted.
    public var message: String
    public var count: Int
    /// How many integrations reported it (fleet list only).
    public var integrations: Int
}

public struct DayStats: Sendable, Equatable {
    public var date: CalendarDay
    public var stats: PeriodStats
    public var slo: SLOStatus
    /// The max gap the day's checks held with; nil without checks.
    public var maxGapMs: Int64?
}

public struct BucketStats: Sendable, Equatable {
    /// `2026-W47` or `2026-11`.
    public var label: String
    public var stats: PeriodStats
    public var slo: SLOStatus
}

public struct IntegrationReport: Sendable {
    public var info: IntegrationInfo
    /// `lastHealthCheck` is null or older than `--stale-after` at generation time.
    public var stale: Bool
    /// The max gap: the fixed one, or under `auto` the largest of the days' (each day has its own).
    public var maxGapMs: Int64
    public var stats: PeriodStats
    public var slo: SLOStatus
    public var daily: [DayStats]
    /// Each ISO week or month of the window, when the report was asked for them (CSV `--by`).
    public var periods: [BucketStats] = []
    public var topErrors: [ErrorCount]

    /// False when no check has `checkedAt` in the window: shown as "no data", never as 100 %.
    public var hasData: Bool { stats.checks.total > 0 }
}

public struct FleetSummary: Sendable {
    public var integrations: Int
    public var withData: Int
    public var noData: Int
    public var breachingSLO: Int
    public var checks: CheckCounts
    /// Sums over integrations: time-weighted = sum of up / sum of (up + down); coverage and strict
    /// are over the window length times the number of integrations.
    public var availability: Availability
    public var latency: LatencySummary
    public var incidents: Int
    public var downtimeMs: Int64
    /// Ids of the worst integrations with data, worst first.
    public var worst: [String]
    public var topErrors: [ErrorCount]
}
