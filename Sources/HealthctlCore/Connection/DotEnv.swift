import Foundation
/// Parses `.env` files the way Prisma reads them (dotenv, then Prisma's `${VAR}` expansion).
///
/// - `KEY=value` lines, optional `export `, blank lines and `#` comment lines;
/// - unquoted values end at ` #` (an inline comment) and are trimmed;
/// - values in single, double or backtick quotes are taken as written and may span lines; inside
///   double quotes `\n` and `\r` become a newline and a carriage return; a quote preceded by a
///   backslash does not close the value (the backslash stays, as in dotenv);
/// - `${NAME}` is replaced by `NAME` from the environment, else from the file, else by nothing;
///   `\${NAME}` stays as the literal `${NAME}`. A lone `$` is kept, so passwords holding one survive.
/// CRLF and CR line ends and a leading byte order mark are accepted. A later key wins.
public enum DotEnv {
    public static func parse(_ text: String, environment: [String: String] = [:]) -> [String: String] {
        let raw = parseWithoutExpansion(text)
        return raw.mapValues { expand($0, environment: environment, file: raw, depth: 0) }
    }

    private static func parseWithoutExpansion(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        var normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        if normalized.hasPrefix("\u{FEFF}") { normalized.removeFirst() }
        var lines = normalized.split(separator: "\n", omittingEmptySubsequences: false)[...]
        while let rawLine = lines.popFirst() {
            var line = rawLine.drop(while: { $0 == " " || $0 == "\t" })
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") || line.hasPrefix("export\t") {
                line = line.dropFirst("export".count).drop(while: { $0 == " " || $0 == "\t" })
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }) else {
                continue
            }
            let value = line[line.index(after: equals)...].drop(while: { $0 == " " || $0 == "\t" })
            if let quote = value.first, "\"'`".contains(quote), let quoted = quotedValue(value, quote: quote, lines: &lines) {
                values[key] = quoted
            } else {
                values[key] = unquotedValue(value)
            }
        }
        return values
    }

    /// The value between `quote` and its closing quote, reading further lines when needed.
    /// Nil (and no lines consumed) when the quote is never closed: the value is then unquoted.
    private static func quotedValue(_ value: Substring, quote: Character, lines: inout ArraySlice<Substring>) -> String? {
        var body = String(value.dropFirst())
        var extraLines = 0
        var closing = closingQuote(in: body, quote)
        while closing == nil {
            guard lines.count > extraLines else { return nil }
            body += "\n" + lines[lines.startIndex + extraLines]
            extraLines += 1
            closing = closingQuote(in: body, quote)
        }
        lines.removeFirst(extraLines)
        var text = String(body[..<(closing ?? body.endIndex)])
        if quote == "\"" {
            text = text.replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\r", with: "\r")
        }
        return text
    }

    private static func closingQuote(in text: String, _ quote: Character) -> String.Index? {
        var escaped = false
        for index in text.indices {
            let character = text[index]
            if character == quote, !escaped { return index }
            escaped = character == "\\" && !escaped
        }
        return nil
    }

    private static func unquotedValue(_ value: Substring) -> String {
        var text = value
        if let comment = text.firstRange(of: " #") ?? text.firstRange(of: "\t#") { text = text[..<comment.lowerBound] }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// Prisma's expansion: `${NAME}` from the environment first, then the file; `\${` is literal.
    private static func expand(_ value: String, environment: [String: String], file: [String: String], depth: Int) -> String {
        guard value.contains("${") else { return value }
        var result = ""
        var rest = value[...]
        while let open = rest.firstRange(of: "${") {
            let escaped = open.lowerBound > rest.startIndex && rest[rest.index(before: open.lowerBound)] == "\\"
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.firstIndex(of: "}"),
                afterOpen[..<close].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
            else {
                result += rest[..<open.upperBound]
                rest = afterOpen
                continue
            }
            let name = String(afterOpen[..<close])
            if escaped {
                result += rest[..<rest.index(before: open.lowerBound)] + "${" + name + "}"
            } else {
                result += rest[..<open.lowerBound]
                // A reference cycle (A=${B}, B=${A}) stops expanding after a few rounds instead of looping.
                let found = environment[name] ?? file[name] ?? ""
                result += depth < 8 ? expand(found, environment: environment, file: file, depth: depth + 1) : found
            }
            rest = afterOpen[afterOpen.index(after: close)...]
        }
        return result + rest
    }
}
