/// The parts of an `Integration` row healthctl reads.
public struct IntegrationInfo: Sendable, Equatable {
    public var id: String
    /// The OAuth provider (`google`, `github`, ...), when the table has a `provider` column.
    public var provider: String?
    public var healthStatus: HealthStatus
    public var lastHealthCheckMs: Int64?
    /// The customer (`userId`), when the table has that column.
    public var userId: String?
    /// When its token expires and whether tokens are set; nil when the table has no token columns.
    public var token: TokenFacts?

    public init(id: String, provider: String?, healthStatus: HealthStatus, lastHealthCheckMs: Int64?, userId: String? = nil) {
        self.id = id
        self.provider = provider
        self.healthStatus = healthStatus
        self.lastHealthCheckMs = lastHealthCheckMs
        self.userId = userId
    }
}
