import Foundation
import Logging
import PostgresClient

/// What the server behind a connection is: the primary, or a hot standby replaying its WAL.
public struct ServerRole: Sendable, Equatable {
    /// In recovery: a hot standby (read-only).
    public var isStandby: Bool
    /// On a standby, the commit time of the last transaction replayed: how current the data is.
    public var replayedUntilMs: Int64?

    public static let primary = ServerRole(isStandby: false, replayedUntilMs: nil)

    public init(isStandby: Bool, replayedUntilMs: Int64?) {
        self.isStandby = isStandby
        self.replayedUntilMs = replayedUntilMs
    }

    public static func of(_ connection: PostgresConnection) throws -> ServerRole {
        let row = try databaseStep("asking whether the server is a standby") {
            try connection.query(
                "SELECT pg_is_in_recovery(), \(HealthSchema.epochMillisecondsSQL("pg_last_xact_replay_timestamp()"))"
            ).first
        }
        let standby = row?.bool(0) ?? false
        return ServerRole(isStandby: standby, replayedUntilMs: standby ? row?.int64(1) : nil)
    }
}

/// A writing job was pointed at a hot standby (exit 78).
public struct StandbyError: CategorizedError, Equatable, Sendable {
    /// `prune`, `backfill`, `archive restore`, `seed`, `schema apply`.
    public var job: String
    /// `host:port/database`, no credentials.
    public var server: String

    public var category: FailureCategory { .configuration }

    public var description: String {
        "\(job) writes to the database, but \(server) is a read-only standby (in recovery): point --database-url or DATABASE_URL at the primary"
    }
}

extension ConnectionTarget {
    /// Connects for a job that writes, refusing a standby before anything is written.
    public func connectToPrimary(for job: String) throws -> PostgresConnection {
        let connection = try connect()
        guard try ServerRole.of(connection).isStandby else { return connection }
        throw StandbyError(job: job, server: "\(connection.hostName):\(connection.port)/\(connection.databaseName)")
    }
}

/// How often and how long to wait before reading again after a recovery conflict cancelled a
/// read on a standby (SQLSTATE 40001): the pure half of the retry, for tests with plain values.
public struct RecoveryConflictRetry: Sendable, Equatable {
    /// The waits before the second, third, ... attempt; one attempt more than waits.
    public var delaysMilliseconds: [Int64]

    public static let standard = RecoveryConflictRetry(delaysMilliseconds: [500, 1000, 2000, 4000])

    public init(delaysMilliseconds: [Int64]) { self.delaysMilliseconds = delaysMilliseconds }

    /// The wait before trying again after attempt number `attempt` (from 1) failed with `error`,
    /// or nil to give up and throw it.
    public func delay(afterAttempt attempt: Int, error: any Error) -> Int64? {
        guard Self.isRecoveryConflict(error), attempt >= 1, attempt <= delaysMilliseconds.count else { return nil }
        return delaysMilliseconds[attempt - 1]
    }

    /// A recovery conflict cancels the statement (40001), or ends the session, which the client
    /// may see only as a closed connection, or, when it ended the session that exported the
    /// snapshot, as the other connections' `invalid snapshot identifier` (22023); a report's read
    /// is safe to start over after any of them.
    static func isRecoveryConflict(_ error: any Error) -> Bool {
        guard let postgres = (error as? DatabaseError)?.underlying ?? (error as? PostgresError) else { return false }
        if postgres.sqlState == "22023", postgres.message.contains("snapshot") { return true }
        return postgres.sqlState == "40001" || postgres.kind == .connectionLost
    }

    /// Runs `body`, again after each recovery conflict while the policy allows.
    func run<Value>(logger: Logger, _ body: () throws -> Value) throws -> Value {
        var attempt = 1
        while true {
            do {
                return try body()
            } catch {
                guard let wait = delay(afterAttempt: attempt, error: error) else { throw error }
                logger.notice("a recovery conflict on the standby cancelled the read; reading again in \(wait) ms (attempt \(attempt + 1) of \(delaysMilliseconds.count + 1))")
                Thread.sleep(forTimeInterval: Double(wait) / 1000)
                attempt += 1
            }
        }
    }
}
