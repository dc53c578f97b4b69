/// Parses `.env` files the way Prisma reads them: `KEY=value` lines, optional `export `,
/// single or double quotes, `#` comments, and `\n` escapes inside double quotes.
public enum DotEnv {
    public static func parse(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })[...]
        while let rawLine = lines.popFirst() {
            var line = rawLine.trimmingCharacters(in: .whitespaces)[...]
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst("export ".count).drop(while: { $0 == " " }) }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-" }) else {
                continue
            }
            var value = line[line.index(after: equals)...].drop(while: { $0 == " " || $0 == "\t" })
            if let quote = value.first, quote == "\"" || quote == "'" || quote == "`" {
                var body = String(value.dropFirst())
                // A quoted value may span lines until its closing quote.
                while !body.contains(quote), let next = lines.popFirst() {
                    body += "\n" + next
                }
                if let close = body.firstIndex(of: quote) { body = String(body[..<close]) }
                if quote == "\"" {
                    body = body.replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\r", with: "\r")
                }
                values[key] = body
            } else {
                if let comment = value.range(of: " #") { value = value[..<comment.lowerBound] }
                values[key] = value.trimmingCharacters(in: .whitespaces)
            }
        }
        return values
    }
}
