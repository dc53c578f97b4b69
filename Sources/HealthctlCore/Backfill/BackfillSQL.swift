import PostgresClient

/// SQL fragments of the backfill, written against what `HealthSchema` found: TEXT, UUID or
/// integer ids, enum or TEXT status, `timestamp` or `timestamptz`.
struct BackfillSQL {
    let schema: HealthSchema

    /// Array type that carries integration ids as a parameter.
    var idArrayType: String {
        switch schema.integrationIdType {
        case .text: return "text[]"
        case .uuid: return "uuid[]"
        case .integer: return "int8[]"
        }
    }

    /// Scalar type of one id parameter.
    var idType: String { String(idArrayType.dropLast(2)) }

    /// The type `healthStatus` values are cast to when written.
    var statusType: String {
        schema.integrationStatusType == .enumType
            ? qualifiedName(schema: schema.schema, HealthSchema.statusEnumName) : "text"
    }

    var lastHealthCheckType: String { schema.lastHealthCheckType.rawValue }

    /// A timestamp column as microseconds since the epoch (UTC), exact for `timestamptz(6)` too.
    static func epochMicrosecondsSQL(_ column: String) -> String {
        "(extract(epoch from \(column)) * 1000000)::int8"
    }

    /// A `checkedAt` bound sent as UTC text (milliseconds).
    func checkedAtParameter(_ placeholder: String) -> String {
        HealthSchema.timestampParameterSQL(placeholder, schema.checkedAtType)
    }
}
