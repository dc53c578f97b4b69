import Foundation
import TOMLKit

/// A value read from `healthctl.toml`, checked against its key's kind.
public enum ConfigValue: Sendable, Equatable {
    case text(String)
    case table([String: Double])

    /// The value as a flag would spell it (`99.9`, `90d`, `true`), or `k=v, ...` for tables.
    public var display: String {
        switch self {
        case let .text(text): return text
        case let .table(table): return table.sorted { $0.key < $1.key }.map { "\($0.key)=\(ConfigFile.format($0.value))" }.joined(separator: ", ")
        }
    }
}

/// `healthctl.toml`: report defaults, retention, batch sizes. Unknown keys and wrong types are
/// errors that name the key and the file's line.
public struct ConfigFile: Sendable {
    /// Where it was read from; nil when no file was found.
    public var path: String?
    public var values: [String: ConfigValue]

    public static let searchPaths = ["healthctl.toml", "/etc/healthctl/healthctl.toml"]

    public init(path: String? = nil, values: [String: ConfigValue] = [:]) {
        self.path = path
        self.values = values
    }

    /// Loads `explicitPath` (which must exist), or the first file of `searchPaths` that exists
    /// (relative ones from `workingDirectory`), or nothing.
    public static func load(explicitPath: String?, workingDirectory: String = FileManager.default.currentDirectoryPath) throws(ConfigError) -> ConfigFile {
        let candidates: [String]
        if let explicitPath {
            guard FileManager.default.fileExists(atPath: explicitPath) else { throw .notFound(path: explicitPath) }
            candidates = [explicitPath]
        } else {
            candidates = searchPaths.map { $0.hasPrefix("/") ? $0 : (workingDirectory as NSString).appendingPathComponent($0) }
        }
        for path in candidates where FileManager.default.fileExists(atPath: path) {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .unreadable(path: path) }
            return try parse(text, path: path)
        }
        return ConfigFile()
    }

    public static func parse(_ text: String, path: String) throws(ConfigError) -> ConfigFile {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw .syntax(path: path, line: error.source.begin.line, message: error.description)
        } catch {
            throw .syntax(path: path, line: 0, message: String(describing: error))
        }
        let lines = KeyLines(text)
        var values: [String: ConfigValue] = [:]
        try collect(table, prefix: "", into: &values, path: path, lines: lines)
        return ConfigFile(path: path, values: values)
    }

    public subscript(key: String) -> ConfigValue? { values[key] }

    private static func collect(
        _ table: TOMLTable, prefix: String, into values: inout [String: ConfigValue], path: String, lines: KeyLines
    ) throws(ConfigError) {
        for (name, value) in table {
            let full = prefix.isEmpty ? name : "\(prefix).\(name)"
            guard let key = ConfigKey.named(full) else {
                if let nested = value.table, ConfigKey.all.contains(where: { $0.name.hasPrefix(full + ".") }) {
                    try collect(nested, prefix: full, into: &values, path: path, lines: lines)
                    continue
                }
                throw .unknownKey(path: path, line: lines.line(of: full), key: full)
            }
            values[full] = try convert(value, key: key, path: path, line: lines.line(of: full))
        }
    }

    private static func convert(_ value: any TOMLValueConvertible, key: ConfigKey, path: String, line: Int) throws(ConfigError) -> ConfigValue {
        func bad(_ expected: String) -> ConfigError {
            .invalidValue(path: path, line: line, key: key.name, expected: expected)
        }
        switch key.kind {
        case .string:
            guard let text = value.string else { throw bad("a string") }
            return .text(text)
        case .integer:
            guard let number = value.int, number > 0 else { throw bad("a positive integer") }
            return .text(String(number))
        case .percent:
            guard let number = value.double ?? value.int.map(Double.init), number > 0, number < 100 else {
                throw bad("a percentage between 0 and 100, e.g. 99.9")
            }
            return .text(format(number))
        case .boolean:
            guard let flag = value.bool else { throw bad("true or false") }
            return .text(flag ? "true" : "false")
        case .duration, .durationOrAuto:
            guard let text = value.string,
                (key.kind == .durationOrAuto && text == "auto") || DurationText.parseMilliseconds(text) != nil
            else { throw bad(key.kind == .durationOrAuto ? "a duration such as \"10m\", or \"auto\"" : "a duration such as \"90d\" or \"5m\"") }
            return .text(text)
        case let .choice(options):
            guard let text = value.string, options.contains(text) else { throw bad("one of " + options.joined(separator: ", ")) }
            return .text(text)
        case .percentTable:
            guard let table = value.table else { throw bad("a table of name = percentage") }
            var result: [String: Double] = [:]
            for (name, entry) in table {
                guard let number = entry.double ?? entry.int.map(Double.init), number > 0, number < 100 else {
                    throw .invalidValue(path: path, line: line, key: "\(key.name).\(name)", expected: "a percentage between 0 and 100")
                }
                result[name] = number
            }
            return .table(result)
        }
    }

    static func format(_ number: Double) -> String {
        number == number.rounded() ? String(Int(number)) : String(number)
    }
}

/// Finds the line on which a dotted key is defined, for error messages. TOML parsers do not
/// report positions of valid keys, so this scans table headers and `key =` lines.
struct KeyLines {
    private var lineOfKey: [String: Int] = [:]

    init(_ text: String) {
        var table = ""
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("["), let close = line.firstIndex(of: "]") {
                table = Self.normalize(line[line.index(after: line.startIndex)..<close].trimmingCharacters(in: CharacterSet(charactersIn: "[] ")))
                if lineOfKey[table] == nil { lineOfKey[table] = index + 1 }
            } else if let equals = line.firstIndex(of: "="), !line.hasPrefix("#") {
                let key = Self.normalize(String(line[..<equals]))
                let full = table.isEmpty ? key : "\(table).\(key)"
                if lineOfKey[full] == nil { lineOfKey[full] = index + 1 }
            }
        }
    }

    func line(of key: String) -> Int { lineOfKey[key] ?? 0 }

    private static func normalize(_ key: String) -> String {
        key.split(separator: ".").map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'")) }
            .joined(separator: ".")
    }
}

public enum ConfigError: CategorizedError, Equatable, Sendable {
    case notFound(path: String)
    case unreadable(path: String)
    case syntax(path: String, line: Int, message: String)
    case unknownKey(path: String, line: Int, key: String)
    case invalidValue(path: String, line: Int, key: String, expected: String)

    public var category: FailureCategory { .configuration }

    public var description: String {
        switch self {
        case let .notFound(path): return "config file \(path) not found"
        case let .unreadable(path): return "config file \(path) cannot be read"
        case let .syntax(path, line, message): return "\(path) line \(line): \(message)"
        case let .unknownKey(path, line, key):
            let known = ConfigKey.all.map(\.name).filter { $0.hasPrefix(key.split(separator: ".").first.map { String($0) + "." } ?? "") }
            let hint = known.isEmpty ? "" : " (known keys here: \(known.joined(separator: ", ")))"
            return "\(path) line \(line): unknown key \"\(key)\"\(hint)"
        case let .invalidValue(path, line, key, expected): return "\(path) line \(line): \"\(key)\" must be \(expected)"
        }
    }
}
