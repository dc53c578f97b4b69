import PostgresClient

/// Reads the catalog and checks it against what migration 005 creates, accepting the drift found
/// in real databases: `timestamp` with or without precision or `timestamptz`; status as the enum
/// or as TEXT; ids as TEXT, UUID or integer.
public enum SchemaInspector {
    /// Inspects `schema`, throwing `SchemaError` naming the first missing or unsupported object.
    public static func inspect(_ connection: PostgresConnection, schema: String) throws -> HealthSchema {
        try databaseStep("reading the catalog") {
            guard try connection.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]).rowCount == 1 else {
                throw SchemaError.schemaNotFound(schema: schema)
            }
            let integrationColumns = try columns(of: HealthSchema.integrationTableName, schema: schema, connection)
            guard !integrationColumns.isEmpty else {
                throw SchemaError.tableNotFound(table: HealthSchema.integrationTableName, schema: schema)
            }
            let logColumns = try columns(of: HealthSchema.logTableName, schema: schema, connection)
            guard !logColumns.isEmpty else {
                throw SchemaError.tableNotFound(table: HealthSchema.logTableName, schema: schema)
            }
            let enumLabels = try statusEnumLabels(schema: schema, connection)

            let integrationId = try identifierType(integrationColumns, table: HealthSchema.integrationTableName, column: "id")
            let integrationStatus = try statusType(
                integrationColumns, table: HealthSchema.integrationTableName, column: "healthStatus", schema: schema,
                enumExists: enumLabels != nil)
            let lastHealthCheck = try timestampType(
                integrationColumns, table: HealthSchema.integrationTableName, column: "lastHealthCheck")

            let table = HealthSchema.logTableName
            let logId = try identifierType(logColumns, table: table, column: "id")
            let logIntegrationId = try identifierType(logColumns, table: table, column: "integrationId")
            if logIntegrationId != integrationId {
                throw SchemaError.unsupportedType(
                    table: table, column: "integrationId", found: column(logColumns, "integrationId")?.formattedType ?? "",
                    expected: "the type of \"Integration\".\"id\" (\(column(integrationColumns, "id")?.formattedType ?? ""))")
            }
            let logStatus = try statusType(logColumns, table: table, column: "status", schema: schema, enumExists: enumLabels != nil)
            let checkedAt = try timestampType(logColumns, table: table, column: "checkedAt")
            guard let errorMessage = column(logColumns, "errorMessage") else {
                throw SchemaError.columnNotFound(table: table, column: "errorMessage")
            }
            guard ["text", "varchar", "bpchar"].contains(errorMessage.typeName) else {
                throw SchemaError.unsupportedType(
                    table: table, column: "errorMessage", found: errorMessage.formattedType, expected: "text")
            }
            guard let responseTime = column(logColumns, "responseTime") else {
                throw SchemaError.columnNotFound(table: table, column: "responseTime")
            }
            guard ["int2", "int4", "int8", "numeric", "float4", "float8"].contains(responseTime.typeName) else {
                throw SchemaError.unsupportedType(
                    table: table, column: "responseTime", found: responseTime.formattedType, expected: "integer")
            }

