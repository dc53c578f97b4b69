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
