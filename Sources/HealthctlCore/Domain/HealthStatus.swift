/// `IntegrationHealthStatus` from migration 005.
public enum HealthStatus: String, Sendable, CaseIterable, Codable, Comparable {
    case healthy = "HEALTHY"
    case warning = "WARNING"
    case error = "ERROR"
    case unknown = "UNKNOWN"

    /// Ordered by severity, HEALTHY < UNKNOWN < WARNING < ERROR, so `max()` is the worst status.
    private var severity: Int {
        switch self {
        case .error: return 3
        case .warning: return 2
        case .unknown: return 1
        case .healthy: return 0
        }
    }

    public static func < (lhs: HealthStatus, rhs: HealthStatus) -> Bool { lhs.severity < rhs.severity }
}
