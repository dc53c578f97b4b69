import Foundation
import Logging
import HealthctlCore
import PostgresClient
import TestSupport
import Testing

@Suite struct TimeTextTests {
    static let parsedISO: [(String, Int64?)] = [
        ("2026-11-28", 1_795_824_000_000),
        ("2026-11-28T10:15", 1_795_860_900_000),
        ("2026-11-28T10:15Z", 1_795_860_900_000),
        ("2026-11-28T10:15:00", 1_795_860_900_000),
        ("2026-11-28T10:15:00.123Z", 1_795_860_900_123),
        ("2026-11-28 10:15:00Z", 1_795_860_900_000),
        ("2026-11-28T12:15:00+02:00", 1_795_860_900_000),
        (" 2026-11-28T10:15:00Z ", 1_795_860_900_000),
        ("2026-11-28T10", nil),
        ("28/11/2026", nil),
        ("2026-11-28T10:15:00Zjunk", nil),
        ("yesterday", nil),
    ]

    @Test(arguments: parsedISO)
    func isoTimesParse(_ text: String, _ expected: Int64?) {
        #expect(ISOTime.parseEpochMilliseconds(text) == expected)
    }

    @Test func isoTimesFormatInUTCWithZ() {
        #expect(ISOTime.format(epochMilliseconds: 1_795_860_900_000) == "2026-11-28T10:15:00Z")
        #expect(ISOTime.format(epochMilliseconds: 1_795_860_900_120) == "2026-11-28T10:15:00.120Z")
        #expect(ISOTime.format(epochMilliseconds: -1) == "1969-12-31T23:59:59.999Z")
        #expect(ISOTime.format(Date(timeIntervalSince1970: 1_795_860_900.007)) == "2026-11-28T10:15:00.007Z")
    }

    static let durations: [(String, Int64?)] = [
        ("90d", 7_776_000_000), ("5m", 300_000), ("1h30m", 5_400_000), ("500ms", 500), ("2w", 1_209_600_000),
        ("1.5h", 5_400_000), ("30", nil), ("90", nil), ("0", 0), ("45s", 45_000), ("10min", 600_000), ("0s", 0), (" 7D ", 604_800_000),
        ("", nil), ("-5m", nil), ("5x", nil), ("m", nil), ("1h30", nil), ("1h 30m", nil), ("1..5h", nil),
        ("99999999999w", nil), ("9999999999999999999", nil), ("999999999999999", nil), ("999999999999999s", nil),
    ]

    @Test(arguments: durations)
    func durationsParse(_ text: String, _ expected: Int64?) {
        #expect(DurationText.parseMilliseconds(text) == expected)
    }

    @Test func durationsHumanizeToTheTwoLargestUnits() {
        #expect(DurationText.humanize(seconds: 0) == "0s")
        #expect(DurationText.humanize(seconds: 45) == "45s")
        #expect(DurationText.humanize(seconds: 3900) == "1h 5m")
        #expect(DurationText.humanize(seconds: 266_400 + 59) == "3d 2h")
        #expect(DurationText.humanize(seconds: 86_400) == "1d")
    }
}

@Suite(.requiresDatabase) struct AdvisoryLockTests {
    let database: TestDatabase

    init() throws { database = try TestDatabase("lock") }

    /// The holder named is the one on this database, not a run on another database of the same
    /// server, which holds a lock of its own under the same key.
    @Test func aSecondRunIsToldWhoHoldsTheLock() throws {
        let otherDatabase = try TestDatabase("lock_elsewhere")
        defer { withExtendedLifetime(otherDatabase) {} }
        let elsewhere = try otherDatabase.connect()
        try elsewhere.set("application_name", "healthctl prune elsewhere")
        try AdvisoryLock.acquire(.retention, on: elsewhere)
        let first = try database.connect()
        let second = try database.connect()
        try first.set("application_name", "healthctl prune")
        try AdvisoryLock.acquire(.retention, on: first)
        try AdvisoryLock.acquire(.backfill, on: second)

        let error = try #require(throws: LockHeldError.self) { try AdvisoryLock.acquire(.retention, on: second) }
        #expect(error.holderPID == Int(first.backendPID))
        #expect(error.holderApplication == "healthctl prune")
        #expect(error.holderSince?.hasSuffix("Z") == true)
        #expect(error.category == .temporary)
        #expect(error.description.hasPrefix("another prune or archive restore run holds the lock on this database (server pid \(first.backendPID), healthctl prune, connected since "))

        AdvisoryLock.release(.retention, on: first)
        try AdvisoryLock.acquire(.retention, on: second)
    }

