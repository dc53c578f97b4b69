import Foundation

/// The flags of the batch jobs' pacing, as given on the command line (nil when not given).
public struct PacingFlags: Sendable {
    public var pause: String?
    public var maxRuntime: String?
    public var lockTimeout: String?
    public var statementTimeout: String?

    public init(pause: String? = nil, maxRuntime: String? = nil, lockTimeout: String? = nil, statementTimeout: String? = nil) {
        self.pause = pause
        self.maxRuntime = maxRuntime
        self.lockTimeout = lockTimeout
        self.statementTimeout = statementTimeout
    }
}

extension Settings.Pacing {
    /// The flags over this job's settings.
    func applying(_ flags: PacingFlags) throws(UsageError) -> BatchPacing {
        var pacing = self
        try pacing.pause.apply(flag: flags.pause, "--pause")
        try pacing.maxRuntime.apply(flag: flags.maxRuntime, "--max-runtime")
        try pacing.lockTimeout.apply(flag: flags.lockTimeout, "--lock-timeout")
        try pacing.statementTimeout.apply(flag: flags.statementTimeout, "--statement-timeout")
        return pacing.batchPacing
    }
}

extension Settings {
    /// Where to connect: `--database-url` over `DATABASE_URL`, `./.env`, `database.url` and
    /// libpq's `PG*` variables (see `ConnectionTarget.resolve`); `--connect-timeout` over
    /// `database.connect_timeout`.
    public func connectionTarget(
        databaseURL: String?, connectTimeout: String?, busyShare: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ConnectionTarget {
        var timeout = database.connectTimeoutSeconds
        try timeout.apply(flag: connectTimeout, "--connect-timeout")
        let share = try database.busyShare(flag: busyShare, environment: environment)
        var target = try ConnectionTarget.resolve(flag: databaseURL, configFileURL: database.url.value, environment: environment)
        target.connectTimeoutSeconds = timeout.value
        target.lockTimeoutMilliseconds = database.lockTimeout.value.milliseconds
        target.busyShare = share.value
        return target
    }
}

extension Settings {
    /// Where a report reads: `--replica-url`, else `DATABASE_REPLICA_URL`, else
    /// `database.replica_url`, else the database the writing jobs use (`connectionTarget`).
    public func readTarget(
        databaseURL: String?, replicaURL: String?, connectTimeout: String?, busyShare: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ConnectionTarget {
        let primary = try connectionTarget(databaseURL: databaseURL, connectTimeout: connectTimeout, busyShare: busyShare, environment: environment)
        let replica = [replicaURL, environment["DATABASE_REPLICA_URL"], database.replicaURL.value].compactMap { $0 }.first { !$0.isEmpty }
        guard let replica else { return primary }
        var target = ConnectionTarget(
            url: try DatabaseURL(parsing: replica), source: .replica, connectTimeoutSeconds: primary.connectTimeoutSeconds,
            lockTimeoutMilliseconds: primary.lockTimeoutMilliseconds)
        target.busyShare = primary.busyShare
        return target
    }

    /// What `config show` lists: every key with its effective value and source, `database.url`
    /// as the connection really resolves it, secrets masked.
    public func effectiveSettings(
        databaseURL: String?, connectTimeout: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> [EffectiveSetting] {
        var settings = self
        try settings.database.connectTimeoutSeconds.apply(flag: connectTimeout, "--connect-timeout")
        settings.database.busyShare = try database.busyShare(flag: nil, environment: environment)
        switch try connectionTarget(databaseURL: databaseURL, connectTimeout: connectTimeout, environment: environment).source {
        case .flag: settings.database.url.set(databaseURL, from: .flag)
        case .environment: settings.database.url.set(environment["DATABASE_URL"], from: .env)
        case .dotEnvFile: settings.database.url.set("(from ./.env)", from: .env)
        case .configFile, .libpqEnvironment, .libpqDefaults, .replica: break
        }
        return SettingKeys.effective(settings)
    }
}

extension Settings.Database {
    /// `database.busy_share` under `HEALTHCTL_BUSY_SHARE` under `--busy-share`.
    func busyShare(flag: String?, environment: [String: String]) throws(UsageError) -> Setting<Double> {
        var share = busyShare
        try share.apply(environment: environment["HEALTHCTL_BUSY_SHARE"], "HEALTHCTL_BUSY_SHARE")
        try share.apply(flag: flag, "--busy-share")
        return share
    }
}
