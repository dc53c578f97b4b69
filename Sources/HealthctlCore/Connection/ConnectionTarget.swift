import Foundation
import Logging
import PostgresClient

/// Where the database settings came from, for messages and `config show`.
public enum ConnectionSource: String, Sendable, Equatable {
    case flag = "--database-url"
    case environment = "DATABASE_URL"
    case dotEnvFile = ".env"
    case configFile = "database.url in the settings file"
    case libpqEnvironment = "libpq environment (PGHOST, PGUSER, ...)"
    /// Nothing at all was set: libpq's defaults (the local socket, the login name).
    case libpqDefaults = "libpq's defaults (no connection settings found)"
    /// `--replica-url`, `DATABASE_REPLICA_URL` or `database.replica_url`: where reports read.
    case replica = "the replica URL"
}

/// The database to connect to, resolved with the documented precedence:
/// `--database-url`, then `DATABASE_URL`, then `.env` in the working directory, then `database.url`
/// in the settings file, then libpq's own environment (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`, `PGSERVICE`, `~/.pgpass`).
public struct ConnectionTarget: Sendable {
    public var url: DatabaseURL
    public var source: ConnectionSource
    /// Seconds libpq waits for the server; sets `connect_timeout` unless the URL has one.
    public var connectTimeoutSeconds: Int
    /// The session's `lock_timeout` (`database.lock_timeout`), unless the URL's options or
    /// `PGOPTIONS` set one: a statement queued behind another session's lock (a migration's
    /// `ALTER TABLE`) ends after it instead of waiting for as long as that lock is held. Batch
    /// transactions set their own, shorter one.
    public var lockTimeoutMilliseconds: Int64
    /// `database.busy_share`: how much of the time a job on this server works while other
    /// sessions use it (`governor`). 1 (never back off) unless set: the settings resolve it for
    /// the command line (`Settings.connectionTarget`).
    public var busyShare = 1.0

    public init(
        url: DatabaseURL, source: ConnectionSource, connectTimeoutSeconds: Int = Settings.Database.builtIn.connectTimeoutSeconds.value,
        lockTimeoutMilliseconds: Int64 = Settings.Database.builtIn.lockTimeout.value.milliseconds
    ) {
        self.url = url
        self.source = source
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.lockTimeoutMilliseconds = lockTimeoutMilliseconds
    }

    public static func resolve(
        flag: String?,
        configFileURL: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(DatabaseURLError) -> ConnectionTarget {
        if let flag, !flag.isEmpty {
            return ConnectionTarget(url: try DatabaseURL(parsing: flag), source: .flag)
        }
        if let value = environment["DATABASE_URL"], !value.isEmpty {
            return ConnectionTarget(url: try DatabaseURL(parsing: value), source: .environment)
        }
        let dotEnvPath = (workingDirectory as NSString).appendingPathComponent(".env")
        if let text = try? String(contentsOfFile: dotEnvPath, encoding: .utf8),
            let value = DotEnv.parse(text, environment: environment)["DATABASE_URL"], !value.isEmpty
        {
            return ConnectionTarget(url: try DatabaseURL(parsing: value), source: .dotEnvFile)
        }
        if let configFileURL, !configFileURL.isEmpty {
            return ConnectionTarget(url: try DatabaseURL(parsing: configFileURL), source: .configFile)
        }
        let schema = environment["HEALTHCTL_SCHEMA"].flatMap { $0.isEmpty ? nil : $0 } ?? DatabaseURL.defaultSchema
        let libpqSet = libpqVariables.contains { environment[$0].map { !$0.isEmpty } ?? false }
        return ConnectionTarget(url: DatabaseURL(libpqParameters: [], schema: schema), source: libpqSet ? .libpqEnvironment : .libpqDefaults)
    }

    /// The libpq variables that say where to connect.
    public static let libpqVariables = ["PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE"]

    public var schema: String { url.schema }

    /// The libpq parameters with the session settings every healthctl connection carries.
    public var sessionParameters: [(key: String, value: String)] {
        sessionParameters(environment: ProcessInfo.processInfo.environment)
    }

    /// The URL's libpq parameters plus the session settings:
    /// - `connect_timeout` (`connectTimeoutSeconds`) and `application_name=healthctl`, unless the URL has its own;
    /// - `client_encoding=UTF8` always, since every text is read as UTF-8;
    /// - `-c TimeZone=UTC` appended to the startup `options` always (after the URL's own options,
    ///   or after `PGOPTIONS` from `environment`, which an explicit `options` would otherwise hide),
    ///   so `now()`, defaults and date arithmetic are in UTC like the data;
    /// - `-c lock_timeout=...` (`lockTimeoutMilliseconds`) unless those options set one.
    public func sessionParameters(environment: [String: String]) -> [(key: String, value: String)] {
        var parameters = url.libpqParameters.filter { $0.key != "client_encoding" }.map { (key: $0.key, value: $0.value) }
        func addUnlessPresent(_ key: String, _ value: String) {
            if !parameters.contains(where: { $0.key == key }) { parameters.append((key: key, value: value)) }
        }
        addUnlessPresent("connect_timeout", String(connectTimeoutSeconds))
        addUnlessPresent("application_name", "healthctl")
        parameters.append((key: "client_encoding", value: "UTF8"))
        let given = parameters.first(where: { $0.key == "options" })?.value ?? environment["PGOPTIONS"] ?? ""
        var options = Self.appending("-c TimeZone=UTC", to: given)
        if !given.contains("lock_timeout") { options += " -c lock_timeout=\(lockTimeoutMilliseconds)" }
        if let index = parameters.firstIndex(where: { $0.key == "options" }) {
            parameters[index].value = options
        } else {
            parameters.append((key: "options", value: options))
        }
        return parameters
    }

    private static func appending(_ option: String, to options: String) -> String {
        let existing = options.trimmingCharacters(in: .whitespaces)
        return existing.isEmpty ? option : existing + " " + option
    }

    /// The pacing a job on this server shares among its workers.
    public func governor(stop: StopRequest, logger: Logger) -> LoadGovernor {
        LoadGovernor(share: busyShare, stop: stop, logger: logger)
    }

    /// Opens a new connection with the session settings.
    public func connect() throws(DatabaseError) -> PostgresConnection {
        // Nothing says where the database is: say so, rather than try libpq's local socket and
        // report its error. `postgresql:///dbname` or PGHOST asks for the socket explicitly.
        guard source != .libpqDefaults else {
            var failure = DatabaseError(connecting: PostgresError(kind: .connectionFailed, message: "no connection settings"))
            failure.withoutSettings = true
            throw failure
        }
        do {
            let connection = try PostgresConnection(parameters: sessionParameters)
            OwnSessions.add(connection.backendPID)
            return connection
        } catch {
            throw DatabaseError(connecting: error)
        }
    }
}
