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
    /// The maintenance windows in the window that apply to some of its integrations.
    public var maintenance: [AppliedMaintenance] = []
    /// Summaries per provider or per customer (`--group-by`).
    public var groups: [ReportGroup] = []
    public var grouping: ReportGrouping?
    /// The window before, with `--compare previous`.
    public var previous: PreviousPeriod?
    /// The customer a report was split for (`--split-by user`).
    public var user: String?
    /// Integration ids given by a prefix (`--integration cmh0ss`): full id to the prefix.
    public var resolvedPrefixes: [String: String] = [:]
    /// What a reader should know about the whole report (a column it could not read).
    public var notes: [String] = []

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
    /// Up checks / (up + down checks); nil when there are none. Checks are counted whole days
    /// at a time, so this ignores maintenance and service hours.
    public var countBased: Double?
    /// Up time / (up + down time); nil when no time is covered.
    public var timeWeighted: Double?
    /// (Up + down time) / counted time.
    public var coverage: Double
    /// Up time / counted time.
    public var strict: Double
    public var upMs: Int64
    public var downMs: Int64
    public var windowMs: Int64
    /// Time left out of every number: maintenance windows and the time outside service hours.
    public var excludedMs: Int64
    /// The part of `excludedMs` outside service hours.
    public var outsideServiceMs: Int64

    /// The window less the excluded time: what coverage and strict availability divide by.
    public var countedMs: Int64 { windowMs - excludedMs }
    /// The excluded time inside service hours: maintenance.
    public var maintenanceMs: Int64 { excludedMs - outsideServiceMs }

    init(upChecks: Int, downChecks: Int, upMs: Int64, downMs: Int64, windowMs: Int64, excludedMs: Int64 = 0, outsideServiceMs: Int64 = 0) {
        countBased = upChecks + downChecks == 0 ? nil : Double(upChecks) / Double(upChecks + downChecks)
        timeWeighted = upMs + downMs == 0 ? nil : Double(upMs) / Double(upMs + downMs)
        let counted = windowMs - excludedMs
        coverage = counted <= 0 ? 0 : Double(upMs + downMs) / Double(counted)
        strict = counted <= 0 ? 0 : Double(upMs) / Double(counted)
        self.upMs = upMs
        self.downMs = downMs
        self.windowMs = windowMs
        self.excludedMs = excludedMs
        self.outsideServiceMs = outsideServiceMs
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
    /// The part of it inside maintenance or outside service hours: not downtime.
    public var excludedMs: Int64 = 0

    public var durationMs: Int64 { endMs - startMs }
    /// The part that counts as downtime.
    public var countedMs: Int64 { durationMs - excludedMs }
}

/// A window's incidents: every down run is listed; those wholly excluded (inside maintenance,
/// outside service hours) are not counted.
public struct IncidentSummary: Sendable, Equatable {
    public var items: [Incident]
    public var upMs: Int64

    public var count: Int { items.reduce(0) { $0 + ($1.countedMs > 0 ? 1 : 0) } }
    public var downtimeMs: Int64 { items.reduce(0) { $0 + $1.countedMs } }
    public var excludedMs: Int64 { items.reduce(0) { $0 + $1.excludedMs } }
    public var mttrSeconds: Double? { count == 0 ? nil : Double(downtimeMs) / 1000 / Double(count) }
    public var mtbfSeconds: Double? { count == 0 ? nil : Double(upMs) / 1000 / Double(count) }
    public var longestMs: Int64? { items.map(\.countedMs).filter { $0 > 0 }.max() }
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
    /// Over the last hours before the window's end (`BurnRates.windowsMs`); whole windows only.
    public var burnRates: [BurnRate] = []
    /// The most severe burn-rate alert that fires, and its rule.
    public var alert: BurnAlert = .none
    public var alertRule: BurnRule?
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
    /// The same numbers over the window before, with `--compare previous`.
    public var previous: PreviousStats?
    /// The token's state at generation time; nil when the table has no token columns.
    public var token: TokenStatus?

    /// What group and fleet summaries merge: the window's latency histogram, invalid values and
    /// every redacted error count.
    var latencyHistogram = LatencyHistogram()
    var latencyInvalid = 0
    var errorCounts: [String: Int] = [:]

    /// False when no check has `checkedAt` in the window: shown as "no data", never as 100 %.
    public var hasData: Bool { stats.checks.total > 0 }
}

/// An integration's numbers over the previous window.
public struct PreviousStats: Sendable, Equatable {
    public var stats: PeriodStats
    public var slo: SLOStatus

    public var hasData: Bool { stats.checks.total > 0 }
}

public struct FleetSummary: Sendable {
    public var integrations: Int
    public var withData: Int
    public var noData: Int
    public var breachingSLO: Int
    /// Integrations whose burn rates fire a page, or a ticket.
    public var paging: Int
    public var ticketing: Int
    /// Integrations per token state; nil when no integration has token facts.
    public var tokens: [TokenState: Int]?
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

/// A maintenance window as a report applied it.
public struct AppliedMaintenance: Sendable, Equatable {
    public var window: MaintenanceWindow
    /// Its occurrences, clipped to the report's window.
    public var occurrences: [Range<Int64>]
    /// How many of the report's integrations it applies to.
    public var integrations: Int
}

/// What `--group-by` and `--split-by` group integrations by.
public enum ReportGrouping: String, Sendable, CaseIterable {
    case provider, user

    /// The group of an integration; nil when it has no provider or customer.
    func key(of info: IntegrationInfo) -> String? {
        switch self {
        case .provider: return info.provider
        case .user: return info.userId
        }
    }
}

/// The summary of one group of integrations.
public struct ReportGroup: Sendable {
    /// The provider or customer; nil for integrations without one.
    public var key: String?
    public var summary: FleetSummary
    /// The group's numbers over the previous window, with `--compare previous`.
    public var previous: FleetSummary?
}

/// The window before a report's, for `--compare previous`.
public struct PreviousPeriod: Sendable {
    public var window: ReportWindow
    public var fleet: FleetSummary
    /// By id: the previous numbers of integrations, and what their group summaries merge.
    var integrations: [String: IntegrationReport]
}
