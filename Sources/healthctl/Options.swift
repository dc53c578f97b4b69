import ArgumentParser
import HealthctlCore
import Logging

/// Where the database is; see `ConnectionTarget` for the precedence.
struct ConnectionOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "PostgreSQL URL as Prisma writes it (postgresql://user:pass@host:5432/db?schema=public).",
            discussion: "Default: DATABASE_URL, then DATABASE_URL in ./.env, then database.url in the settings file, then libpq's PG* variables."))
    var databaseURL: String?

    @Option(help: "Seconds to wait for the server when connecting (default 10).")
    var connectTimeout: Int?

    func validate() throws {
        if let connectTimeout, connectTimeout < 1 { throw ValidationError("--connect-timeout must be at least 1 second") }
    }

    func target(_ settings: EffectiveSettings) throws -> ConnectionTarget {
        var fileURL: String?
        if case let .text(url) = settings.file["database.url"] { fileURL = url }
        var target = try ConnectionTarget.resolve(flag: databaseURL, configFileURL: fileURL)
        let timeout = settings.text("database.connect_timeout", flag: connectTimeout.map(String.init))
        target.connectTimeoutSeconds = timeout.flatMap(Int.init) ?? 10
        return target
    }
}

enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Options every subcommand shares: the settings file and logging (to stderr; stdout carries only data).
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "Settings file (default ./healthctl.toml, then /etc/healthctl/healthctl.toml).")
    var configPath: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (default warning).")
    var logLevel: String?

    @Option(help: "Log lines as text or json (one object a line).")
    var logFormat: LogFormat?

    @Flag(name: .shortAndLong, help: "Print errors only; no progress bar.")
    var quiet = false

    func validate() throws {
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("invalid --log-level \"\(logLevel)\": use trace, debug, info, notice, warning, error or critical")
        }
    }

    /// Loads the settings file and sets up logging; the first thing a subcommand's `run()` does.
    func start(label: String) throws -> RunContext {
        let settings = EffectiveSettings(file: try ConfigFile.load(explicitPath: configPath))
        let levelText = settings.text("log.level", flag: logLevel) ?? "warning"
        let level = quiet ? .error : (Logger.Level(rawValue: levelText) ?? .warning)
        let format = settings.text("log.format", flag: logFormat?.rawValue) ?? "text"
        StderrLogHandler.bootstrapOnce(format: format == "json" ? .json : .text, level: level)
        var logger = Logger(label: label)
        logger.logLevel = level
        if let path = settings.file.path { logger.debug("settings read from \(path)") }
        return RunContext(settings: settings, logger: logger, quiet: quiet)
    }
}

/// What a running subcommand has: effective settings, a logger, and whether to stay quiet.
struct RunContext {
    var settings: EffectiveSettings
    var logger: Logger
    var quiet: Bool
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Pacing and limits of the batch jobs (prune, backfill): one short transaction per batch.
struct BatchOptions: ParsableArguments {
    @Option(help: "Pause between batches, e.g. 200ms (default 0; <job>.pause in the settings file).")
    var pause: String?

    @Option(help: "Stop cleanly after this long, e.g. 30m (<job>.max_runtime in the settings file).")
    var maxRuntime: String?

    @Option(help: "lock_timeout of each batch transaction (prune 2s, backfill 1s).")
    var lockTimeout: String?

    @Option(help: "statement_timeout of each batch transaction (prune 5m, backfill 30s).")
    var statementTimeout: String?

    struct Pacing {
        var pauseMilliseconds: Int64
        var maxRuntimeMilliseconds: Int64?
        var lockTimeoutMilliseconds: Int64
        var statementTimeoutMilliseconds: Int64
    }

    /// Flags over `<job>.pause` and `<job>.max_runtime` in the settings file over the job's defaults.
    func pacing(_ settings: EffectiveSettings, job: String, lockTimeoutMilliseconds: Int64, statementTimeoutMilliseconds: Int64) throws -> Pacing {
        Pacing(
            pauseMilliseconds: try durationOption(settings.text("\(job).pause", flag: pause), "--pause") ?? 0,
            maxRuntimeMilliseconds: try durationOption(settings.text("\(job).max_runtime", flag: maxRuntime), "--max-runtime"),
            lockTimeoutMilliseconds: try durationOption(lockTimeout, "--lock-timeout") ?? lockTimeoutMilliseconds,
            statementTimeoutMilliseconds: try durationOption(statementTimeout, "--statement-timeout") ?? statementTimeoutMilliseconds)
    }
}

/// Parses a duration flag (`500ms`, `30s`, `5m`, `7d`); nil when the flag was not given.
func durationOption(_ text: String?, _ flag: String) throws -> Int64? {
    guard let text else { return nil }
    guard let millis = DurationText.parseMilliseconds(text) else {
        throw UsageError("invalid \(flag) \"\(text)\" (examples: 500ms, 30s, 5m, 7d)")
    }
    return millis
}
