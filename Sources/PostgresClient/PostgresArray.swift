/// PostgreSQL's text form of a one-dimensional array (`{"a","b",NULL}`), so a list travels as one
/// parameter (`$1::text[]`) instead of being spliced into the SQL.
public enum PostgresArray {
    public static func literal(_ values: [String?]) -> String {
        var text = "{"
        for (index, value) in values.enumerated() {
            if index > 0 { text += "," }
            guard let value else {
                text += "NULL"
                continue
            }
            text += "\""
            for character in value {
                if character == "\"" || character == "\\" { text += "\\" }
                text.append(character)
            }
            text += "\""
        }
        return text + "}"
    }
}

extension Array: PostgresParameter where Element: PostgresParameter {
    /// The array literal of the elements' text forms; cast the placeholder (`$1::uuid[]`).
    public var postgresText: String? { PostgresArray.literal(map(\.postgresText)) }
}