    @Test func closingTheConnectionReleasesTheLock() throws {
        do {
            let holder = try database.connect()
            try AdvisoryLock.acquire(.backfill, on: holder)
        }
        // The server ends the old session a moment after the client hangs up: poll briefly.
        let next = try database.connect()
        var acquired = false
        for _ in 0..<100 where !acquired {
            acquired = (try? AdvisoryLock.acquire(.backfill, on: next)) != nil
            if !acquired { usleep(50_000) }
        }
        #expect(acquired)
    }
}

@Suite struct ConnectionRetryTests {
    let conflict = DatabaseError(PostgresError(kind: .statementFailed, sqlState: "40001", message: "canceling statement due to conflict with recovery"), operation: "reading")
    let terminated = PostgresError(kind: .connectionLost, sqlState: "57P01", message: "terminating connection due to administrator command")
    let refused = PostgresError(kind: .connectionFailed, message: "connection to server on socket \"/tmp/.s.PGSQL.5432\" failed: Connection refused")

    func wait(_ policy: ConnectionRetry, _ attempt: Int, _ error: any Error, afterLoss: Bool = false) -> Int64? {
        policy.delay(afterAttempt: attempt, error: error, afterLostConnection: afterLoss)?.milliseconds
    }

    @Test func waitsLongerEachTimeThenGivesUp() {
        let policy = ConnectionRetry(delaysMilliseconds: [500, 1000, 2000], retriesRecoveryConflicts: true)
        #expect(wait(policy, 1, conflict) == 500)
        #expect(wait(policy, 2, conflict) == 1000)
        #expect(wait(policy, 3, conflict) == 2000)
        #expect(wait(policy, 4, conflict) == nil, "the fourth failure is thrown")
        #expect(conflict.category == .temporary, "and exits 75")
    }

    @Test func readsRetryRecoveryConflictsAndLostConnections() {
        let lockTimeout = DatabaseError(PostgresError(kind: .statementFailed, sqlState: "55P03", message: "lock timeout"), operation: "reading")
        #expect(wait(.reads, 1, lockTimeout) == nil)
        #expect(wait(.reads, 1, UsageError("x")) == nil)
        #expect(wait(.reads, 1, conflict.underlying) == 500, "bare or wrapped")
        let closed = PostgresError(kind: .connectionLost, message: "server closed the connection unexpectedly")
        #expect(ConnectionRetry.reads.delay(afterAttempt: 1, error: closed)?.cause == .lostConnection)
        let exporterGone = PostgresError(kind: .statementFailed, sqlState: "22023", message: "invalid snapshot identifier: \"00000002-0000000D-1\"")
        #expect(ConnectionRetry.reads.delay(afterAttempt: 1, error: exporterGone)?.cause == .recoveryConflict)
        let otherBadValue = PostgresError(kind: .statementFailed, sqlState: "22023", message: "invalid value for parameter")
        #expect(wait(.reads, 1, otherBadValue) == nil)
    }

