/// The database does not have what healthctl needs, named precisely.
public enum SchemaError: CategorizedError, Equatable, Sendable {
    case schemaNotFound(schema: String)
    case tableNotFound(table: String, schema: String)
    case columnNotFound(table: String, column: String)
    case enumNotFound(name: String, schema: String)
    case unsupportedType(table: String, column: String, found: String, expected: String)
    case notPartitioned(table: String)
    case alreadyPartitioned(table: String)
    case missingResource(String)

    public var category: FailureCategory {
        if case .missingResource = self { return .internalError }
        return .configuration
    }

    public var description: String {
        switch self {
        case let .schemaNotFound(schema):
            return "schema \"\(schema)\" not found: check ?schema= in DATABASE_URL"
        case let .tableNotFound(table, schema) where table == "Integration":
            return "table \"\(table)\" not found in schema \"\(schema)\": this is not the integration dashboard's database (or use ?schema=)"
        case let .tableNotFound(table, schema):
            return "table \"\(table)\" not found in schema \"\(schema)\": migration 005 has not been applied"
        case let .columnNotFound(table, column):
            return "column \"\(table)\".\"\(column)\" not found: migration 005 has not been applied completely"
        case let .enumNotFound(name, schema):
            return "enum type \"\(name)\" not found in schema \"\(schema)\": migration 005 has not been applied"
        case let .unsupportedType(table, column, found, expected):
            return "column \"\(table)\".\"\(column)\" has type \(found), expected \(expected)"
        case let .notPartitioned(table):
            return "\(table) exists already and is not partitioned: --partitioned creates a new log table; healthctl schema partition-plan prints the DDL that converts an existing one"
        case let .alreadyPartitioned(table):
            return "\(table) is partitioned already: there is nothing to convert"
        case let .missingResource(name):
            return "resource \(name) is missing from the healthctl build"
        }
    }
}
