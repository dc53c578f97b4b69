import ArgumentParser
import HealthctlCore
import Logging

/// Where the database is; see `ConnectionTarget.resolve` for the precedence.
struct ConnectionOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "PostgreSQL URL as Prisma writes it (postgresql://user:pass@host:5432/db?schema=public).",
            discussion: "Default: DATABASE_URL, then DATABASE_URL in ./.env, then database.url in the settings file, then libpq's PG* variables."))
    var databaseURL: String?

    @Option(help: "Seconds to wait for the server when connecting (default 10).")
    var connectTimeout: String?

    /// With `sharing`, for a job that paces itself, which also works at a lower CPU priority
    /// from here on (`ThreadPriority`).
    func target(_ settings: Settings, sharing: SharingOptions? = nil) throws -> ConnectionTarget {
        let target = try settings.connectionTarget(databaseURL: databaseURL, connectTimeout: connectTimeout, busyShare: sharing?.busyShare)
        if sharing != nil { ThreadPriority.lower(forSharing: target) }
        return target
    }
}

/// How a job shares the server with the application (`LoadGovernor`).
struct SharingOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Share of the time to work while other sessions use the server, e.g. 0.5 or 50%; 1 never backs off.",
        discussion: "Default database.busy_share in the settings file; 0.2. With the server to itself, a job always runs at full speed."))
    var busyShare: String?
}

extension LogFormat: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Options every subcommand shares: the settings file and logging (to stderr; stdout carries only data).
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "Settings file (default ./healthctl.toml, then /etc/healthctl/healthctl.toml).")
    var configPath: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (default warning).")
    var logLevel: Logger.Level?

    @Option(help: "Log lines as text or json (one object a line).")
    var logFormat: LogFormat?

    @Flag(name: .shortAndLong, help: "Print errors only; no progress bar.")
    var quiet = false

    @Option(help: ArgumentHelp(
        "For report, prune, backfill and rollup: write job metrics to DIR/healthctl_<job>.prom (node_exporter's textfile collector).",
        discussion: "Default metrics.textfile_dir in the settings file; none."))
    var textfileDir: String?

    /// Loads the settings file and sets up logging; the first thing a subcommand's `run()` does.
    /// A `job` records its run's metrics when a textfile directory is set.
    func start(label: String, job: String? = nil) throws -> RunContext {
        var settings = try SettingsFile.load(explicitPath: configPath)
        try settings.metrics.textfileDir.apply(flag: textfileDir, "--textfile-dir")
        if let job, let directory = settings.metrics.textfileDir.value { JobMetricsRun.shared.start(job: job, directory: directory) }
        settings.log.level.apply(flag: logLevel)
        settings.log.format.apply(flag: logFormat)
        let level = quiet ? .error : settings.log.level.value
        StderrLogHandler.bootstrapOnce(format: settings.log.format.value, level: level)
        var logger = Logger(label: label)
        logger.logLevel = level
        if let path = settings.path { logger.debug("settings read from \(path)") }
        return RunContext(settings: settings, logger: logger, progress: TerminalProgress(quiet: quiet))
    }
}

/// What a running subcommand has: effective settings, a logger, and the progress bar.
struct RunContext {
    var settings: Settings
    var logger: Logger
    /// Draws only when stderr is a terminal and `--quiet` is not given.
    var progress: TerminalProgress
}

extension RunContext {
    /// Runs a long job: SIGINT and SIGTERM become its stop request, and the progress bar's line
    /// is cleared before the job's output or an error message is printed.
    func runStoppable<Value>(_ body: (StopRequest, @escaping ProgressHandler) throws -> Value) throws -> Value {
        let stop = StopRequest()
        SignalTrap.install(stop)
        defer { progress.finish() }
        return try body(stop, progress.handler)
    }
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

    var flags: PacingFlags {
        PacingFlags(pause: pause, maxRuntime: maxRuntime, lockTimeout: lockTimeout, statementTimeout: statementTimeout)
    }
}