    @Test func jobsRetryALostSessionAndWaitForTheServerOnlyAfterOne() {
        #expect(ConnectionRetry.jobs.delay(afterAttempt: 1, error: terminated.during("deleting"))?.cause == .lostConnection)
        #expect(wait(.jobs, 1, conflict) == nil, "a writing job meets no recovery conflict")
        #expect(wait(.jobs, 1, refused) == nil, "a server down from the start is an error at once")
        #expect(wait(.jobs, 2, refused, afterLoss: true) == 2000, "a server restarting after a lost session is waited for")
        #expect(wait(.jobs, 5, refused, afterLoss: true) == nil)
        for restarting in ["connection to server at \"db\" (10.0.0.5), port 5432 failed: server closed the connection unexpectedly",
                           "connection to server at \"db\" (10.0.0.5), port 5432 failed: FATAL:  the database system is starting up"] {
            #expect(ConnectionRetry.jobs.delay(afterAttempt: 1, error: PostgresError(kind: .connectionFailed, message: restarting))?.cause == .lostConnection,
                    "a server on its way down or up is waited for at once")
        }
        let wrongPassword = PostgresError(kind: .connectionFailed, message: "password authentication failed for user \"x\"")
        #expect(wait(.jobs, 2, wrongPassword, afterLoss: true) == nil)
    }

    @Test func theJobStartsOverAndTheLastFailureIsThrown() throws {
        let policy = ConnectionRetry(delaysMilliseconds: [1, 1], retriesRecoveryConflicts: false)
        var attempts: [Int] = []
        let value = try policy.run("test", logger: Logger(label: "test")) { attempt in
            attempts.append(attempt)
            if attempt == 1 { throw terminated.during("x") }
            if attempt == 2 { throw refused }
            return 7
        }
        #expect(value == 7)
        #expect(attempts == [1, 2, 3])
        attempts = []
        #expect(throws: DatabaseError.self) {
            try policy.run("test", logger: Logger(label: "test")) { attempt in
                attempts.append(attempt)
                throw terminated.during("x")
            }
        }
        #expect(attempts == [1, 2, 3])
        let stop = StopRequest()
        stop.request("SIGTERM")
        attempts = []
        #expect(throws: DatabaseError.self) {
            try policy.run("test", logger: Logger(label: "test"), stop: stop) { attempt in
                attempts.append(attempt)
                throw terminated.during("x")
            }
        }
        #expect(attempts == [1], "a stop request ends the retries")
    }

    @Test func aLostSessionNamesItsCause() {
        let error = terminated.during("deleting archived rows")
        #expect(error.category == .unavailable)
        #expect(error.description.hasSuffix("(the server terminated the session: an administrator (pg_terminate_backend) or a shutdown; run again once the server is back)"))
        let restarting = PostgresError(kind: .connectionFailed, message: "connection to server failed: FATAL:  the database system is shutting down").during("connecting")
        #expect(restarting.category == .unavailable)
        #expect(restarting.description.hasSuffix("(the server is restarting or shutting down; run again once it is back)"))
        let closed = PostgresError(kind: .connectionLost, message: "server closed the connection unexpectedly").during("x")
        #expect(closed.description.hasSuffix("(the connection to the server was lost: a server restart, a failover or the network; run again once the server is back)"))
    }
}

@Suite struct PartitionIntervalTests {
    @Test func childrenStartOnDaysMondaysAndFirstsOfMonths() throws {
        let from = try #require(ISOTime.parseEpochMilliseconds("2026-11-18T13:00:00Z"))
        let until = try #require(ISOTime.parseEpochMilliseconds("2027-01-02T00:00:00Z"))
        let weeks = PartitionedLogTable.children(interval: .week, from: from, until: until)
        #expect(weeks.first.map { ($0.0.text, $0.1.text) }! == ("2026-11-16", "2026-11-23"), "2026-11-18 is a Wednesday")
        #expect(weeks.last.map { ($0.0.text, $0.1.text) }! == ("2026-12-28", "2027-01-04"))
        let months = PartitionedLogTable.children(interval: .month, from: from, until: until).map { "\($0.0.text)..\($0.1.text)" }
        #expect(months == ["2026-11-01..2026-12-01", "2026-12-01..2027-01-01", "2027-01-01..2027-02-01"])
        #expect(PartitionedLogTable.children(interval: .day, from: from, until: from).map(\.0.text) == ["2026-11-18"])
        let sql = PartitionedLogTable.sql(interval: .month, from: from, until: until)
        #expect(sql.contains("CREATE TABLE \"IntegrationHealthLog_p20261201\" PARTITION OF \"IntegrationHealthLog\" FOR VALUES FROM ('2026-12-01') TO ('2027-01-01');"))
        #expect(sql.contains("PRIMARY KEY (\"id\", \"checkedAt\")"))
    }
}

/// The hint of a temporary failure names what happened, by SQLSTATE.
@Suite struct TemporaryFailureHintTests {
    @Test(arguments: [
        ("57P01", "the server terminated the session: an administrator (pg_terminate_backend) or a shutdown"),
        ("55P03", "a lock was not granted within lock_timeout: another session holds it"),
        ("57014", "the statement was cancelled: statement_timeout, or an operator cancelled it"),
        ("40P01", "a deadlock with another session"),
    ])
    func theHintNamesTheCause(_ state: String, _ cause: String) {
        let error = PostgresError(kind: .statementFailed, sqlState: state, message: "server said so").during("deleting archived rows")
        #expect(error.category == .temporary)
        #expect(error.description == "deleting archived rows failed: server said so (SQLSTATE \(state)) (\(cause); run again later)")
    }
}
