import Foundation
@testable import HealthctlCore
import Logging
import PostgresClient
import TestSupport
import Testing

@Suite struct LoadPacerTests {
    let ms: Int64 = 1_000_000

    @Test func aQuietServerIsWorkedAtFullSpeedOnEveryWorker() {
        var pacer = LoadPacer(share: 0.2)
        #expect(pacer.next(at: 0) == .probe, "the first unit looks first")
        pacer.probed(busySessions: 0, at: 0)
        #expect(pacer.next(at: 1 * ms) == .work)
        #expect(pacer.next(at: 1 * ms) == .work, "a second worker starts beside the first")
        pacer.finished(started: 1 * ms, at: 500 * ms)
        #expect(pacer.next(at: 500 * ms) == .work, "no rest while the server is quiet")
        #expect(pacer.next(at: 1001 * ms) == .probe, "it looks again once a second")
    }

    @Test func aBusyServerGetsOneUnitAtATimeAndRestsInProportion() {
        var pacer = LoadPacer(share: 0.2)
        _ = pacer.next(at: 0)
        pacer.probed(busySessions: 3, at: 0)
        #expect(pacer.isYielding)
        #expect(pacer.next(at: 0) == .work)
        #expect(pacer.next(at: 5 * ms) == .wait(until: 15 * ms), "a second worker waits while one works")
        pacer.finished(started: 0, at: 20 * ms)
        // 20 ms of work at a share of 0.2: 80 ms of rest.
        #expect(pacer.next(at: 20 * ms) == .wait(until: 100 * ms))
        #expect(pacer.next(at: 100 * ms) == .work)
    }

    @Test func aLongRestIsCutShortOnceTheServerIsQuietAgain() {
        var pacer = LoadPacer(share: 0.1, probeEveryNanoseconds: 1000 * ms, quietNanoseconds: 3000 * ms)
        _ = pacer.next(at: 0)
        pacer.probed(busySessions: 1, at: 0)
        #expect(pacer.next(at: 0) == .work)
        pacer.finished(started: 0, at: 2000 * ms)
        #expect(pacer.next(at: 2000 * ms) == .probe, "a rest of 18 s looks at the server every second")
        pacer.probed(busySessions: 0, at: 2000 * ms)
        #expect(pacer.isYielding, "still yielding: the last busy probe was 2 s ago")
        #expect(pacer.next(at: 2000 * ms) == .wait(until: 3000 * ms))
        #expect(pacer.next(at: 3000 * ms) == .probe)
        pacer.probed(busySessions: 0, at: 3000 * ms)
        #expect(!pacer.isYielding, "3 s without a busy session: quiet")
        #expect(pacer.next(at: 3000 * ms) == .work, "the rest left is dropped")
    }

    @Test func aFailedProbeChangesNothing() {
        var pacer = LoadPacer(share: 0.5)
        _ = pacer.next(at: 0)
        pacer.probeFailed(at: 0)
        #expect(!pacer.isYielding)
        #expect(pacer.next(at: 0) == .work)
        #expect(pacer.next(at: 10 * ms) == .work, "and it does not probe again before a second")
    }

    @Test func aShareOfOneNeverLooks() {
        var pacer = LoadPacer(share: 1)
        #expect(pacer.next(at: 0) == .work)
        pacer.finished(started: 0, at: 10 * ms)
        #expect(pacer.next(at: 10 * ms) == .work)
    }

    @Test func batchesShrinkToATenthWhileYielding() {
        #expect(BatchRun.batchRows(5000, yielding: false) == 5000)
        #expect(BatchRun.batchRows(5000, yielding: true) == 500)
        #expect(BatchRun.batchRows(500, yielding: true) == 100, "not below 100 rows")
        #expect(BatchRun.batchRows(50, yielding: true) == 50, "nor above the full size")
    }

    @Test func theShareSettingTakesFractionsAndPercentages() throws {
        let kind = SettingKind<Double>.share
        #expect(kind.parse("0.25") == 0.25)
        #expect(kind.parse("50%") == 0.5)
        #expect(kind.parse("1") == 1)
        #expect(kind.parse("0") == nil)
        #expect(kind.parse("1.5") == nil)
        #expect(kind.parse("fast") == nil)
        let settings = Settings()
        #expect(try settings.database.busyShare(flag: nil, environment: [:]).value == 0.2)
        #expect(try settings.database.busyShare(flag: nil, environment: ["HEALTHCTL_BUSY_SHARE": "0.5"]).value == 0.5)
        #expect(try settings.database.busyShare(flag: "1", environment: ["HEALTHCTL_BUSY_SHARE": "0.5"]).value == 1, "the flag wins")
        #expect(throws: UsageError.self) { try settings.database.busyShare(flag: "2", environment: [:]) }
    }
}

