import Foundation
import PostgresClient

/// How a batch job paces itself: between batches, and inside each batch transaction.
public struct BatchPacing: Sendable, Equatable {
    /// `--pause` between batches.
    public var pauseMilliseconds: Int64
    /// `--max-runtime`: no batch starts after this long.
    public var maxRuntimeMilliseconds: Int64?
    /// `lock_timeout` and `statement_timeout` of each batch transaction.
    public var lockTimeoutMilliseconds: Int64
    public var statementTimeoutMilliseconds: Int64

    public init(pauseMilliseconds: Int64 = 0, maxRuntimeMilliseconds: Int64? = nil, lockTimeoutMilliseconds: Int64, statementTimeoutMilliseconds: Int64) {
        self.pauseMilliseconds = pauseMilliseconds
        self.maxRuntimeMilliseconds = maxRuntimeMilliseconds
        self.lockTimeoutMilliseconds = lockTimeoutMilliseconds
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
    }
}

/// The rhythm every writing job shares (prune, backfill, restore, and the next ones): time on the
/// monotonic clock, `--max-runtime` and stop requests checked between batches, a pause a stop
/// request cuts short, and short batch transactions with local timeouts, each paced by the
/// governor while other sessions use the server.
public struct BatchRun: Sendable {
    public let pacing: BatchPacing
    public let stop: StopRequest
    public let governor: LoadGovernor
    private let started = ContinuousClock.now

    public init(pacing: BatchPacing, stop: StopRequest, governor: LoadGovernor) {
        self.pacing = pacing
        self.stop = stop
        self.governor = governor
    }

    /// Seconds since the run started, on the monotonic clock, to the millisecond.
    public var elapsedSeconds: Double {
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return (seconds * 1000).rounded() / 1000
    }

    /// Why no further batch may start (a signal, `--max-runtime reached`), or nil to go on.
    public func stopReason() -> String? {
        if let limit = pacing.maxRuntimeMilliseconds, ContinuousClock.now - started >= .milliseconds(limit) {
            stop.request("--max-runtime reached")
        }
        return stop.stopReason
    }

    /// The rows of the next batch: `full`, or a tenth of it while the governor yields to other
    /// sessions, since a smaller batch holds the server (its WAL, its locks) for less long.
    public func batchRows(_ full: Int) -> Int {
        Self.batchRows(full, yielding: governor.isYielding)
    }

    static func batchRows(_ full: Int, yielding: Bool) -> Int {
        yielding ? max(full / 10, min(full, 100)) : full
    }

    /// `--pause`, cut short by a stop request.
    public func pause() {
        stop.sleep(milliseconds: pacing.pauseMilliseconds)
    }

    /// One batch transaction on `connection`, once the governor lets it start: `BEGIN`, the
    /// pacing's lock and statement timeouts and `settings` set for the transaction only, `body`,
    /// then `COMMIT` (`ROLLBACK` when `body` throws, or when `commit` is false).
    public func transaction<T>(
        on connection: PostgresConnection, settings: KeyValuePairs<String, String> = [:], commit: Bool = true, _ body: () throws -> T
    ) throws -> T {
        try governor.unit(on: connection) { try batchTransaction(on: connection, settings: settings, commit: commit, body) }
    }

    private func batchTransaction<T>(
        on connection: PostgresConnection, settings: KeyValuePairs<String, String>, commit: Bool, _ body: () throws -> T
    ) throws -> T {
        try connection.transaction(commit: commit) {
            var names = ["lock_timeout", "statement_timeout"]
            var values = ["\(pacing.lockTimeoutMilliseconds)ms", "\(pacing.statementTimeoutMilliseconds)ms"]
            for (name, value) in settings {
                names.append(name)
                values.append(value)
            }
            try connection.query("SELECT set_config(name, value, true) FROM unnest($1::text[], $2::text[]) AS s(name, value)",
                [names, values])
            return try body()
        }
    }
}
