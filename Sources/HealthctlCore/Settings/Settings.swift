import Logging
import TOMLKit

/// Every setting healthctl has, typed, each with its one built-in default. `SettingsFile` fills
/// it from `healthctl.toml`; each job's resolver (`pruneOptions`, `backfillOptions`,
/// `reportOptions`, `connectionTarget`) lays its flags over it; `config show` lists it through
/// `SettingKeys`.
public struct Settings: Sendable {
    public struct Database: Sendable {
        public var url = Setting<String?>(nil, SettingKind<String>.text.optional())
        public var replicaURL = Setting<String?>(nil, SettingKind<String>.text.optional())
        public var connectTimeoutSeconds = Setting(10, .positiveInteger)
        public var lockTimeout = Setting(TimeSpan(milliseconds: 10_000, text: "10s"), .positiveDuration)
        /// The share of the time a job works while other sessions use the server (`LoadGovernor`).
        public var busyShare = Setting(0.2, .share)

        public init() {}

        public static let builtIn = Database()
    }

    public struct Log: Sendable {
        public var level = Setting(Logger.Level.warning, .choice(Logger.Level.self))
        public var format = Setting(LogFormat.text, .choice(LogFormat.self))

        public init() {}
    }

    public struct Report: Sendable {
        public var period = Setting("last-7d", .text)
        public var slo = Setting(SLOTarget.default, .sloTarget)
        public var sloByProvider = Setting([String: SLOTarget](), .sloTable)
        public var sloByIntegration = Setting([String: SLOTarget](), .sloTable)
        public var maxGap = Setting(ReportSettings.MaxGap.auto, .maxGap)
        public var staleAfter = Setting(TimeSpan.hours(24), .positiveDuration)
        public var warningAs = Setting(ReportSettings.WarningAs.up, .choice(ReportSettings.WarningAs.self))
        public var latencyOf = Setting(ReportSettings.LatencyOf.all, .choice(ReportSettings.LatencyOf.self))
        public var format = Setting(ReportFormat.markdown, .choice(ReportFormat.self))
        public var outputDir = Setting<String?>(nil, SettingKind<String>.text.optional())
        public var maintenance = Setting(ReportSettings.MaintenanceMode.honor, .choice(ReportSettings.MaintenanceMode.self))
        public var minIncident = Setting(TimeSpan.zero, .duration)
        public var tokenWarning = Setting(TimeSpan.days(7), .positiveDuration)
        /// Counted only with `--service-hours`.
        public var serviceHours = Setting<ServiceHours?>(nil, .serviceHours)

        public init() {}

        /// The built-in report settings.
        public static let builtIn = Report()
    }

    /// How a batch job paces itself; each job has its own defaults.
    public struct Pacing: Sendable {
        public var pause = Setting(TimeSpan.zero, .duration)
        public var maxRuntime = Setting<TimeSpan?>(nil, SettingKind<TimeSpan>.positiveDuration.optional())
        public var lockTimeout: Setting<TimeSpan>
        public var statementTimeout: Setting<TimeSpan>

        init(lockTimeout: String, statementTimeout: String) {
            self.lockTimeout = Setting(TimeSpan(lockTimeout) ?? .zero, .positiveDuration)
            self.statementTimeout = Setting(TimeSpan(statementTimeout) ?? .zero, .positiveDuration)
        }

        /// The pacing as the batch kernel takes it.
        public var batchPacing: BatchPacing {
            BatchPacing(
                pauseMilliseconds: pause.value.milliseconds, maxRuntimeMilliseconds: maxRuntime.value?.milliseconds,
                lockTimeoutMilliseconds: lockTimeout.value.milliseconds, statementTimeoutMilliseconds: statementTimeout.value.milliseconds)
        }
    }

    public struct Prune: Sendable {
        public var olderThan = Setting(TimeSpan.days(90), .positiveDuration)
        public var archiveDir = Setting<String?>(nil, SettingKind<String>.text.optional())
        public var batchSize = Setting(5000, .positiveInteger)
        public var jobs = Setting(2, .positiveInteger)
        public var compressionLevel = Setting(6, .integer(in: 1...9))
        public var pacing = Pacing(lockTimeout: "2s", statementTimeout: "5m")

        public init() {}
    }

