/// Every setting `healthctl.toml` may hold: its name, type, built-in default and meaning.
/// The single list that loading, validation and `config show` read.
public struct ConfigKey: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case string
        case integer
        /// A percentage such as 99.9.
        case percent
        case boolean
        /// A duration such as `90d` or `5m`.
        case duration
        /// A duration, or the word `auto`.
        case durationOrAuto
        case choice([String])
        /// A table of names to percentages (per-provider or per-integration SLO targets).
        case percentTable
    }

    /// Dotted name: `section.key`.
    public var name: String
    public var kind: Kind
    /// The built-in default as text; nil when there is none.
    public var builtinDefault: String?
    /// Masked in `config show`.
    public var isSecret: Bool
    public var help: String

    public init(_ name: String, _ kind: Kind, default builtinDefault: String?, secret: Bool = false, _ help: String) {
        self.name = name
        self.kind = kind
        self.builtinDefault = builtinDefault
        self.isSecret = secret
        self.help = help
    }

    public static let all: [ConfigKey] = [
        ConfigKey("database.url", .string, default: nil, secret: true, "PostgreSQL URL; DATABASE_URL and --database-url take precedence"),
        ConfigKey("database.connect_timeout", .integer, default: "10", "seconds to wait for the server"),
        ConfigKey("log.level", .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]), default: "warning", "log level"),
        ConfigKey("log.format", .choice(["text", "json"]), default: "text", "log line format"),
        ConfigKey("report.period", .string, default: "last-7d", "default report window"),
        ConfigKey("report.slo", .percent, default: "99.9", "SLO target in percent"),
        ConfigKey("report.slo_by_provider", .percentTable, default: nil, "SLO targets per provider, e.g. github = 99.5"),
        ConfigKey("report.slo_by_integration", .percentTable, default: nil, "SLO targets per integration id"),
        ConfigKey("report.max_gap", .durationOrAuto, default: "auto", "longest time one check holds its status"),
        ConfigKey("report.stale_after", .duration, default: "24h", "lastHealthCheck older than this is stale"),
        ConfigKey("report.warning_as", .choice(["up", "down"]), default: "up", "count WARNING as up or down"),
        ConfigKey("report.latency_of", .choice(["all", "healthy"]), default: "all", "checks whose response times count"),
        ConfigKey("report.format", .choice(["json", "csv", "markdown"]), default: "markdown", "output format"),
        ConfigKey("report.output_dir", .string, default: nil, "directory for <label>.<ext> report files"),
        ConfigKey("prune.older_than", .duration, default: "90d", "retention: rows older than this are archived and deleted"),
        ConfigKey("prune.archive_dir", .string, default: nil, "where archives are written"),
        ConfigKey("prune.batch_size", .integer, default: "5000", "rows per batch"),
        ConfigKey("prune.pause", .duration, default: "0s", "pause between batches"),
        ConfigKey("prune.max_runtime", .duration, default: nil, "stop after this long (the cron window)"),
        ConfigKey("backfill.batch_size", .integer, default: "1000", "integrations per batch"),
        ConfigKey("backfill.pause", .duration, default: "0s", "pause between batches"),
        ConfigKey("backfill.max_runtime", .duration, default: nil, "stop after this long"),
        ConfigKey("backfill.max_age", .duration, default: nil, "ignore evidence older than this"),
        ConfigKey("backfill.token_rules", .boolean, default: "true", "derive ERROR from expired tokens without a refresh token"),
    ]

    public static func named(_ name: String) -> ConfigKey? { all.first { $0.name == name } }
}
