/// One row of `IntegrationHealthLog`: a single health check.
public struct HealthLogRow: Sendable, Equatable {
    public var id: String
    public var integrationId: String
    public var status: HealthStatus
    /// Raw error text from the provider. May contain secrets: redact before printing.
    public var errorMessage: String?
    /// Response time in milliseconds; NULL when the check timed out or failed before a response.
    public var responseTimeMs: Int?
    /// Milliseconds since the epoch, UTC.
    public var checkedAtMs: Int64

    public init(
        id: String, integrationId: String, status: HealthStatus, errorMessage: String?, responseTimeMs: Int?,
        checkedAtMs: Int64
    ) {
        self.id = id
        self.integrationId = integrationId
        self.status = status
        self.errorMessage = errorMessage
        self.responseTimeMs = responseTimeMs
        self.checkedAtMs = checkedAtMs
    }
}

/// The parts of an `Integration` row healthctl reads.
public struct IntegrationInfo: Sendable, Equatable {
    public var id: String
    /// The OAuth provider (`google`, `github`, ...), when the table has a `provider` column.
    public var provider: String?
    public var healthStatus: HealthStatus
    public var lastHealthCheckMs: Int64?

    public init(id: String, provider: String?, healthStatus: HealthStatus, lastHealthCheckMs: Int64?) {
        self.id = id
        self.provider = provider
        self.healthStatus = healthStatus
        self.lastHealthCheckMs = lastHealthCheckMs
    }
}
