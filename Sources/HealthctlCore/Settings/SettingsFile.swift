import Foundation
import Foundation
import TOMLKit

/// Reads `healthctl.toml` into `Settings`. Unknown keys and wrong types are errors that name the
/// key and the file's line.
public enum SettingsFile {
    public static let searchPaths = ["healthctl.toml", "/etc/healthctl/healthctl.toml"]

    /// Loads `explicitPath` (which must exist), or the first file of `searchPaths` that exists
    /// (relative ones from `workingDirectory`); the built-in defaults when there is none.
    public static func load(explicitPath: String?, workingDirectory: String = FileManager.default.currentDirectoryPath) throws(ConfigError) -> Settings {
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
        return Settings()
    }

    public static func parse(_ text: String, path: String) throws(ConfigError) -> Settings {
        if let line = TOMLKeyCheck.firstBadKeyLine(text) {
            throw .syntax(path: path, line: line, message: "expected a key (a name, or a quoted string)")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw .syntax(path: path, line: error.source.begin.line, message: error.description)
        } catch {
            throw .syntax(path: path, line: 0, message: String(describing: error))
        }
        var settings = Settings()
        settings.path = path
        try collect(table, prefix: "", into: &settings, path: path, lines: KeyLines(text))
        return settings
    }

    private static func collect(
        _ table: TOMLTable, prefix: String, into settings: inout Settings, path: String, lines: KeyLines
    ) throws(ConfigError) {
        for (name, value) in table {
            let full = prefix.isEmpty ? name : "\(prefix).\(name)"
            if full == "maintenance" {
                guard let entries = value.array, entries.allSatisfy({ $0.table != nil }) else {
                    throw .invalidValue(path: path, line: lines.line(of: full), key: full, expected: "a list of [[maintenance]] tables")
                }
                var windows: [MaintenanceWindow] = []
                for (offset, entry) in entries.enumerated() {
                    guard let table = entry.table else { continue }
                    windows.append(try AccountingSettings.maintenance(table, number: offset + 1, line: lines.line(of: "maintenance[\(offset)]"), path: path))
                }
                settings.maintenance.set(windows, from: .file)
            } else if full == "report.service_hours" {
                guard let table = value.table else {
                    throw .invalidValue(path: path, line: lines.line(of: full), key: full, expected: "a table with days, from, to, timezone and holidays")
                }
                settings.report.serviceHours.set(try AccountingSettings.serviceHours(table, line: lines.line(of: full), path: path), from: .file)
            } else if let tablePath = SettingKeys.sloTables[full] {
                guard let entries = value.table else {
                    throw .invalidValue(path: path, line: lines.line(of: full), key: full, expected: "a table of name = percentage")
                }
                var targets: [String: SLOTarget] = [:]
                for (entryName, entry) in entries {
                    let kind = SettingKind<SLOTarget>.sloTarget
                    guard let target = kind.tomlText(entry).flatMap(kind.parse) else {
                        throw .invalidValue(path: path, line: lines.line(of: full), key: "\(full).\(entryName)", expected: kind.expected)
                    }
                    targets[entryName] = target
                }
                settings[keyPath: tablePath].set(targets, from: .file)
            } else if let key = SettingKeys.named(full) {
                guard key.read(&settings, value) else {
                    throw .invalidValue(path: path, line: lines.line(of: full), key: full, expected: key.expected)
                }
            } else if let nested = value.table, SettingKeys.all.contains(where: { $0.name.hasPrefix(full + ".") }) {
                try collect(nested, prefix: full, into: &settings, path: path, lines: lines)
            } else {
                throw .unknownKey(path: path, line: lines.line(of: full), key: full)
            }
        }
    }

    /// `99.5` for 99.5 and `99` for 99.0, as a flag would spell the number.
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
        var arrayEntries: [String: Int] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[["), let close = line.range(of: "]]") {
                // An array of tables: its entries are `name[0]`, `name[1]`, ...
                let name = Self.normalize(String(line[line.index(line.startIndex, offsetBy: 2)..<close.lowerBound]))
                let number = arrayEntries[name, default: 0]
                arrayEntries[name] = number + 1
                table = "\(name)[\(number)]"
                if lineOfKey[name] == nil { lineOfKey[name] = index + 1 }
                lineOfKey[table] = index + 1
            } else if line.hasPrefix("["), let close = line.firstIndex(of: "]") {
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
    case invalidEntry(path: String, line: Int, entry: String, message: String)

    public var category: FailureCategory { .configuration }

    public var description: String {
        switch self {
        case let .notFound(path): return "config file \(path) not found"
        case let .unreadable(path): return "config file \(path) cannot be read"
        case let .syntax(path, line, message): return "\(path) line \(line): \(message)"
        case let .unknownKey(path, line, key):
            let known = SettingKeys.all.map(\.name).filter { $0.hasPrefix(key.split(separator: ".").first.map { String($0) + "." } ?? "") }
            let hint = known.isEmpty ? "" : " (known keys here: \(known.joined(separator: ", ")))"
            return "\(path) line \(line): unknown key \"\(key)\"\(hint)"
        case let .invalidValue(path, line, key, expected): return "\(path) line \(line): \"\(key)\" must be \(expected)"
        case let .invalidEntry(path, line, entry, message): return "\(path) line \(line): \(entry): \(message)"
        }
    }
}
