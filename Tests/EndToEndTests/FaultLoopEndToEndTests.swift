import Foundation
import PostgresClient
import TestSupport
import Testing

/// Every writing job against the server's faults: kill -9 of healthctl, `pg_terminate_backend`
/// of its session and a crash of the server (`pg_ctl stop -m immediate`, then a start) at random
/// instants, a lock held past `lock_timeout` and a `statement_timeout` far too short. After each,
/// the next run completes and the job's invariant holds. The crashes run on a copy of the test
/// server of their own, so other suites are not disturbed.
@Suite(.serialized, .requiresDatabase) struct FaultLoopEndToEndTests {
    enum Fault: String, CaseIterable, CustomTestStringConvertible {
        case kill, terminate
        var testDescription: String { rawValue }
    }

    enum Job: String, CaseIterable, CustomTestStringConvertible {
        case backfill, rollup, restore, seed, prune
        var testDescription: String { rawValue }

        /// A table the job cannot do without.
        var neededTable: String { self == .backfill || self == .seed ? "Integration" : "IntegrationHealthLog" }
    }

    /// One database with a job's starting state, on the shared test server or on `server`.
    struct Fixture {
        let url: String
        let name: String
        let connect: () throws -> PostgresConnection
        let archive: URL
        /// Log rows when the data is complete: as seeded.
        var expectedRows = 0
        let keep: Any

        func healthctl(_ arguments: [String]) throws -> HealthctlProcess.Output {
            try HealthctlProcess.run(arguments + ["--database-url", url])
        }

        func count(_ sql: String) throws -> Int { try connect().query(sql).first?.int(0) ?? -1 }
    }

    static let seedArguments = ["seed", "--integrations", "40", "--days", "6", "--interval", "5m", "--seed", "21", "--until", "2026-11-23T00:00:00Z"]

