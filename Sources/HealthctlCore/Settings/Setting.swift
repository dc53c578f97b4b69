import TOMLKit

/// Where a setting's value came from, shown by `config show`.
public enum SettingSource: String, Sendable, Codable {
    case flag, env, file, `default`
}

/// A duration as given (`90d`), with its length.
public struct TimeSpan: Sendable, Equatable {
    public var milliseconds: Int64
    /// The text it was given as, for `config show` and reports.
    public var text: String

    public init?(_ text: String) {
        guard let milliseconds = DurationText.parseMilliseconds(text) else { return nil }
        self.init(milliseconds: milliseconds, text: text)
    }

    public init(milliseconds: Int64, text: String) {
        self.milliseconds = milliseconds
        self.text = text
    }
}

/// How one setting's values are read, checked and shown. Flags and the settings file go through
/// the same `parse`, so a value is valid or not whichever way it is given.
public struct SettingKind<Value: Sendable>: Sendable {
    /// What a valid value looks like, for errors: `a duration such as "90d" or "5m"`.
    public let expected: String
    let parse: @Sendable (String) -> Value?
    let format: @Sendable (Value) -> String
    /// The TOML value as text for `parse`; nil when its TOML type is wrong.
    let tomlText: @Sendable (any TOMLValueConvertible) -> String?

    init(
        expected: String, parse: @escaping @Sendable (String) -> Value?, format: @escaping @Sendable (Value) -> String,
        tomlText: @escaping @Sendable (any TOMLValueConvertible) -> String? = { $0.string }
    ) {
        self.expected = expected
        self.parse = parse
        self.format = format
        self.tomlText = tomlText
    }

    public static var text: SettingKind<String> { SettingKind<String>(expected: "a string", parse: { $0 }, format: { $0 }) }

    public static var positiveInteger: SettingKind<Int> {
        SettingKind<Int>(
            expected: "a positive integer", parse: { Int($0).flatMap { $0 > 0 ? $0 : nil } }, format: { String($0) },
            tomlText: { $0.int.map(String.init) })
    }

    public static func integer(in range: ClosedRange<Int>) -> SettingKind<Int> {
        SettingKind<Int>(
            expected: "an integer from \(range.lowerBound) to \(range.upperBound)", parse: { Int($0).flatMap { range.contains($0) ? $0 : nil } },
            format: { String($0) }, tomlText: { $0.int.map(String.init) })
    }

    /// A share of the time, more than 0 and at most 1 (`0.2`, or `20%`).
    public static var share: SettingKind<Double> {
        SettingKind<Double>(
            expected: "a share from 0.01 to 1, such as 0.2 or 20%",
            parse: { text in
                let value = text.hasSuffix("%") ? Double(text.dropLast()).map { $0 / 100 } : Double(text)
                return value.flatMap { $0 >= 0.01 && $0 <= 1 ? $0 : nil }
            },
            format: { String($0) },
            tomlText: { $0.double.map { String($0) } ?? $0.int.map { String($0) } ?? $0.string })
    }

    public static var boolean: SettingKind<Bool> {
        SettingKind<Bool>(
            expected: "true or false", parse: { ["true": true, "false": false][$0] }, format: { $0 ? "true" : "false" },
            tomlText: { $0.bool.map { $0 ? "true" : "false" } })
    }

    /// A duration of zero or more (`0s`, `200ms`).
    public static var duration: SettingKind<TimeSpan> {
        SettingKind<TimeSpan>(expected: "a duration such as \"90d\" or \"5m\"", parse: TimeSpan.init, format: \.text)
    }

    /// A duration longer than zero.
    public static var positiveDuration: SettingKind<TimeSpan> {
        SettingKind<TimeSpan>(
            expected: "a duration such as \"90d\" or \"5m\"", parse: { TimeSpan($0).flatMap { $0.milliseconds > 0 ? $0 : nil } }, format: \.text)
    }

    public static func choice<Choice: RawRepresentable & CaseIterable & Sendable>(_: Choice.Type) -> SettingKind<Choice>
    where Choice.RawValue == String {
        SettingKind<Choice>(
            expected: "one of " + Choice.allCases.map(\.rawValue).joined(separator: ", "), parse: Choice.init(rawValue:), format: \.rawValue)
    }

    /// The setting may be unset; nothing in it changes how a given value is read.
    public func optional() -> SettingKind<Value?> {
        let (parse, format) = (self.parse, self.format)
        return SettingKind<Value?>(
            expected: expected, parse: { parse($0).map { Optional($0) } }, format: { $0.map(format) ?? "-" }, tomlText: tomlText)
    }
}

/// One setting's effective value, where it came from, and how values for it are read.
public struct Setting<Value: Sendable>: Sendable {
    public private(set) var value: Value
    public private(set) var source: SettingSource = .default
    public let kind: SettingKind<Value>

    public init(_ builtinDefault: Value, _ kind: SettingKind<Value>) {
        value = builtinDefault
        self.kind = kind
    }

    /// The value as `config show` prints it.
    public var display: String { kind.format(value) }

    /// Takes a flag's text when it was given. A value the kind does not accept is a usage error
    /// naming the flag.
    public mutating func apply(flag text: String?, _ flag: String) throws(UsageError) {
        guard let text else { return }
        set(try parsed(text, named: flag), from: .flag)
    }

    /// Takes an environment variable's text when it is set and not empty. A value the kind does
    /// not accept is a usage error naming the variable.
    public mutating func apply(environment text: String?, _ variable: String) throws(UsageError) {
        guard let text, !text.isEmpty else { return }
        set(try parsed(text, named: variable), from: .env)
    }

    private func parsed(_ text: String, named name: String) throws(UsageError) -> Value {
        guard let value = kind.parse(text) else { throw UsageError("invalid \(name) \"\(text)\": expected \(kind.expected)") }
        return value
    }

    /// Takes a flag whose value the argument parser already checked, when it was given.
    public mutating func apply(flag value: Value?) {
        guard let value else { return }
        set(value, from: .flag)
    }

    /// Sets a value found elsewhere (the environment, a flag already parsed).
    public mutating func set(_ value: Value, from source: SettingSource) {
        self.value = value
        self.source = source
    }

    /// Reads the value from the settings file; nil when the kind does not accept it.
    mutating func apply(toml: any TOMLValueConvertible) -> Bool {
        guard let text = kind.tomlText(toml), let parsed = kind.parse(text) else { return false }
        value = parsed
        source = .file
        return true
    }
}