@Suite(.serialized, .requiresDatabase) struct LoadGovernorDatabaseTests {
    let database: TestDatabase
    let target: ConnectionTarget

    init() throws {
        database = try TestDatabase("governor")
        target = ConnectionTarget(url: try DatabaseURL(parsing: database.url), source: .flag)
    }

    @Test func theProbeSeesABusyApplicationSessionAndNotHealthctlsOwn() throws {
        let connection = try target.connect()
        let mine = try target.connect()
        try mine.query("BEGIN")
        try mine.query("SELECT 1")
        let other = try database.busySession()
        let busy = try LoadGovernor.probe(connection).busy
        #expect(busy.contains(other.backendPID), "another session's open transaction counts")
        #expect(!busy.contains(mine.backendPID) && !busy.contains(connection.backendPID), "healthctl's own sessions do not")
        try other.query("COMMIT")
        // Just idle, it was busy within the last second; the probe counts only if it came within
        // that second, which a loaded machine may stretch.
        var justIdleIsBusy: Bool?
        for _ in 0..<5 where justIdleIsBusy == nil {
            let committed = ContinuousClock.now
            let busy = try LoadGovernor.probe(connection).busy.contains(other.backendPID)
            if ContinuousClock.now - committed < .milliseconds(800) { justIdleIsBusy = busy } else { try other.execute(script: "BEGIN; SELECT 1; COMMIT") }
        }
        #expect(justIdleIsBusy == true, "just idle: it was busy within the last second")
        Thread.sleep(forTimeInterval: 1.2)
        #expect(try !LoadGovernor.probe(connection).busy.contains(other.backendPID), "idle for over a second: it is not")
        try mine.query("COMMIT")
    }

    @Test func aProbeInsideATransactionSeesFreshActivityAndLeavesTheTransactionUsable() throws {
        let connection = try target.connect()
        try connection.transaction(.repeatableReadOnly) {
            _ = try LoadGovernor.probe(connection)
            let other = try database.busySession()
            #expect(try LoadGovernor.probe(connection).busy.contains(other.backendPID), "read afresh, not from the transaction's first look")
            try other.query("COMMIT")
            try connection.query("SET LOCAL statement_timeout = '1ms'")
            _ = try? LoadGovernor.probe(connection)
            try connection.query("SET LOCAL statement_timeout = 0")
            #expect(try connection.query("SELECT 1").first?.int(0) == 1, "a failed probe is rolled back to its savepoint")
        }
    }

    @Test func aJobBacksOffWhileAnotherSessionIsBusy() throws {
        let connection = try target.connect()
        let governor = LoadGovernor(share: 0.25, stop: StopRequest(), logger: Logger(label: "test"))
        let other = try database.busySession()
        let started = Date()
        for _ in 0..<5 {
            try governor.unit(on: connection) { Thread.sleep(forTimeInterval: 0.04) }
        }
        let elapsed = Date().timeIntervalSince(started)
        try other.query("COMMIT")
        #expect(governor.isYielding)
        // Units of 40 ms at a quarter of the time rest 120 ms each; the last one's rest is not waited for.
        #expect(elapsed >= 5 * 0.04 + 4 * 0.12, "took \(elapsed) s")
        #expect(governor.restedSeconds >= 4 * 0.12 - 0.01)
    }

    /// Two workers resting at once rest once: the rested time never exceeds the run's.
    @Test func workersRestingTogetherCountTheirRestOnce() throws {
        let governor = LoadGovernor(share: 0.25, stop: StopRequest(), logger: Logger(label: "test"))
        let other = try database.busySession()
        let started = Date()
        let results = BlockingWorkers.run(2) { _ -> Result<Void, any Error> in
            Result {
                let connection = try target.connect()
                for _ in 0..<4 {
                    try governor.unit(on: connection) { Thread.sleep(forTimeInterval: 0.04) }
                }
            }
        }
        let elapsed = Date().timeIntervalSince(started)
        try other.query("COMMIT")
        for result in results { try result.get() }
        // Eight units of 40 ms, one at a time once the first look has found the session (the
        // second worker's first unit may start beside the first), rests of 120 ms between them.
        // Counted per worker, the rests would come to about twice the time no unit worked.
        #expect(governor.restedSeconds >= 5 * 0.12, "rested \(governor.restedSeconds) s")
        #expect(governor.restedSeconds <= elapsed - 7 * 0.04 + 0.01, "rested \(governor.restedSeconds) s of \(elapsed) s")
    }

