import Foundation
/// Quotes an identifier (schema, table, column) for interpolation into SQL text.
///
/// Identifiers cannot be bound as parameters; this is the only way names enter SQL text.
/// Values always travel as parameters.
public func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// `"schema"."name"`.
public func qualifiedName(schema: String, _ name: String) -> String {
    quoteIdentifier(schema) + "." + quoteIdentifier(name)
}
