/// The pure decision of `healthctl backfill`: what one still-`UNKNOWN` integration becomes, given
/// the evidence found for it. No database here, so every rule is tested with plain values.
///
/// Times are microseconds since the epoch (UTC), so `timestamptz` columns with microsecond
/// precision compare exactly.

/// An `Integration` row whose `healthStatus` was `UNKNOWN` when it was read, with the token facts
/// the rules need (never the tokens themselves).
public struct BackfillCandidate: Sendable, Equatable {
    public var id: String
    /// `lastHealthCheck` as read: microseconds and the column's own text (sent back unchanged to
    /// re-check that nobody moved it in the meantime).
    public var lastHealthCheckMicros: Int64?
    public var lastHealthCheckText: String?
    /// `isActive`, nil when the column does not exist.
    public var isActive: Bool?
    /// `tokenExpiry < now()`, nil when the column does not exist or is NULL.
    public var tokenExpired: Bool?
    /// `refreshToken` is set and not empty; nil when the column does not exist.
    public var hasRefreshToken: Bool?

    public init(
        id: String, lastHealthCheckMicros: Int64? = nil, lastHealthCheckText: String? = nil, isActive: Bool? = nil,
        tokenExpired: Bool? = nil, hasRefreshToken: Bool? = nil
    ) {
        self.id = id
        self.lastHealthCheckMicros = lastHealthCheckMicros
        self.lastHealthCheckText = lastHealthCheckText
        self.isActive = isActive
        self.tokenExpired = tokenExpired
        self.hasRefreshToken = hasRefreshToken
    }
}

/// An integration's latest `IntegrationHealthLog` row: greatest `checkedAt`, ties broken by the
/// greatest id (as the database orders them).
public struct LatestCheck: Sendable, Equatable {
    public var logId: String
    /// nil when a TEXT status column holds something that is not a known status.
    public var status: HealthStatus?
    public var checkedAtMicros: Int64
    /// `checkedAt` in the column's own text, written to `lastHealthCheck` without rounding.
    public var checkedAtText: String

    public init(logId: String, status: HealthStatus?, checkedAtMicros: Int64, checkedAtText: String) {
        self.logId = logId
        self.status = status
        self.checkedAtMicros = checkedAtMicros
        self.checkedAtText = checkedAtText
    }
}

/// What the logs say about one integration.
public enum BackfillEvidence: Sendable, Equatable {
    /// The integration has no log rows at all.
    case noLogs
    /// It has log rows, but all are older than `--max-age`.
    case onlyOlderThanMaxAge
    case latest(LatestCheck)
}

public struct BackfillRuleOptions: Sendable, Equatable {
    /// Evidence with `checkedAt` before this (microseconds) is ignored; nil: no limit.
    public var maxAgeCutoffMicros: Int64?
    /// Apply the token rules to integrations without log evidence (`--no-token-rules` turns them off).
    public var tokenRules: Bool

    public init(maxAgeCutoffMicros: Int64? = nil, tokenRules: Bool = true) {
        self.maxAgeCutoffMicros = maxAgeCutoffMicros
        self.tokenRules = tokenRules
    }
}

/// Which rule decided an integration's outcome. The raw value is the name reported in JSON.
public enum BackfillRule: String, Sendable, Codable, CaseIterable, Comparable {
    /// The latest log row's status (HEALTHY, WARNING or ERROR) becomes the status.
    case latestLog = "latest-log"
    /// No usable log, access token expired and no refresh token: ERROR.
    case tokenExpired = "token-expired"
    /// The latest log row says UNKNOWN (or a status healthctl does not know): a check ran but
    /// concluded nothing, so the status stays UNKNOWN; `lastHealthCheck` still moves forward to it.
    case latestLogUnknown = "latest-log-unknown"
    /// `lastHealthCheck` is newer than the latest log row: the application checked more recently
    /// than any evidence left in the logs, so the older evidence is not used.
    case newerCheckRecorded = "newer-check-recorded"
    /// Logs exist but all are older than `--max-age`.
    case staleEvidence = "stale-evidence"
    /// No log, and the integration is inactive (`isActive = false`): it is not checked, so UNKNOWN is right.
    case inactive
    /// No log and no token rule applies.
    case noEvidence = "no-evidence"