    @Test func aDayReadThreeHoursAtATimeWhileYieldingMakesTheSamePieces() throws {
        let connection = try database.connect()
        try MigrationSQL.apply([.baseIntegrationTable, .migration], schema: "public", on: connection)
        try connection.execute(script: """
            INSERT INTO "Integration" (id, "userId", provider, "updatedAt") SELECT 'int-' || g, 'user', 'github', now() FROM generate_series(1, 3) g;
            INSERT INTO "IntegrationHealthLog" (id, "integrationId", status, "errorMessage", "responseTime", "checkedAt")
            SELECT 'log-' || g || '-' || m, 'int-' || g,
                   (CASE WHEN m % 97 < 5 THEN 'ERROR' WHEN m % 31 = 0 THEN 'WARNING' ELSE 'HEALTHY' END)::"IntegrationHealthStatus",
                   CASE WHEN m % 97 < 5 THEN 'upstream ' || (m % 2) END, (m * 7 + g) % 900, timestamp '2026-11-20 00:00:00' + m * interval '10 minutes' + g * interval '1 second'
            FROM generate_series(1, 3) g, generate_series(0, 143) m;
            """)
        let schema = try SchemaInspector.inspect(connection, schema: "public")
        let day = try #require(CalendarDay(text: "2026-11-20"))
        func read(_ governor: LoadGovernor) throws -> ([DayPiece?], Int) {
            let reader = DayPieceReader(
                schema: schema, index: IntegrationIndex(ids: ["int-1", "int-2", "int-3"]), selection: ReportSelection(), maxGap: .auto,
                governor: governor)
            let reading = try target.connect()
            return try reading.transaction(.repeatableReadOnly) {
                try reader.pieces(on: reading, day: day, counted: day.startMs..<(day.startMs + CalendarDay.dayMs))
            }
        }
        let whole = try read(.fullSpeed())
        let other = try database.busySession()
        let yielding = LoadGovernor(share: 1 - 1e-9, stop: StopRequest(), logger: Logger(label: "test"))
        let sliced = try read(yielding)
        try other.query("COMMIT")
        #expect(yielding.isYielding)
        #expect(yielding.unitsStarted == 9, "eight reads of three hours, then building the pieces, one at a time")
        #expect(whole.1 == 432 && sliced.1 == 432)
        #expect(whole.0 == sliced.0)
    }

    @Test func sessionsOfOtherRolesAreHiddenWithoutPgReadAllStatsAndCountAsBusy() throws {
        let admin = try database.connect()
        let role = "healthctl_limited_\(UInt32.random(in: 0...UInt32.max))"
        try admin.query("CREATE ROLE \(quoteIdentifier(role)) LOGIN PASSWORD 'limited-password'")
        defer { _ = try? admin.query("DROP ROLE \(quoteIdentifier(role))") }
        let other = try database.busySession()
        func probeAs() throws -> LoadGovernor.Activity {
            let limited = try PostgresConnection(parameters: [("dbname", database.name), ("user", role), ("password", "limited-password")])
            return try LoadGovernor.probe(limited)
        }
        let hidden = try probeAs()
        #expect(hidden.hidden >= 1 && !hidden.busy.contains(other.backendPID), "the superuser's session is hidden: \(hidden)")
        try admin.query("GRANT pg_read_all_stats TO \(quoteIdentifier(role))")
        let granted = try probeAs()
        #expect(granted.hidden == 0 && granted.busy.contains(other.backendPID))
        try other.query("COMMIT")
    }

    @Test func aStopRequestEndsTheRest() throws {
        let connection = try target.connect()
        let stop = StopRequest()
        let governor = LoadGovernor(share: 0.01, stop: stop, logger: Logger(label: "test"))
        let other = try database.busySession()
        try governor.unit(on: connection) { Thread.sleep(forTimeInterval: 0.05) }
        stop.request("SIGTERM")
        let started = Date()
        try governor.unit(on: connection) {}
        #expect(Date().timeIntervalSince(started) < 1, "the rest of about 5 s is not waited out")
        try other.query("COMMIT")
    }
}
