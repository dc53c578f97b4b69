import Foundation
import Logging
import PostgresClient

/// Starting a job over when the server ended its session: the pure half (which failures, how
/// long to wait) is testable with plain values.
///
/// Every job that is retried is safe to start over from the beginning: a report only reads; prune
/// resumes from its manifests; backfill changes only rows still UNKNOWN; rollup redoes only days
/// without a current rollup; restore is one transaction of `ON CONFLICT DO NOTHING`. Seed and
/// schema apply are not retried.
public struct ConnectionRetry: Sendable, Equatable {
    public enum Cause: String, Sendable, Equatable {
        /// A standby cancelled a read to replay the primary's changes (40001), or that ended the
        /// session that exported the shared snapshot (22023).
        case recoveryConflict = "a recovery conflict on the standby cancelled the read"
        /// The session ended: terminated (57P01), a server crash or restart (57P02, 57P03), the network.
        case lostConnection = "the connection to the server was lost"
        /// After a lost connection, the server refuses connections for a while (a restart).
        case serverUnreachable = "the server does not accept connections yet"
    }

    /// The waits before the second, third, ... attempt; one attempt more than waits.
    public var delaysMilliseconds: [Int64]
    /// Reads retry a standby's recovery conflicts; writing jobs do not meet them.
    public var retriesRecoveryConflicts: Bool

    /// For reports: 7.5 s of waits in all.
    public static let reads = ConnectionRetry(delaysMilliseconds: [500, 1000, 2000, 4000], retriesRecoveryConflicts: true)
    /// For writing jobs: 15 s of waits, about what a server's crash recovery after `pg_ctl restart -m immediate` takes.
    public static let jobs = ConnectionRetry(delaysMilliseconds: [1000, 2000, 4000, 8000], retriesRecoveryConflicts: false)

    public init(delaysMilliseconds: [Int64], retriesRecoveryConflicts: Bool) {
        self.delaysMilliseconds = delaysMilliseconds
        self.retriesRecoveryConflicts = retriesRecoveryConflicts
    }

    /// The wait and its cause before trying again after attempt number `attempt` (from 1) failed
    /// with `error`, or nil to give up and throw it. A server that refuses connections is waited
    /// for only after a lost connection: a wrong address fails at once.
    public func delay(afterAttempt attempt: Int, error: any Error, afterLostConnection: Bool = false) -> (milliseconds: Int64, cause: Cause)? {
        guard attempt >= 1, attempt <= delaysMilliseconds.count, let cause = Self.cause(of: error) else { return nil }
        switch cause {
        case .recoveryConflict where !retriesRecoveryConflicts: return nil
        case .serverUnreachable where !afterLostConnection: return nil
        default: return (delaysMilliseconds[attempt - 1], cause)
        }
    }

    static func cause(of error: any Error) -> Cause? {
        guard let postgres = (error as? DatabaseError)?.underlying ?? (error as? PostgresError) else { return nil }
        if postgres.sqlState == "22023", postgres.message.contains("snapshot") { return .recoveryConflict }
        if postgres.sqlState == "40001" { return .recoveryConflict }
        if postgres.kind == .connectionLost || ["57P01", "57P02"].contains(postgres.sqlState) || postgres.isServerRestarting { return .lostConnection }
        if postgres.kind == .connectionFailed, !postgres.isAuthenticationFailure, !postgres.message.contains("does not exist") {
            return .serverUnreachable
        }
        return nil
    }

    /// Runs `body`, again after each failure the policy allows, waiting in steps a stop request
    /// (a signal) cuts short; `body` is told the attempt number (from 1).
    public func run<Value>(_ job: String, logger: Logger, stop: StopRequest? = nil, _ body: (_ attempt: Int) throws -> Value) throws -> Value {
        var attempt = 1
        var lost = false
        while true {
            do {
                return try body(attempt)
            } catch {
                guard stop?.isRequested != true, let (wait, cause) = delay(afterAttempt: attempt, error: error, afterLostConnection: lost) else { throw error }
                lost = lost || cause != .recoveryConflict
                logger.warning("\(job): \(cause.rawValue) (\(Self.reason(error))); starting over in \(wait) ms (attempt \(attempt + 1) of \(delaysMilliseconds.count + 1))")
                let waiting = stop ?? StopRequest()
                waiting.sleep(milliseconds: wait)
                if waiting.isRequested { throw error }
                attempt += 1
            }
        }
    }

    /// The summary line of a job that started over, nil when it did not.
    public static func startedOverNote(attempts: Int) -> String? {
        guard attempts > 1 else { return nil }
        return "started over \(attempts - 1) time\(attempts == 2 ? "" : "s") after a lost connection; the figures are the last attempt's"
    }

    /// The server's message and SQLSTATE, redacted; never the connection string.
    private static func reason(_ error: any Error) -> String {
        guard let postgres = (error as? DatabaseError)?.underlying ?? (error as? PostgresError) else { return "\(error)" }
        return Redactor.redact(postgres.description).split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
}
