import Foundation
import PostgresClient

extension HealthctlProcess {
    /// What a started job's server session must be doing before `start(_:database:observer:until:)`
    /// returns.
    public enum SessionState: Sendable {
        /// Connected, and has sent its first statement.
        case atWork
        /// Waiting for a lock another session holds.
        case waitingOnALock
        /// Has sent a statement containing this text (running it, or done with it and idle).
        case sent(containing: String)

        /// The condition on `pg_stat_activity`, whose parameters follow the query's two.
        var condition: String {
            switch self {
            case .atWork: return "query <> ''"
            case .waitingOnALock: return "wait_event_type = 'Lock'"
            case .sent: return "strpos(query, $3) > 0"
            }
        }

        var parameters: [String] {
            guard case let .sent(text) = self else { return [] }
            return [text]
        }
    }

    /// Starts `healthctl arguments...` as `start` does, and returns once a session it opened on
    /// `database` after the start is in `state`, as `observer` (any session on the same server)
    /// sees it: 10 s at most, or until the process ends. A fault's random instant then counts from
    /// the job's work, not from a process start that a loaded machine stretches, and never lands
    /// on a session still connecting, or on one a run killed before left behind.
    public static func start(
        _ arguments: [String], output: Bool = false, database: String, observer: PostgresConnection, until state: SessionState = .atWork,
        errorFile: URL? = nil, environment: [String: String?] = [:]
    ) throws -> Process {
        let startedAt = try observer.query("SELECT clock_timestamp()::text").first?.string(0) ?? "-infinity"
        let process = try start(arguments, output: output, errorFile: errorFile, environment: environment)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline {
            let sessions = try observer.query(
                """
                SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'healthctl%'
                AND backend_start >= CAST($2 AS timestamptz) AND \(state.condition)
                """, [database, startedAt] + state.parameters).first?.int(0) ?? 0
            if sessions > 0 { break }
            usleep(5_000)
        }
        return process
    }
}
