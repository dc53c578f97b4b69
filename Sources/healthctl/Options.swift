import ArgumentParser
import HealthctlCore
import Logging

/// Where the database is; see `ConnectionTarget` for the precedence.
struct ConnectionOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "PostgreSQL URL as Prisma writes it (postgresql://user:pass@host:5432/db?schema=public).",
            discussion: "Default: DATABASE_URL, then DATABASE_URL in ./.env, then libpq's PG* variables."))
    var databaseURL: String?

    @Option(help: "Seconds to wait for the server when connecting.")
    var connectTimeout: Int = 10

    func target() throws -> ConnectionTarget {
        var target = try ConnectionTarget.resolve(flag: databaseURL)
        target.connectTimeoutSeconds = connectTimeout
        return target
    }
}

enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Logging to stderr; stdout carries only data.
struct LoggingOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "warning"

    @Option(help: "Log lines as text or JSON (one object a line).")
    var logFormat: LogFormat = .text

    @Flag(name: .shortAndLong, help: "Print errors only.")
    var quiet = false

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("invalid --log-level \"\(logLevel)\"")
        }
    }

    /// Sets up swift-log once for the process and returns a logger.
    func makeLogger(label: String) -> Logger {
        let level = quiet ? .error : (Logger.Level(rawValue: logLevel) ?? .warning)
        StderrLogHandler.bootstrapOnce(format: logFormat == .json ? .json : .text, level: level)
        return Logger(label: label)
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