    public static func < (lhs: BackfillRule, rhs: BackfillRule) -> Bool {
        (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
    }
}

/// The outcome for one integration.
public struct BackfillDecision: Sendable, Equatable {
    public var rule: BackfillRule
    /// The status to write; `.unknown` when it stays UNKNOWN.
    public var status: HealthStatus
    /// The new `lastHealthCheck` (column text), only when it moves forward.
    public var lastHealthCheckText: String?

    public init(rule: BackfillRule, status: HealthStatus, lastHealthCheckText: String? = nil) {
        self.rule = rule
        self.status = status
        self.lastHealthCheckText = lastHealthCheckText
    }

    /// True when the row must be written.
    public var changesRow: Bool { status != .unknown || lastHealthCheckText != nil }

    /// The line of the transitions table, e.g. `UNKNOWN -> ERROR (token expired)`.
    public var label: String {
        switch rule {
        case .latestLog: return "UNKNOWN -> \(status.rawValue)"
        case .tokenExpired: return "UNKNOWN -> ERROR (token expired)"
        case .latestLogUnknown:
            return lastHealthCheckText == nil
                ? "stays UNKNOWN (latest check UNKNOWN)" : "stays UNKNOWN, lastHealthCheck set (latest check UNKNOWN)"
        case .newerCheckRecorded: return "stays UNKNOWN (lastHealthCheck newer than latest log)"
        case .staleEvidence: return "stays UNKNOWN (evidence older than --max-age)"
        case .inactive: return "stays UNKNOWN (inactive, no evidence)"
        case .noEvidence: return "stays UNKNOWN (no evidence)"
        }
    }
}

public enum BackfillRules {
    /// Decides one integration. Log evidence wins over token facts; token rules apply only when
    /// there is no log row at all, and evidence older than `--max-age` keeps the integration UNKNOWN.
    public static func decide(
        _ candidate: BackfillCandidate, evidence: BackfillEvidence, options: BackfillRuleOptions
    ) -> BackfillDecision {
        switch evidence {
        case let .latest(check):
            if let cutoff = options.maxAgeCutoffMicros, check.checkedAtMicros < cutoff {
                return BackfillDecision(rule: .staleEvidence, status: .unknown)
            }
            if let recorded = candidate.lastHealthCheckMicros, recorded > check.checkedAtMicros {
                return BackfillDecision(rule: .newerCheckRecorded, status: .unknown)
            }
            let movesForward = candidate.lastHealthCheckMicros.map { $0 < check.checkedAtMicros } ?? true
            let newLastHealthCheck = movesForward ? check.checkedAtText : nil
            guard let status = check.status, status != .unknown else {
                return BackfillDecision(rule: .latestLogUnknown, status: .unknown, lastHealthCheckText: newLastHealthCheck)
            }
            return BackfillDecision(rule: .latestLog, status: status, lastHealthCheckText: newLastHealthCheck)
        case .onlyOlderThanMaxAge:
            return BackfillDecision(rule: .staleEvidence, status: .unknown)
        case .noLogs:
            guard options.tokenRules else { return BackfillDecision(rule: .noEvidence, status: .unknown) }
            if candidate.isActive == false { return BackfillDecision(rule: .inactive, status: .unknown) }
            if TokenKnowledge.isExpiredUnrefreshable(expired: candidate.tokenExpired, hasRefreshToken: candidate.hasRefreshToken) {
                return BackfillDecision(rule: .tokenExpired, status: .error)
            }
            return BackfillDecision(rule: .noEvidence, status: .unknown)
        }
    }
}