    func fixture(_ job: Job, on server: TestStandby? = nil) throws -> Fixture {
        let archive = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-faults-\(UUID().uuidString)")
        var fixture: Fixture
        if let server {
            let name = "healthctl_faults_\(UUID().uuidString.prefix(8).lowercased())"
            try server.connect("postgres").query("CREATE DATABASE \(quoteIdentifier(name))")
            fixture = Fixture(url: server.url(name), name: name, connect: { try server.connect(name) }, archive: archive, keep: server)
        } else {
            let database = try TestDatabase("e2e_faults")
            fixture = Fixture(url: database.url, name: database.name, connect: database.connect, archive: archive, keep: database)
        }
        try #require(try fixture.healthctl(["schema", "apply", "--with-base-table"]).status == 0)
        guard job != .seed else {
            let reference = try TestDatabase("e2e_faults_reference")
            let url = ["--database-url", reference.url]
            try #require(try HealthctlProcess.run(["schema", "apply", "--with-base-table"] + url).status == 0)
            try #require(try HealthctlProcess.run(Self.seedArguments + url).status == 0)
            fixture.expectedRows = try reference.connect().query(#"SELECT count(*) FROM "IntegrationHealthLog""#).first?.int(0) ?? 0
            return fixture
        }
        let seeded = try fixture.healthctl(Self.seedArguments)
        try #require(seeded.status == 0, "\(seeded.stderr)")
        fixture.expectedRows = try fixture.count(#"SELECT count(*) FROM "IntegrationHealthLog""#)
        if job == .restore {
            let pruned = try fixture.healthctl(["prune", "--before", "2026-11-21T00:00:00Z", "--archive-dir", archive.path, "--without-rollups"])
            try #require(pruned.status == 0, "\(pruned.stderr)")
        }
        return fixture
    }

    func arguments(_ job: Job, _ fixture: Fixture) -> [String] {
        switch job {
        case .backfill: return ["backfill", "--batch-size", "3"]
        case .rollup: return ["rollup"]
        case .restore: return ["archive", "restore", fixture.archive.path]
        case .seed: return Self.seedArguments + ["--jobs", "2"]
        case .prune: return ["prune", "--before", "2026-11-21T00:00:00Z", "--archive-dir", fixture.archive.path, "--without-rollups", "--batch-size", "500"]
        }
    }

    /// What must hold once the job has completed after the faults.
    func expectInvariant(_ job: Job, _ fixture: Fixture, _ sourceLocation: SourceLocation = #_sourceLocation) throws {
        switch job {
        case .backfill:
            // Every integration with log rows has the status of its latest one, and a rerun changes nothing.
            let wrong = try fixture.count(
                """
                SELECT count(*) FROM "Integration" i
                JOIN LATERAL (SELECT status FROM "IntegrationHealthLog" l WHERE l."integrationId" = i.id ORDER BY "checkedAt" DESC, id DESC LIMIT 1) latest ON true
                WHERE i."healthStatus"::text <> latest.status::text
                """)
            #expect(wrong == 0, sourceLocation: sourceLocation)
            let again = try fixture.healthctl(["backfill", "--format", "json"])
            #expect(again.stdout.contains("\"updated\" : 0"), "\(again.stdout)", sourceLocation: sourceLocation)
        case .rollup:
            let pending = try fixture.healthctl(["rollup", "--dry-run", "--format", "json"])
            #expect(pending.stdout.contains("\"rolledUp\" : [\n\n  ]") || pending.stdout.contains("\"rolledUp\" : []"), "\(pending.stdout)", sourceLocation: sourceLocation)
            let window = ["report", "--since", "2026-11-17", "--until", "2026-11-23", "--format", "json"]
            let raw = try fixture.healthctl(window + ["--source", "raw"])
            let rolledUp = try fixture.healthctl(window)
            #expect(ReportJSONComparison.withoutVolatileFields(raw.stdout) == ReportJSONComparison.withoutVolatileFields(rolledUp.stdout), sourceLocation: sourceLocation)
        case .restore:
            #expect(try fixture.count(#"SELECT count(*) FROM "IntegrationHealthLog""#) == fixture.expectedRows, sourceLocation: sourceLocation)
        case .prune:
            // Nothing before the cutoff is left, and every row is in the table or the archive, once.
            #expect(try fixture.count(#"SELECT count(*) FROM "IntegrationHealthLog" WHERE "checkedAt" < '2026-11-21'"#) == 0, sourceLocation: sourceLocation)
            let verify = try HealthctlProcess.run(["archive", "verify", fixture.archive.path, "--format", "json"])
            #expect(verify.status == 0, "\(verify.stdout)", sourceLocation: sourceLocation)
            let archived = (try JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as? [String: Any])?["rows"] as? Int ?? -1
            #expect(archived + (try fixture.count(#"SELECT count(*) FROM "IntegrationHealthLog""#)) == fixture.expectedRows, sourceLocation: sourceLocation)
        case .seed:
            #expect(try fixture.count(#"SELECT count(*) FROM "Integration""#) == 40, sourceLocation: sourceLocation)
            #expect(try fixture.count(#"SELECT count(*) FROM "IntegrationHealthLog""#) == fixture.expectedRows, sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: Job.allCases, Fault.allCases)
    func afterFaultsAtRandomInstantsTheNextRunCompletes(job: Job, fault: Fault) throws {
        let fixture = try fixture(job)
        defer { try? FileManager.default.removeItem(at: fixture.archive) }
        let arguments = arguments(job, fixture)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<6 {
            let process = try HealthctlProcess.start(arguments + ["--database-url", fixture.url], database: fixture.name, observer: try fixture.connect())
            usleep(UInt32.random(in: 0...280_000, using: &generator))
            switch fault {
            case .kill:
                kill(process.processIdentifier, SIGKILL)
            case .terminate:
                _ = try fixture.connect().query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'healthctl%'", [fixture.name])
            }
            process.waitUntilExit()
            if fault == .terminate, job != .seed {
                // Sessions cut by the server are started over: the run itself completes.
                #expect(process.terminationStatus == 0, "\(job) after pg_terminate_backend")
            }
        }
        let final = try HealthctlProcess.retryingWhileLocked { try fixture.healthctl(arguments) }
        let acceptable: Set<Int32> = job == .seed ? [0, 78] : [0]
        #expect(acceptable.contains(final.status), "\(final.stderr)")
        try expectInvariant(job, fixture)
    }

    /// Another session holds a lock the job needs for longer than `database.lock_timeout`, then a
    /// `statement_timeout` the database's owner set is far too short: each run ends with exit 75
    /// naming which, and once both are gone the next run completes.
    @Test(arguments: Job.allCases)
    func aLockTimeoutOrAStatementTimeoutEndsTheRunWithItsCause(job: Job) throws {
        let fixture = try fixture(job)
        defer { try? FileManager.default.removeItem(at: fixture.archive) }
        let settings = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-faults-\(UUID().uuidString).toml")
        try "[database]\nlock_timeout = \"300ms\"\n".write(to: settings, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: settings) }
        let arguments = arguments(job, fixture) + ["--config", settings.path]

        let locker = try fixture.connect()
        try locker.execute(script: "BEGIN; LOCK TABLE \(quoteIdentifier(job.neededTable)) IN ACCESS EXCLUSIVE MODE")
        let blocked = try fixture.healthctl(arguments)
        #expect(blocked.status == 75, "\(job): \(blocked.stderr)")
        #expect(blocked.stderr.contains("(a lock was not granted within lock_timeout: another session holds it; run again later)"), "\(job): \(blocked.stderr)")
        try locker.execute(script: "ROLLBACK")

        let admin = try fixture.connect()
        try admin.query("ALTER DATABASE \(quoteIdentifier(fixture.name)) SET statement_timeout = '1ms'")
        let cancelled = try fixture.healthctl(arguments)
        try admin.query("ALTER DATABASE \(quoteIdentifier(fixture.name)) RESET statement_timeout")
        #expect(cancelled.status == 75, "\(job): \(cancelled.stderr)")
        #expect(cancelled.stderr.contains("(the statement was cancelled: statement_timeout, or an operator cancelled it; run again later)"), "\(job): \(cancelled.stderr)")

        let final = try HealthctlProcess.retryingWhileLocked { try fixture.healthctl(arguments) }
        #expect(final.status == 0, "\(job): \(final.stderr)")
        try expectInvariant(job, fixture)
    }

    /// Puts back what the job does, so that it has its work to do again; false for prune, whose
    /// rows, once archived, come back only through restore (and would then be archived twice).
    func reset(_ job: Job, _ fixture: Fixture) throws -> Bool {
        let connection = try fixture.connect()
        switch job {
        case .backfill: try connection.query(#"UPDATE "Integration" SET "healthStatus" = 'UNKNOWN', "lastHealthCheck" = NULL"#)
        case .rollup: try connection.query("TRUNCATE healthctl.rollup, healthctl.rollup_day")
        case .restore: try connection.query(#"DELETE FROM "IntegrationHealthLog" WHERE "checkedAt" < '2026-11-21'"#)
        case .seed: try connection.query(#"TRUNCATE "Integration" CASCADE"#)
        case .prune: return false
        }
        return true
    }

    /// The server crashes (stopped with `-m immediate`, started again a second later): first while
    /// each job waits for a lock another session holds, so that the crash lands in the middle of
    /// it, then at two random instants of a fresh run. The jobs start over on their own and
    /// complete; seed, which is not started over, exits 69 naming the lost connection, and its next
    /// run completes. Each job's invariant holds at the end.
    @Test func serverCrashesAreRiddenOut() throws {
        let server = try TestStandby(role: .copy)
        var generator = SystemRandomNumberGenerator()
        for job in Job.allCases {
            let fixture = try fixture(job, on: server)
            defer { try? FileManager.default.removeItem(at: fixture.archive) }
            for round in 0..<3 {
                if round > 0 { guard try reset(job, fixture) else { break } }
                let locker = try fixture.connect()
                if round == 0 { try locker.execute(script: "BEGIN; LOCK TABLE \(quoteIdentifier(job.neededTable)) IN ACCESS EXCLUSIVE MODE") }
                let output = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-faults-\(UUID().uuidString).err")
                defer { try? FileManager.default.removeItem(at: output) }
                // Round 0 crashes the server while the job waits for the locker's lock; the others
                // at a random instant of its work.
                let process = try HealthctlProcess.start(
                    arguments(job, fixture) + ["--database-url", fixture.url], database: fixture.name, observer: try fixture.connect(),
                    until: round == 0 ? .waitingOnALock : .atWork, errorFile: output)
                if round > 0 { usleep(UInt32.random(in: 0...300_000, using: &generator)) }
                try server.crashAndRestart(after: 1)
                process.waitUntilExit()
                let stderr = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
                if job == .seed {
                    #expect(round > 0 || process.terminationStatus == 69, "seed: \(stderr)")
                    // Cut off in the middle, or while connecting to a server on its way down.
                    #expect(process.terminationStatus == 0 || stderr.contains("; run again once the server is back)") || stderr.contains("; run again once it is back)"), "seed: \(stderr)")
                    let again = try HealthctlProcess.retryingWhileLocked { try fixture.healthctl(arguments(job, fixture)) }
                    #expect([0, 78].contains(again.status), "seed: \(again.stderr)")
                } else if round > 0, process.terminationStatus == 69, stderr.contains("connecting to the database failed") {
                    // The crash came before the job's first connection: it refuses at once, as
                    // against any server that is down, and its next run completes.
                    let again = try HealthctlProcess.retryingWhileLocked { try fixture.healthctl(arguments(job, fixture)) }
                    #expect(again.status == 0, "\(job) round \(round), run again: \(again.stderr)")
                } else {
                    #expect(process.terminationStatus == 0, "\(job) round \(round): \(stderr)")
                    if round == 0 {
                        #expect(stderr.contains("\(job == .restore ? "archive restore" : job.rawValue): the connection to the server was lost ("), "\(job): \(stderr)")
                        #expect(stderr.contains("starting over in 1000 ms (attempt 2 of 5)"), "\(job): \(stderr)")
                    }
                }
            }
            try expectInvariant(job, fixture)
        }
    }
}
