import Foundation

/// Where a setting's value came from, shown by `config show`.
public enum SettingSource: String, Sendable, Codable {
    case flag, env, file, `default`
}

/// One effective setting.
public struct EffectiveSetting: Sendable, Codable, Equatable {
    public var key: String
    /// Display text; masked for secrets.
    public var value: String?
    public var source: SettingSource
}

/// Flags over the config file over built-in defaults. Commands ask for a key with the flag's
/// value (nil when the flag was not given) and get the value to use.
public struct EffectiveSettings: Sendable {
    public var file: ConfigFile
    /// Values given on the command line or by the environment, by key.
    public var overrides: [String: (value: String, source: SettingSource)]

    public init(file: ConfigFile, overrides: [String: (value: String, source: SettingSource)] = [:]) {
        self.file = file
        self.overrides = overrides
    }

    /// The text to use for `key`: the flag when given, else the file, else the built-in default.
    public func text(_ key: String, flag: String? = nil) -> String? {
        resolved(key, flag: flag).value
    }

    public func resolved(_ key: String, flag: String? = nil) -> (value: String?, source: SettingSource) {
        if let flag { return (flag, .flag) }
        if let override = overrides[key] { return (override.value, override.source) }
        if let value = file[key], case let .text(text) = value { return (text, .file) }
        return (ConfigKey.named(key)?.builtinDefault, .default)
    }

    /// A table-valued key (`report.slo_by_provider`), empty when absent.
    public func table(_ key: String) -> [String: Double] {
        if case let .table(table) = file[key] { return table }
        return [:]
    }

    /// Every known key with its effective value and source, secrets masked.
    public func all() -> [EffectiveSetting] {
        ConfigKey.all.map { key in
            if key.kind == .percentTable {
                let value = file[key.name]
                return EffectiveSetting(key: key.name, value: value?.display, source: value == nil ? .default : .file)
            }
            let (value, source) = resolved(key.name)
            let shown = key.isSecret ? value.map { DatabaseURL.redacted($0) } : value
            return EffectiveSetting(key: key.name, value: shown, source: source)
        }
    }
}
