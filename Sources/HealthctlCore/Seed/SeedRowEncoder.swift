import PostgresClient

/// Writes generated integrations and checks as COPY text for the columns the database really has,
/// in the types it really uses (text/uuid/integer ids, timestamp or timestamptz).
struct SeedRowEncoder {
    /// Columns of `"Integration"` the seed fills when the table has them. `healthStatus` and
    /// `lastHealthCheck` are written as migration 005 leaves them: `UNKNOWN` and NULL.
    enum IntegrationField: String, CaseIterable {
        case id, userId, provider, accessToken, refreshToken, tokenExpiry, config, isActive, createdAt, updatedAt
        case healthStatus, lastHealthCheck
    }

    static let logColumns = ["id", "integrationId", "status", "errorMessage", "responseTime", "checkedAt"]

    let plan: SeedPlan
    let integrationFields: [(field: IntegrationField, column: HealthSchema.Column)]
    private let logIdType: HealthSchema.IdentifierType
    private let integrationIdType: HealthSchema.IdentifierType
    private let checkedAtHasZone: Bool

    init(plan: SeedPlan, schema: HealthSchema) {
        self.plan = plan
        integrationFields = IntegrationField.allCases.compactMap { field in
            schema.integrationColumns.first { $0.name == field.rawValue }.map { (field, $0) }
        }
        logIdType = schema.logIdType
        integrationIdType = schema.integrationIdType
        checkedAtHasZone = schema.checkedAtType == .timestamptz
    }

    func integrationCopySQL(_ schema: HealthSchema) -> String {
        let columns = integrationFields.map { quoteIdentifier($0.field.rawValue) }.joined(separator: ", ")
        return "COPY \(schema.integrationTable) (\(columns)) FROM STDIN"
    }

    func logCopySQL(_ schema: HealthSchema) -> String {
        "COPY \(schema.logTable) (\(Self.logColumns.map(quoteIdentifier).joined(separator: ", "))) FROM STDIN"
    }

    /// The id an integration has in this database, as COPY text (also its `"integrationId"` in the log).
    func integrationIdBytes(_ integration: SyntheticIntegration) -> [UInt8] {
        var buffer = CopyRowBuffer(capacity: 40)
        integration.id.write(integrationIdType, into: &buffer)
        return buffer.bytes
    }

    func appendIntegration(_ integration: SyntheticIntegration, into buffer: inout CopyRowBuffer) {
        for (position, entry) in integrationFields.enumerated() {
            if position > 0 { buffer.append(CopyRowBuffer.tab) }
            let hasZone = entry.column.typeName == "timestamptz"
            switch entry.field {
            case .id: integration.id.write(integrationIdType, into: &buffer)
            case .userId: integration.user.write(Self.identifierType(entry.column), into: &buffer)
            case .provider: buffer.appendField(integration.provider)
            case .accessToken: buffer.appendField(integration.accessToken)
            case .refreshToken: buffer.appendField(integration.refreshToken)
            case .tokenExpiry: buffer.appendTimestamp(epochMilliseconds: integration.tokenExpiryMs, withZone: hasZone)
            case .config: buffer.appendField(integration.configJSON)
            case .isActive: buffer.append(integration.isActive ? 116 : 102)  // t / f
            case .createdAt: buffer.appendTimestamp(epochMilliseconds: integration.createdAtMs, withZone: hasZone)
            case .updatedAt: buffer.appendTimestamp(epochMilliseconds: integration.updatedAtMs, withZone: hasZone)
            case .healthStatus: buffer.append(Self.statusBytes(.unknown))
            case .lastHealthCheck: buffer.appendNull()
            }
        }
        buffer.append(CopyRowBuffer.newline)
    }

    func appendCheck(_ check: SyntheticCheck, integrationId: [UInt8], into buffer: inout CopyRowBuffer) {
        check.identifier(integrations: plan.integrations).write(logIdType, into: &buffer)
        buffer.append(CopyRowBuffer.tab)
        buffer.append(integrationId)
        buffer.append(CopyRowBuffer.tab)
        buffer.append(Self.statusBytes(check.status))
        buffer.append(CopyRowBuffer.tab)
        if let message = check.message { buffer.append(message.copyBytes) } else { buffer.appendNull() }
        buffer.append(CopyRowBuffer.tab)
        if let responseTime = check.responseTimeMs { buffer.appendDecimal(Int64(responseTime)) } else { buffer.appendNull() }
        buffer.append(CopyRowBuffer.tab)
        buffer.appendTimestamp(epochMilliseconds: check.checkedAtMs, withZone: checkedAtHasZone)
        buffer.append(CopyRowBuffer.newline)
    }

    private static let healthy = Array(HealthStatus.healthy.rawValue.utf8)
    private static let warning = Array(HealthStatus.warning.rawValue.utf8)
    private static let error = Array(HealthStatus.error.rawValue.utf8)
    private static let unknown = Array(HealthStatus.unknown.rawValue.utf8)

    private static func statusBytes(_ status: HealthStatus) -> [UInt8] {
        switch status {
        case .healthy: return healthy
        case .warning: return warning
        case .error: return error
        case .unknown: return unknown
        }
    }

    /// How to write an id into a column that is not one of the checked id columns (`userId`).
    static func identifierType(_ column: HealthSchema.Column) -> HealthSchema.IdentifierType {
        switch column.typeName {
        case "uuid": return .uuid
        case "int2", "int4", "int8", "numeric": return .integer
        default: return .text
        }
    }
}
