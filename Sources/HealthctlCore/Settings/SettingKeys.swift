import TOMLKit

/// One key of `healthctl.toml`: its dotted name, meaning, and where its value lives in `Settings`.
public struct SettingKey: Sendable {
    public let name: String
    public let help: String
    /// Masked in `config show`.
    public let isSecret: Bool
    /// What a valid value looks like, for errors.
    let expected: String
    /// Reads the key's TOML value into the settings; false when the value is not valid.
    let read: @Sendable (inout Settings, any TOMLValueConvertible) -> Bool
    /// The effective value as text and its source.
    let show: @Sendable (Settings) -> (value: String?, source: SettingSource)

    init<Value>(
        _ name: String, _ keyPath: WritableKeyPath<Settings, Setting<Value>>, secret: Bool = false, _ help: String
    ) {
        // Key paths never change once made; Swift does not yet mark them Sendable.
        nonisolated(unsafe) let path = keyPath
        self.name = name
        self.help = help
        isSecret = secret
        expected = Settings()[keyPath: path].kind.expected
        read = { settings, value in settings[keyPath: path].apply(toml: value) }
        show = { settings in
            let setting = settings[keyPath: path]
            let text = setting.display
            return (text == "-" ? nil : text, setting.source)
        }
    }
}

/// Every key the settings file may hold: the one list that loading, validation and `config show` read.
public enum SettingKeys {
    public static let all: [SettingKey] = [
        SettingKey("database.url", \.database.url, secret: true, "PostgreSQL URL; DATABASE_URL and --database-url take precedence"),
        SettingKey("database.replica_url", \.database.replicaURL, secret: true, "a read replica for reports; DATABASE_REPLICA_URL and --replica-url take precedence"),
        SettingKey("database.connect_timeout", \.database.connectTimeoutSeconds, "seconds to wait for the server"),
        SettingKey("database.lock_timeout", \.database.lockTimeout, "longest wait for another session's lock outside batch transactions (then exit 75)"),
        SettingKey("database.busy_share", \.database.busyShare, "share of the time a job works while other sessions use the server (1: never back off)"),
        SettingKey("log.level", \.log.level, "log level"),
        SettingKey("log.format", \.log.format, "log line format"),
        SettingKey("report.period", \.report.period, "default report window"),
        SettingKey("report.slo", \.report.slo, "SLO target in percent"),
        SettingKey("report.slo_by_provider", \.report.sloByProvider, "SLO targets per provider, e.g. github = 99.5"),
        SettingKey("report.slo_by_integration", \.report.sloByIntegration, "SLO targets per integration id"),
        SettingKey("report.max_gap", \.report.maxGap, "longest time one check holds its status"),
        SettingKey("report.stale_after", \.report.staleAfter, "lastHealthCheck older than this is stale"),
        SettingKey("report.warning_as", \.report.warningAs, "count WARNING as up or down"),
        SettingKey("report.latency_of", \.report.latencyOf, "checks whose response times count"),
        SettingKey("report.format", \.report.format, "output format"),
        SettingKey("report.output_dir", \.report.outputDir, "directory for <label>.<ext> report files"),
        SettingKey("report.maintenance", \.report.maintenance, "honor maintenance windows (left out of the numbers) or ignore them"),
        SettingKey("report.min_incident", \.report.minIncident, "down runs shorter than this count as up and are not incidents"),
        SettingKey("report.token_warning", \.report.tokenWarning, "a token expiring within this of the report's generation is expiring"),
        SettingKey("report.service_hours", \.report.serviceHours, "the hours --service-hours counts: days, from, to, timezone, holidays"),
        SettingKey("maintenance", \.maintenance, "[[maintenance]] windows: start/end or every/days/from/to/timezone, providers or integrations, reason"),
        SettingKey("prune.older_than", \.prune.olderThan, "retention: rows older than this are archived and deleted"),
        SettingKey("prune.archive_dir", \.prune.archiveDir, "where archives are written"),
        SettingKey("prune.batch_size", \.prune.batchSize, "rows per batch"),
        SettingKey("prune.jobs", \.prune.jobs, "UTC days pruned at the same time, each on its own connection"),
        SettingKey("prune.compression_level", \.prune.compressionLevel, "gzip level, 1 (fastest) to 9 (smallest)"),
        SettingKey("prune.pause", \.prune.pacing.pause, "pause between batches"),
        SettingKey("prune.max_runtime", \.prune.pacing.maxRuntime, "stop after this long (the cron window)"),
        SettingKey("prune.lock_timeout", \.prune.pacing.lockTimeout, "lock_timeout of each batch transaction"),
        SettingKey("prune.statement_timeout", \.prune.pacing.statementTimeout, "statement_timeout of each batch transaction"),
        SettingKey("backfill.batch_size", \.backfill.batchSize, "integrations per batch"),
        SettingKey("backfill.pause", \.backfill.pacing.pause, "pause between batches"),
        SettingKey("backfill.max_runtime", \.backfill.pacing.maxRuntime, "stop after this long"),
        SettingKey("backfill.lock_timeout", \.backfill.pacing.lockTimeout, "lock_timeout of each batch transaction"),
        SettingKey("backfill.statement_timeout", \.backfill.pacing.statementTimeout, "statement_timeout of each batch transaction"),
        SettingKey("backfill.max_age", \.backfill.maxAge, "ignore evidence older than this"),
        SettingKey("backfill.token_rules", \.backfill.tokenRules, "derive ERROR from expired tokens without a refresh token"),
        SettingKey("rollup.schema", \.rollup.schema, "schema of the rollup tables (default healthctl, or healthctl_<schema> beside another schema than public)"),
        SettingKey("rollup.jobs", \.rollup.jobs, "UTC days rolled up at the same time, each on its own connection"),
        SettingKey("metrics.textfile_dir", \.metrics.textfileDir, "write DIR/healthctl_<job>.prom for node_exporter's textfile collector after each report, prune, backfill and rollup"),
    ]

    public static func named(_ name: String) -> SettingKey? { all.first { $0.name == name } }

    /// Keys whose value is a table of names to SLO percentages, read entry by entry.
    static var sloTables: [String: WritableKeyPath<Settings, Setting<[String: SLOTarget]>>] {
        [
        "report.slo_by_provider": \.report.sloByProvider,
        "report.slo_by_integration": \.report.sloByIntegration,
        ]
    }

    /// Every key with its effective value and source, secrets masked.
    public static func effective(_ settings: Settings) -> [EffectiveSetting] {
        all.map { key in
            let (value, source) = key.show(settings)
            return EffectiveSetting(key: key.name, value: key.isSecret ? value.map { DatabaseURL.redacted($0) } : value, source: source)
        }
    }
}

/// One line of `config show`.
public struct EffectiveSetting: Sendable, Codable, Equatable {
    public var key: String
    /// Display text; masked for secrets; nil when unset.
    public var value: String?
    public var source: SettingSource
}
