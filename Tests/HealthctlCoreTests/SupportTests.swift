import Foundation
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

    @Test func aSecondRunIsToldWhoHoldsTheLock() throws {
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

@Suite struct RecoveryConflictRetryTests {
    let conflict = DatabaseError(PostgresError(kind: .statementFailed, sqlState: "40001", message: "canceling statement due to conflict with recovery"), operation: "reading")

    @Test func waitsLongerEachTimeThenGivesUp() {
        let policy = RecoveryConflictRetry(delaysMilliseconds: [500, 1000, 2000])
        #expect(policy.delay(afterAttempt: 1, error: conflict) == 500)
        #expect(policy.delay(afterAttempt: 2, error: conflict) == 1000)
        #expect(policy.delay(afterAttempt: 3, error: conflict) == 2000)
        #expect(policy.delay(afterAttempt: 4, error: conflict) == nil, "the fourth failure is thrown")
        #expect(conflict.category == .temporary, "and exits 75")
    }

    @Test func onlyARecoveryConflictIsRetried() {
        let lockTimeout = DatabaseError(PostgresError(kind: .statementFailed, sqlState: "55P03", message: "lock timeout"), operation: "reading")
        #expect(RecoveryConflictRetry.standard.delay(afterAttempt: 1, error: lockTimeout) == nil)
        #expect(RecoveryConflictRetry.standard.delay(afterAttempt: 1, error: UsageError("x")) == nil)
        #expect(RecoveryConflictRetry.standard.delay(afterAttempt: 1, error: conflict.underlying) == 500, "bare or wrapped")
        let closed = PostgresError(kind: .connectionLost, message: "server closed the connection unexpectedly")
        #expect(RecoveryConflictRetry.standard.delay(afterAttempt: 1, error: closed) == 500, "a conflict that ended the session")
        let exporterGone = PostgresError(kind: .statementFailed, sqlState: "22023", message: "invalid snapshot identifier: \"00000002-0000000D-1\"")
        #expect(RecoveryConflictRetry.standard.delay(afterAttempt: 1, error: exporterGone) == 500, "a conflict that ended the exporting session")
        let otherBadValue = PostgresError(kind: .statementFailed, sqlState: "22023", message: "invalid value for parameter")
        #expect(RecoveryConflictRetry.standard.delay(afterAttempt: 1, error: otherBadValue) == nil)
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