            return HealthSchema(
                schema: schema,
                integrationColumns: integrationColumns,
                logColumns: logColumns,
                integrationIndexes: try indexes(of: HealthSchema.integrationTableName, schema: schema, connection),
                logIndexes: try indexes(of: HealthSchema.logTableName, schema: schema, connection),
                statusEnumLabels: enumLabels,
                foreignKey: try foreignKey(schema: schema, connection),
                integrationStatusType: integrationStatus,
                logStatusType: logStatus,
                checkedAtType: checkedAt,
                lastHealthCheckType: lastHealthCheck,
                integrationIdType: integrationId,
                logIdType: logId)
        }
    }

    private static func columns(of table: String, schema: String, _ connection: PostgresConnection) throws -> [HealthSchema.Column] {
        let result = try connection.query(
            """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typname, a.attnotnull
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_type t ON t.oid = a.atttypid
            WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """, [schema, table])
        return result.rows.map {
            HealthSchema.Column(name: $0[0] ?? "", formattedType: $0[1] ?? "", typeName: $0[2] ?? "", notNull: $0.bool(3) ?? false)
        }
    }

    private static func statusEnumLabels(schema: String, _ connection: PostgresConnection) throws -> [String]? {
        let result = try connection.query(
            """
            SELECT e.enumlabel FROM pg_type t
            JOIN pg_namespace n ON n.oid = t.typnamespace
            JOIN pg_enum e ON e.enumtypid = t.oid
            WHERE n.nspname = $1 AND t.typname = $2
            ORDER BY e.enumsortorder
            """, [schema, HealthSchema.statusEnumName])
        return result.rowCount == 0 ? nil : result.rows.compactMap { $0[0] }
    }

    private static func indexes(of table: String, schema: String, _ connection: PostgresConnection) throws -> [HealthSchema.Index] {
        let result = try connection.query(
            """
            SELECT i.relname, ix.indisunique,
                   array_to_string(ARRAY(
                       SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, position)
                       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                       ORDER BY k.position), chr(31))
            FROM pg_index ix
            JOIN pg_class c ON c.oid = ix.indrelid
            JOIN pg_class i ON i.oid = ix.indexrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = $2
            ORDER BY i.relname
            """, [schema, table])
        return result.rows.map {
            HealthSchema.Index(
                name: $0[0] ?? "", columns: ($0[2] ?? "").split(separator: "\u{1F}").map(String.init), isUnique: $0.bool(1) ?? false)
        }
    }

    private static func foreignKey(schema: String, _ connection: PostgresConnection) throws -> HealthSchema.ForeignKey? {
        let result = try connection.query(
            """
            SELECT con.conname, con.confdeltype
            FROM pg_constraint con
            JOIN pg_class c ON c.oid = con.conrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_class r ON r.oid = con.confrelid
            WHERE con.contype = 'f' AND n.nspname = $1 AND c.relname = $2 AND r.relname = $3
            ORDER BY con.conname LIMIT 1
            """, [schema, HealthSchema.logTableName, HealthSchema.integrationTableName])
        guard let row = result.first, let name = row[0] else { return nil }
        let actions = ["c": "CASCADE", "n": "SET NULL", "r": "RESTRICT", "a": "NO ACTION", "d": "SET DEFAULT"]
        return HealthSchema.ForeignKey(name: name, onDelete: actions[row[1] ?? "a"] ?? "NO ACTION")
    }

    private static func column(_ columns: [HealthSchema.Column], _ name: String) -> HealthSchema.Column? {
        columns.first { $0.name == name }
    }

    private static func required(_ columns: [HealthSchema.Column], table: String, column name: String) throws -> HealthSchema.Column {
        guard let found = column(columns, name) else { throw SchemaError.columnNotFound(table: table, column: name) }
        return found
    }

    private static func identifierType(_ columns: [HealthSchema.Column], table: String, column name: String) throws -> HealthSchema.IdentifierType {
        let found = try required(columns, table: table, column: name)
        switch found.typeName {
        case "text", "varchar", "bpchar": return .text
        case "uuid": return .uuid
        case "int2", "int4", "int8": return .integer
        default:
            throw SchemaError.unsupportedType(table: table, column: name, found: found.formattedType, expected: "text, uuid or integer")
        }
    }

    private static func statusType(
        _ columns: [HealthSchema.Column], table: String, column name: String, schema: String, enumExists: Bool
    ) throws -> HealthSchema.StatusType {
        let found = try required(columns, table: table, column: name)
        switch found.typeName {
        case HealthSchema.statusEnumName: return .enumType
        case "text", "varchar", "bpchar": return .text
        default:
            throw SchemaError.unsupportedType(
                table: table, column: name, found: found.formattedType,
                expected: "\"\(HealthSchema.statusEnumName)\" or text")
        }
    }

    private static func timestampType(_ columns: [HealthSchema.Column], table: String, column name: String) throws -> HealthSchema.TimestampType {
        let found = try required(columns, table: table, column: name)
        switch found.typeName {
        case "timestamp": return .timestamp
        case "timestamptz": return .timestamptz
        default:
            throw SchemaError.unsupportedType(
                table: table, column: name, found: found.formattedType, expected: "timestamp(3) or timestamptz")
        }
    }
}