    public struct Rollup: Sendable {
        /// The schema of the rollup tables; nil: `healthctl`, or `healthctl_<schema>` beside another schema than `public`.
        public var schema = Setting<String?>(nil, SettingKind<String>.text.optional())
        public var jobs = Setting(2, .positiveInteger)

        public init() {}
    }

    public struct Metrics: Sendable {
        /// node_exporter's textfile collector directory; nil: no metrics files.
        public var textfileDir = Setting<String?>(nil, SettingKind<String>.text.optional())

        public init() {}
    }

    public struct Backfill: Sendable {
        public var batchSize = Setting(1000, .positiveInteger)
        public var maxAge = Setting<TimeSpan?>(nil, SettingKind<TimeSpan>.positiveDuration.optional())
        public var tokenRules = Setting(true, .boolean)
        public var pacing = Pacing(lockTimeout: "1s", statementTimeout: "30s")

        public init() {}
    }

    /// The settings file these came from; nil when none was found.
    public var path: String?
    public var database = Database()
    public var log = Log()
    public var report = Report()
    public var prune = Prune()
    public var backfill = Backfill()
    public var rollup = Rollup()
    public var metrics = Metrics()
    /// `[[maintenance]]`: windows left out of report numbers.
    public var maintenance = Setting([MaintenanceWindow](), .maintenanceWindows)

    public init() {}
}

/// `--log-format`.
public enum LogFormat: String, Sendable, CaseIterable {
    case text, json
}

/// `--format` of `report`.
public enum ReportFormat: String, Sendable, CaseIterable {
    case json, csv, markdown, html, prometheus

    public var fileExtension: String {
        switch self {
        case .markdown: return "md"
        case .prometheus: return "prom"
        default: return rawValue
        }
    }
}

extension TimeSpan {
    static let zero = TimeSpan(milliseconds: 0, text: "0s")
    static func hours(_ count: Int64) -> TimeSpan { TimeSpan(milliseconds: count * 3_600_000, text: "\(count)h") }
    static func days(_ count: Int64) -> TimeSpan { TimeSpan(milliseconds: count * CalendarDay.dayMs, text: "\(count)d") }
}

extension SettingKind where Value == SLOTarget {
    /// A percentage above 0 and at most 100 (`99.9`).
    static var sloTarget: SettingKind<SLOTarget> {
        SettingKind(
            expected: "a percentage above 0 and at most 100, e.g. 99.9", parse: { SLOTarget(percent: $0) }, format: { $0.percentNumberText },
            tomlText: { $0.double.map(SettingsFile.format) ?? $0.int.map(String.init) })
    }
}

extension SettingKind where Value == [String: SLOTarget] {
    /// A table of names to SLO percentages; read by `SettingsFile` entry by entry.
    static var sloTable: SettingKind<[String: SLOTarget]> {
        SettingKind(
            expected: "a table of name = percentage", parse: { _ in nil },
            format: { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.percentNumberText)" }.joined(separator: ", ") },
            tomlText: { _ in nil })
    }
}

extension SettingKind where Value == ReportSettings.MaxGap {
    static var maxGap: SettingKind<ReportSettings.MaxGap> {
        SettingKind(
            expected: "a duration such as \"10m\", or \"auto\"",
            parse: { text in
                if text == "auto" { return .auto }
                return TimeSpan(text).flatMap { $0.milliseconds > 0 ? .fixed(milliseconds: $0.milliseconds) : nil }
            },
            format: { ReportSettings.maxGapText($0) })
    }
}

extension SettingKind where Value == [MaintenanceWindow] {
    /// Read from `[[maintenance]]` tables by `SettingsFile`.
    static var maintenanceWindows: SettingKind<[MaintenanceWindow]> {
        SettingKind(
            expected: "a list of [[maintenance]] tables", parse: { _ in nil },
            format: { windows in
                windows.isEmpty ? "-" : windows.map { ($0.reason.isEmpty ? "" : "\($0.reason): ") + $0.scheduleText }.joined(separator: "; ")
            },
            tomlText: { _ in nil })
    }
}

extension SettingKind where Value == ServiceHours? {
    /// Read from `[report.service_hours]` by `SettingsFile`.
    static var serviceHours: SettingKind<ServiceHours?> {
        SettingKind(expected: "a table with days, from, to, timezone and holidays", parse: { _ in nil }, format: { $0?.text ?? "-" }, tomlText: { _ in nil })
    }
}
