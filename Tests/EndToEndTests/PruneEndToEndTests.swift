import Foundation
import PostgresClient
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A database with migration 005 and health log rows whose error messages hold commas, quotes,
/// line breaks, empty strings and NULLs, plus a copy of the original rows to check against.
/// The log table has the given shape: plain, partitioned with a default partition, or pg_partman's.
final class PruneFixture: @unchecked Sendable {
    let database: TestDatabase
    let connection: PostgresConnection
    let archive: URL
    static let log = "\"IntegrationHealthLog\""

    /// `rows` rows, one every 30 seconds from 2026-09-01T00:00:00Z, so 2880 per day.
    init(_ name: String, rows: Int = 6000, shape: LogTableShape = .plain) throws {
        archive = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-prune-\(UUID().uuidString)")
        database = try TestDatabase(name)
        let applied = try HealthctlProcess.run(["schema", "apply", "--with-base-table", "--database-url", database.url])
        guard applied.status == 0 else { throw FixtureError(message: applied.stderr) }
        connection = try database.connect()
        try shape.apply(to: connection)
        try connection.execute(script: """
            INSERT INTO "Integration"(id, "userId", provider, "updatedAt") SELECT 'int' || g, 'user', 'google', now() FROM generate_series(1, 10) g;
            """)
        try insert(from: 1, count: rows, start: "2026-09-01")
        try connection.execute(script: "CREATE TABLE original AS SELECT * FROM \(Self.log)")
    }

    deinit { try? FileManager.default.removeItem(at: archive) }

    func insert(from first: Int, count: Int, start: String, prefix: String = "log") throws {
        try connection.query(
            """
            INSERT INTO \(Self.log) (id, "integrationId", status, "errorMessage", "responseTime", "checkedAt")
            SELECT $1 || g, 'int' || (g % 10 + 1), (ARRAY['HEALTHY','WARNING','ERROR','UNKNOWN'])[g % 4 + 1]::"IntegrationHealthStatus",
                CASE g % 6 WHEN 0 THEN NULL WHEN 1 THEN '' WHEN 2 THEN E'invalid_grant, "token" expired\\nline two' WHEN 3 THEN 'x,y' WHEN 4 THEN md5(g::text) ELSE 'NULL' END,
                CASE WHEN g % 7 = 0 THEN NULL ELSE g % 997 END,
                $2::timestamp + (g - $3) * interval '30 seconds' + (g % 1000) * interval '1 millisecond'
            FROM generate_series($3::int, $3::int + $4::int - 1) g
            """, [prefix, start, first, count])
    }

    func run(_ arguments: [String], environment: [String: String?] = [:]) throws -> HealthctlProcess.Output {
        try HealthctlProcess.run(arguments + ["--database-url", database.url], environment: environment)
    }

    /// Runs a subcommand that needs no database.
    func runOffline(_ arguments: [String]) throws -> HealthctlProcess.Output { try HealthctlProcess.run(arguments) }

    func prune(_ extra: [String] = [], before: String = "2026-09-03T00:00:00Z", environment: [String: String?] = [:]) throws -> HealthctlProcess.Output {
        // These tests are about the archive; the rollup guard has tests of its own.
        try run(["prune", "--before", before, "--archive-dir", archive.path, "--without-rollups"] + extra, environment: environment)
    }

    func count(_ sql: String) throws -> Int { try connection.query(sql).first?.int(0) ?? -1 }

    func hash(_ table: String) throws -> String {
        try connection.query("SELECT md5(string_agg(t::text, chr(10) ORDER BY id)) FROM \(table) t").first?.string(0) ?? ""
    }

    /// The guarantee: the archive verifies, no row is both in the table and in the archive, and
    /// restoring the archive gives back exactly the original rows (plus `extra`, when given).
    func expectEveryRowInDatabaseXorArchive(expected: String = "original") throws {
        let verify = try runOffline(["archive", "verify", archive.path])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        if FileManager.default.fileExists(atPath: archive.path) {
            let dry = try run(["archive", "restore", archive.path, "--dry-run", "--format", "json"])
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(dry.stdout.contains("\"alreadyPresent\" : 0"), "\(dry.stdout)")
            let restore = try run(["archive", "restore", archive.path])
            #expect(restore.status == 0, "\(restore.stderr)")
        }
        #expect(try hash(Self.log) == hash(expected))
    }
}

struct FixtureError: Error { var message: String }

@Suite(.serialized, .requiresDatabase) struct PruneEndToEndTests {
    @Test(arguments: LogTableShape.allCases)
    func pruneThenRestoreGivesBackExactlyTheOriginalRows(shape: LogTableShape) throws {
        let fixture = try PruneFixture("prune_roundtrip", shape: shape)
        let dry = try fixture.prune(["--dry-run"])
        #expect(dry.status == 0)
        #expect(dry.stdout.contains("2026-09-01  2880 rows"))
        #expect(try fixture.count("SELECT count(*) FROM \(PruneFixture.log)") == 6000)

        let output = try fixture.prune(["--batch-size", "1000", "--format", "json"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("\"rowsArchived\" : 5760"))
        #expect(output.stdout.contains("\"files\" : 2"))
        #expect(!output.stdout.contains("\"durationSeconds\" : 0,"), "the summary reports the run's real duration")
        #expect(try fixture.count("SELECT count(*) FROM \(PruneFixture.log) WHERE \"checkedAt\" < '2026-09-03'") == 0)

        let day = fixture.archive.appendingPathComponent("IntegrationHealthLog/2026/09/2026-09-01.csv.gz").path
        let attributes = try FileManager.default.attributesOfItem(atPath: day)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let directory = try FileManager.default.attributesOfItem(atPath: fixture.archive.appendingPathComponent("IntegrationHealthLog/2026").path)
        #expect((directory[.posixPermissions] as? Int) == 0o700)

        // A second run finds nothing more to do.
        let again = try fixture.prune()
        #expect(again.stdout.hasPrefix("archived 0 rows"))
        try fixture.expectEveryRowInDatabaseXorArchive()
    }

    /// Rows of different partitions share `ctid`s; a batch must still delete only its own rows.
    @Test(arguments: LogTableShape.allCases, [["--jobs", "1"], ["--jobs", "2"], ["--jobs", "1", "--no-archive"]])
    func pruneNeverDeletesARowAtOrAfterTheCutoff(shape: LogTableShape, flags: [String]) throws {
        // 20000 rows from 2026-09-01 to 09-07 22:40, 200 more on 2026-09-20 (in the default
        // partition, as are 09-01 and 09-03), and a cutoff inside the daily child of 09-05.
        let fixture = try PruneFixture("prune_cutoff", rows: 20000, shape: shape)
        try fixture.insert(from: 1, count: 200, start: "2026-09-20", prefix: "new")
        try fixture.connection.execute(script: "INSERT INTO original SELECT * FROM \(PruneFixture.log) WHERE id LIKE 'new%'")
        let cutoff = "2026-09-05T18:00:00Z"
        let log = PruneFixture.log
        try fixture.connection.execute(script: "CREATE TABLE kept AS SELECT * FROM original WHERE \"checkedAt\" >= '2026-09-05 18:00'")
        let kept = try fixture.hash("kept")
        let before = try fixture.count("SELECT count(*) FROM original WHERE \"checkedAt\" < '2026-09-05 18:00'")
        let common = ["prune", "--before", cutoff, "--batch-size", "700", "--format", "json", "--without-rollups"] + flags
        let output = try fixture.run(common + (flags.contains("--no-archive") ? [] : ["--archive-dir", fixture.archive.path]))
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("\"rowsDeleted\" : \(before)"), "\(output.stdout)")
        #expect(try fixture.count("SELECT count(*) FROM \(log) WHERE \"checkedAt\" < '2026-09-05 18:00'") == 0)
        #expect(try fixture.hash(log) == kept, "every row at or after the cutoff is still there, unchanged")
        if !flags.contains("--no-archive") {
            #expect(output.stdout.contains("\"rowsArchived\" : \(before)"), "\(output.stdout)")
            // The archive holds exactly the deleted rows: restoring it gives back the original table.
            try fixture.expectEveryRowInDatabaseXorArchive()
        }
    }

    @Test(arguments: LogTableShape.allCases)
    func twoJobsPruneSeveralDaysIntoOneFileEach(shape: LogTableShape) throws {
        // 14400 rows every 30 seconds: exactly five days, 2880 rows each.
        let fixture = try PruneFixture("prune_jobs", rows: 14400, shape: shape)
        let output = try fixture.prune(["--jobs", "2", "--batch-size", "1000", "--format", "json"], before: "2026-09-06T00:00:00Z")
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("\"rowsDeleted\" : 14400"), "\(output.stdout)")
        #expect(output.stdout.contains("\"rowsArchived\" : 14400"))
        #expect(output.stdout.contains("\"files\" : 5"))
        switch shape {
        case .plain:
            #expect(output.stdout.contains("\"batches\" : 15"), "three batches per day")
        case .partitioned:
            // 09-02, -04 and -05 are whole children, detached and archived whole; 09-01 and -03
            // are in the default partition, three batches each.
            #expect(output.stdout.contains("\"batches\" : 6"), "\(output.stdout)")
            #expect(output.stdout.contains("\"partitionsDetached\" : 3"), "\(output.stdout)")
        case .partman:
            #expect(output.stdout.contains("\"batches\" : 0"), "every day is a whole child")
            #expect(output.stdout.contains("\"partitionsDropped\" : 5"), "\(output.stdout)")
        }
        #expect(try fixture.count("SELECT count(*) FROM \(PruneFixture.log)") == 0)
        for day in 1...5 {
            let path = fixture.archive.appendingPathComponent("IntegrationHealthLog/2026/09/2026-09-0\(day).csv.gz").path
            #expect(FileManager.default.fileExists(atPath: path), "\(path)")
        }
        try fixture.expectEveryRowInDatabaseXorArchive()
    }

    @Test func archiveReadsBackWithPsqlCopyKeepingNullAndEmptyApart() throws {
        let fixture = try PruneFixture("prune_psql", rows: 200)
        #expect(try fixture.prune().status == 0)
        try fixture.connection.execute(script: "CREATE TABLE back (LIKE original)")
        let file = fixture.archive.appendingPathComponent("IntegrationHealthLog/2026/09/2026-09-01.csv.gz").path
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "gzip -dc '\(file)' | psql -q -d \(fixture.database.name) -c '\\copy back (id, \"integrationId\", status, \"errorMessage\", \"responseTime\", \"checkedAt\") FROM STDIN CSV HEADER'"]
        try shell.run()
        shell.waitUntilExit()
        #expect(shell.terminationStatus == 0)
        #expect(try fixture.hash("back") == fixture.hash("original"))
        #expect(try fixture.count("SELECT count(*) FROM back WHERE \"errorMessage\" IS NULL") == 33)
        #expect(try fixture.count("SELECT count(*) FROM back WHERE \"errorMessage\" = ''") == 34)
    }

    @Test(arguments: ["during-copy", "after-member-written", "after-fsync", "after-manifest-pending", "after-commit"], LogTableShape.allCases)
    func killedAtAFaultPointTheNextRunCompletes(point: String, shape: LogTableShape) throws {
        let fixture = try PruneFixture("prune_fault", shape: shape)
        // A cutoff inside a day, so every shape prunes some of its rows batch by batch.
        let cutoff = "2026-09-02T18:00:00Z"
        let killed = try fixture.prune(["--batch-size", "700"], before: cutoff, environment: ["HEALTHCTL_FAULT": "\(point)@3"])
        #expect(killed.status == SIGKILL)
        let final = try HealthctlProcess.retryingWhileLocked { try fixture.prune(["--batch-size", "700", "--format", "json"], before: cutoff) }
        #expect(final.status == 0, "\(final.stderr)")
        // Every point after the first bytes reach the file leaves something to repair; with two
        // workers the other day's file may have been caught mid-batch too.
        if point != "during-copy" {
            #expect(final.stdout.contains("\"filesRepaired\" : 1") || final.stdout.contains("\"filesRepaired\" : 2"), "\(final.stdout)")
        }
        try fixture.expectEveryRowInDatabaseXorArchive()
    }

    /// The steps of a whole partition: detached, archived and recorded pending, dropped.
    @Test(arguments: ["after-detach", "after-partition-archived", "after-drop"], [
        (LogTableShape.partitioned, false), (.partitioned, true), (.partman, false), (.partman, true),
    ])
    func killedWhileTakingOutAWholePartitionTheNextRunFinishes(point: String, variant: (shape: LogTableShape, keepDetached: Bool)) throws {
        let (shape, keepDetached) = variant
        let fixture = try PruneFixture("prune_partition_fault", rows: 12000, shape: shape)
        let keep = keepDetached ? ["--keep-detached"] : []
        let cutoff = "2026-09-05T00:00:00Z"
        let killed = try fixture.prune(keep, before: cutoff, environment: ["HEALTHCTL_FAULT": "\(point)@2"])
        #expect(killed.status == SIGKILL, "\(killed.stderr)")
        let final = try HealthctlProcess.retryingWhileLocked { try fixture.prune(keep + ["--format", "json"], before: cutoff) }
        #expect(final.status == 0, "\(final.stderr)")
        #expect(try fixture.count("SELECT count(*) FROM \(PruneFixture.log) WHERE \"checkedAt\" < '2026-09-05'") == 0)
        // Nothing is left half done: no table marked as being archived, no pending detach.
        #expect(try fixture.count("SELECT count(*) FROM pg_class WHERE obj_description(oid, 'pg_class') LIKE 'healthctl prune: detached%'") == 0)
        #expect(try fixture.count("SELECT count(*) FROM pg_inherits WHERE inhdetachpending") == 0)
        if keepDetached {
            // The kept tables hold exactly what their members hold; the archive is complete on its own.
            let kept = try fixture.count("SELECT count(*) FROM pg_class WHERE obj_description(oid, 'pg_class') LIKE 'healthctl prune: archived%'")
            #expect(kept == (shape == .partman ? 4 : 2), "\(final.stdout)")
            try fixture.connection.execute(script: """
                DO $$ DECLARE t regclass; BEGIN
                    FOR t IN SELECT oid FROM pg_class WHERE obj_description(oid, 'pg_class') LIKE 'healthctl prune: archived%' LOOP
                        EXECUTE 'DROP TABLE ' || t;
                    END LOOP;
                END $$;
                """)
        }
        try fixture.expectEveryRowInDatabaseXorArchive()
    }

    @Test(arguments: LogTableShape.allCases)
    func killedAtRandomMomentsManyTimesLosesNothing(shape: LogTableShape) throws {
        let fixture = try PruneFixture("prune_kill", rows: 12000, shape: shape)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<10 {
            let process = try HealthctlProcess.start(["prune", "--before", "2026-09-05T00:00:00Z", "--archive-dir", fixture.archive.path, "--batch-size", "300", "--without-rollups", "--database-url", fixture.database.url])
            usleep(UInt32.random(in: 30_000...400_000, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let final = try HealthctlProcess.retryingWhileLocked { try fixture.prune(["--batch-size", "300"], before: "2026-09-05T00:00:00Z") }
        #expect(final.status == 0, "\(final.stderr)")
        #expect(try fixture.count("SELECT count(*) FROM \(PruneFixture.log) WHERE \"checkedAt\" < '2026-09-05'") == 0)
        try fixture.expectEveryRowInDatabaseXorArchive()
    }

    /// Yielding to a busy application session (smaller batches, a partition copied three hours
    /// at a time, rests), prune and then restore have their server sessions terminated and are
    /// killed at random instants; the next yielding run of each completes, and every row is in
    /// the table or in exactly one archive, then back in the table once restored.
    @Test(arguments: LogTableShape.allCases)
    func yieldingPruneAndRestoreSurviveKillsAndTerminatedSessions(shape: LogTableShape) throws {
        // 14,400 rows before the cutoff: at a share of 0.25, a few seconds of work for each job.
        let fixture = try PruneFixture("prune_yield_faults", rows: 20000, shape: shape)
        let application = try fixture.database.busySession()
        defer { _ = try? application.query("COMMIT") }
        let yielding: [String: String?] = ["HEALTHCTL_BUSY_SHARE": "0.25"]
        let prune = ["prune", "--before", "2026-09-06T00:00:00Z", "--archive-dir", fixture.archive.path, "--batch-size", "300", "--without-rollups"]
        let restore = ["archive", "restore", fixture.archive.path]
        var generator = SystemRandomNumberGenerator()
        /// Runs `arguments` six times, each cut short at a random instant of its work; returns how
        /// many runs the kill found still at work.
        func fault(_ arguments: [String]) throws -> Int {
            var killedMidway = 0
            for round in 0..<6 {
                let process = try HealthctlProcess.start(
                    arguments + ["--database-url", fixture.database.url], database: fixture.database.name, observer: fixture.connection, environment: yielding)
                usleep(UInt32.random(in: 0...300_000, using: &generator))
                if round % 2 == 0 {
                    try fixture.connection.query(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'healthctl%'", [fixture.database.name])
                    usleep(UInt32.random(in: 20_000...300_000, using: &generator))
                }
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                // Killed at work, or else ended by itself: completed, or (75) the session of the
                // run killed just before still held the job's lock.
                if process.terminationReason == .uncaughtSignal, process.terminationStatus == SIGKILL {
                    killedMidway += 1
                } else {
                    #expect(process.terminationReason == .exit && [0, 75].contains(process.terminationStatus), "\(arguments[0]) ended with \(process.terminationStatus)")
                }
            }
            return killedMidway
        }

        #expect(try fault(prune) > 0)
        let leftToPrune = try fixture.count("SELECT count(*) FROM \(PruneFixture.log) WHERE \"checkedAt\" < '2026-09-06'")
        let pruned = try HealthctlProcess.retryingWhileLocked {
            try fixture.prune(["--batch-size", "300", "--log-level", "info"], before: "2026-09-06T00:00:00Z", environment: yielding)
        }
        #expect(pruned.status == 0, "\(pruned.stderr)")
        #expect(try fixture.count("SELECT count(*) FROM \(PruneFixture.log) WHERE \"checkedAt\" < '2026-09-06'") == 0)
        // The archive verifies (no id twice) and holds exactly the rows gone from the table.
        let verify = try fixture.runOffline(["archive", "verify", fixture.archive.path, "--format", "json"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let archived = (try JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as? [String: Any])?["rows"] as? Int ?? -1
        #expect(archived == (try fixture.count("SELECT count(*) FROM original WHERE \"checkedAt\" < '2026-09-06'")))
        #expect(archived + (try fixture.count("SELECT count(*) FROM \(PruneFixture.log)")) == 20000)

        #expect(try fault(restore) > 0)
        let leftToRestore = 20000 - (try fixture.count("SELECT count(*) FROM \(PruneFixture.log)"))
        let restored = try HealthctlProcess.retryingWhileLocked { try fixture.run(restore + ["--log-level", "info"], environment: yielding) }
        #expect(restored.status == 0, "\(restored.stderr)")
        // A final run with work left did it yielding.
        for (output, left) in [(pruned, leftToPrune), (restored, leftToRestore)] where left > 0 {
            #expect(output.stderr.contains("other sessions are using the server"), "\(output.stderr)")
        }
        #expect(try fixture.hash(PruneFixture.log) == fixture.hash("original"))
    }

    /// Also while yielding, when a unit's rows are gathered and compressed after the COPY.
    @Test(arguments: LogTableShape.allCases, [false, true])
    func fullDiskExits73AndKeepsUnarchivedRows(shape: LogTableShape, yielding: Bool) throws {
        let fixture = try PruneFixture("prune_full", rows: 20000, shape: shape)
        try FileManager.default.createDirectory(at: fixture.archive, withIntermediateDirectories: true)
        let mount = try shell("mount -t tmpfs -o size=96k tmpfs '\(fixture.archive.path)'")
        try #require(mount == 0, "mounting a tmpfs needs root")
        defer { _ = try? shell("umount '\(fixture.archive.path)'") }
        let application = yielding ? try fixture.database.busySession() : nil
        defer { _ = try? application?.query("COMMIT") }
        let environment: [String: String?] = yielding ? ["HEALTHCTL_BUSY_SHARE": "0.9"] : [:]
        let output = try fixture.prune(["--batch-size", "1000", "--log-level", "info"], before: "2026-09-08T00:00:00Z", environment: environment)
        #expect(output.status == 73, "\(output.stderr)")
        #expect(output.stderr.contains("other sessions are using the server") == yielding, "\(output.stderr)")
        #expect(output.stderr.contains("No space left on device"))
        let left = try fixture.count("SELECT count(*) FROM \(PruneFixture.log)")
        #expect(left > 0 && left < 20000)
        if shape == .plain {
            // Batches that did not fit were rolled back: the archive is complete as it is, but
            // where the disk filled while a manifest was being updated, the last member of that
            // day stays pending (nothing else is wrong), and the next run resolves it.
            let verify = try fixture.runOffline(["archive", "verify", fixture.archive.path])
            let problems = verify.stdout.split(separator: "\n").filter { $0.contains(": member ") }
            #expect(
                verify.status == 0 || (verify.status == 65 && !problems.isEmpty && problems.allSatisfy { $0.contains("is still pending") }),
                "\(verify.stdout)")
        }
        // Once there is room again, the next run finishes: a partition whose last manifest write
        // failed after its DROP is settled, a partition put back is archived again.
        #expect(try shell("mount -o remount,size=64m '\(fixture.archive.path)'") == 0)
        let again = try fixture.prune(["--batch-size", "1000"], before: "2026-09-08T00:00:00Z", environment: environment)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try fixture.count("SELECT count(*) FROM \(PruneFixture.log) WHERE \"checkedAt\" < '2026-09-08'") == 0)
        try fixture.expectEveryRowInDatabaseXorArchive()
    }

    @Test func unwritableArchiveDirectoryExits73AndDeletesNothing() throws {
        let fixture = try PruneFixture("prune_unwritable", rows: 100)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-file-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: file.path, contents: Data("x".utf8))
        defer { try? FileManager.default.removeItem(at: file) }
        let output = try fixture.run(["prune", "--before", "2026-09-03T00:00:00Z", "--archive-dir", file.path + "/archive", "--without-rollups"])
        #expect(output.status == 73)
        #expect(output.stderr.contains("Not a directory"))
        #expect(try fixture.count("SELECT count(*) FROM \(PruneFixture.log)") == 100)
    }

    @Test func refusesWithoutArchiveDirectory() throws {
        let fixture = try PruneFixture("prune_refuse", rows: 10)
        let output = try fixture.run(["prune", "--older-than", "1d"])
        #expect(output.status == 64)
        #expect(output.stderr.contains("--archive-dir"))
        let deleted = try fixture.run(["prune", "--older-than", "1d", "--no-archive", "--format", "json", "--without-rollups"])
        #expect(deleted.stdout.contains("\"rowsDeleted\" : 10"))
    }

    @Test func secondRunExits75WhileTheLockIsHeld() throws {
        let fixture = try PruneFixture("prune_lock", rows: 10)
        let holder = try fixture.database.connect()
        try holder.query("SELECT pg_advisory_lock(hashtext('healthctl:retention'))")
        let started = Date()
        let output = try fixture.prune()
        #expect(output.status == 75)
        #expect(output.stderr.contains("another prune or archive restore run holds the lock"))
        #expect(Date().timeIntervalSince(started) < 10)
        let restore = try fixture.run(["archive", "restore", fixture.archive.path])
        #expect(restore.status != 0)
        #expect(try fixture.count("SELECT count(*) FROM \(PruneFixture.log)") == 10)
    }

    @Test(arguments: LogTableShape.allCases)
    func applicationInsertsDuringPruneLoseNothing(shape: LogTableShape) throws {
        let fixture = try PruneFixture("prune_concurrent", shape: shape)
        try fixture.connection.execute(script: "CREATE TABLE inserted (LIKE original)")
        let url = fixture.database
        let finished = DispatchSemaphore(value: 0)
        let writer = Thread {
            defer { finished.signal() }
            guard let connection = try? url.connect() else { return }
            for round in 0..<40 {
                // Old rows (inside the pruned range, into the default partition and into a
                // child of its own when partitioned) and recent ones, as a late-reporting app would.
                _ = try? connection.query(
                    """
                    WITH i AS (INSERT INTO "IntegrationHealthLog" (id, "integrationId", status, "errorMessage", "responseTime", "checkedAt")
                        VALUES ('late' || $1::int, 'int1', 'ERROR', 'late, "old"', NULL, '2026-09-01 12:00:00'::timestamp + $1::int * interval '1 minute'),
                               ('later' || $1::int, 'int3', 'WARNING', NULL, 7, '2026-09-02 12:00:00'::timestamp + $1::int * interval '1 minute'),
                               ('new' || $1::int, 'int2', 'HEALTHY', NULL, 5, '2026-11-01 00:00:00'::timestamp + $1::int * interval '1 minute')
                        RETURNING *)
                    INSERT INTO inserted SELECT * FROM i
                    """, [round])
                usleep(10_000)
            }
        }
        writer.start()
        let output = try fixture.prune(["--batch-size", "200", "--pause", "5ms"])
        #expect(output.status == 0, "\(output.stderr)")
        finished.wait()
        #expect(try fixture.count("SELECT count(*) FROM inserted") == 120)
        try fixture.connection.execute(script: "INSERT INTO original SELECT * FROM inserted")
        try fixture.expectEveryRowInDatabaseXorArchive()
    }

    @Test func sigtermFinishesTheBatchAndReportsWhatWasDone() throws {
        let fixture = try PruneFixture("prune_sigterm")
        let process = try HealthctlProcess.start(["prune", "--before", "2026-09-03T00:00:00Z", "--archive-dir", fixture.archive.path, "--batch-size", "500", "--pause", "300ms", "--without-rollups", "--database-url", fixture.database.url], output: true)
        // Signalled once the first batch has committed, with eleven batches still to go.
        let before = "SELECT count(*) FROM \(PruneFixture.log) WHERE \"checkedAt\" < '2026-09-03'"
        let deadline = Date().addingTimeInterval(30)
        while try fixture.count(before) == 5760, process.isRunning, Date() < deadline { usleep(10_000) }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        let stdout = String(decoding: (process.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0)
        #expect(stdout.contains("stopped early (SIGTERM)"), "\(stdout)")
        let left = try fixture.count(before)
        #expect(left > 0 && left < 5760)
        try fixture.expectEveryRowInDatabaseXorArchive()
    }

    @Test func restoreSkipsAndCountsOrphans() throws {
        let fixture = try PruneFixture("prune_orphans", rows: 100)
        #expect(try fixture.prune().status == 0)
        try fixture.connection.execute(script: "DELETE FROM \"Integration\" WHERE id = 'int1'")
        let keep = try fixture.run(["archive", "restore", fixture.archive.path, "--include-orphans"])
        #expect(keep.status == 78)
        #expect(keep.stderr.contains("10 archived rows belong to integrations that no longer exist"))
        let restore = try fixture.run(["archive", "restore", fixture.archive.path, "--format", "json"])
        #expect(restore.status == 0)
        #expect(restore.stdout.contains("\"orphaned\" : 10"))
        #expect(restore.stdout.contains("\"inserted\" : 90"))
        let again = try fixture.run(["archive", "restore", fixture.archive.path, "--format", "json"])
        #expect(again.stdout.contains("\"alreadyPresent\" : 90"))
    }

    @Test func verifyCatchesFlippedByteTruncationDeletedMemberAndManifestMismatch() throws {
        let fixture = try PruneFixture("prune_verify", rows: 3000)
        #expect(try fixture.prune(["--batch-size", "800"]).status == 0)
        let file = fixture.archive.appendingPathComponent("IntegrationHealthLog/2026/09/2026-09-01.csv.gz")
        let manifestURL = fixture.archive.appendingPathComponent("IntegrationHealthLog/2026/09/2026-09-01.manifest.json")
        let original = try Data(contentsOf: file)
        let manifest = try String(contentsOf: manifestURL, encoding: .utf8)
        let memberTwo = try #require(manifest.range(of: "\"offset\" : [1-9][0-9]*", options: .regularExpression))
        let secondOffset = Int(manifest[memberTwo].split(separator: " ").last!)!

        func expectFailure(_ contains: String) throws {
            let output = try fixture.runOffline(["archive", "verify", fixture.archive.path])
            #expect(output.status == 65)
            #expect(output.stdout.contains(contains), "\(output.stdout)")
            #expect(output.stderr.contains("2026-09-01.csv.gz"))
        }

        var flipped = original
        flipped[secondOffset + 100] ^= 0x10
        try flipped.write(to: file)
        try expectFailure("member 1")

        try original.prefix(original.count - 10).write(to: file)
        try expectFailure("truncated")

        var secondEnd = original.count
        if let range = manifest.range(of: "\"offset\" : \(secondOffset)\n") {
            let rest = manifest[range.upperBound...]
            if let next = rest.range(of: "\"offset\" : [0-9]+", options: .regularExpression) {
                secondEnd = Int(rest[next].split(separator: " ").last!)!
            }
        }
        try (original.prefix(secondOffset) + original.suffix(from: secondEnd)).write(to: file)
        try expectFailure("gzip members")

        try original.write(to: file)
        #expect(try fixture.runOffline(["archive", "verify", fixture.archive.path]).status == 0)
        try manifest.replacingOccurrences(of: "\"rows\" : 800", with: "\"rows\" : 801").write(to: manifestURL, atomically: true, encoding: .utf8)
        try expectFailure("row count")
    }

    // MARK: Helpers

    @discardableResult
    func shell(_ command: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// What doctor and prune say about partitions and pg_partman.
@Suite(.serialized, .requiresDatabase) struct PartitionedTableEndToEndTests {
    @Test func doctorShowsThePartitionsAndWarnsOfRowsInTheDefaultPartition() throws {
        let fixture = try PruneFixture("partition_doctor", rows: 6000, shape: .partitioned)
        let output = try fixture.run(["doctor"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("[ok]   partitions: partitioned by range of \"checkedAt\": 5 children from 2026-09-02T00:00:00Z to 2026-09-14T00:00:00Z, 0 premade for the future"), "\(output.stdout)")
        // 2026-09-01 (2880 rows) and the first 240 rows of 09-03 have no child of their own.
        #expect(output.stdout.contains("[warn] default partition: 3120 rows in \"public\".\"IntegrationHealthLog_default\""), "\(output.stdout)")
        let plain = try PruneFixture("partition_doctor_plain", rows: 10)
        #expect(!(try plain.run(["doctor"]).stdout.contains("partitions:")))
    }

    @Test func pruneRefusesWhilePgPartmanDropsChildrenItselfAndDoctorSaysWhy() throws {
        let fixture = try PruneFixture("partition_partman_retention", rows: 6000, shape: .partman)
        try fixture.connection.execute(script: "UPDATE partman.part_config SET retention = '30 days', retention_keep_table = false")
        let doctor = try fixture.run(["doctor"])
        #expect(doctor.stdout.contains("[warn] pg_partman: pg_partman manages it: interval 1 day, premake 4, retention 30 days: it drops children healthctl has not archived"), "\(doctor.stdout)")
        let prune = try fixture.prune()
        #expect(prune.status == 78, "\(prune.stderr)")
        #expect(prune.stderr.contains("pg_partman drops partitions of \"public\".\"IntegrationHealthLog\" older than 30 days itself, without an archive"), "\(prune.stderr)")
        #expect(try fixture.count("SELECT count(*) FROM \(PruneFixture.log)") == 6000, "nothing was pruned")
        #expect(!FileManager.default.fileExists(atPath: fixture.archive.path))

        try fixture.connection.execute(script: "UPDATE partman.part_config SET retention = NULL")
        #expect(try fixture.prune().status == 0)
    }

    /// A session reading the log table in a long transaction keeps the plain `DETACH` (beside a
    /// default partition) from its lock: prune gives up detaching after its attempts and prunes
    /// the child batch by batch (those deletes do not conflict with a reader).
    @Test func aChildThatCannotBeDetachedIsPrunedBatchByBatch() throws {
        let fixture = try PruneFixture("partition_busy_parent", rows: 6000, shape: .partitioned)
        let reader = try fixture.database.connect()
        try reader.query("BEGIN")
        #expect(try reader.query("SELECT count(*) FROM \(PruneFixture.log)").first?.int(0) == 6000)
        let children = "SELECT count(*) FROM pg_inherits WHERE inhparent = '\(PruneFixture.log)'::regclass"
        let before = try fixture.count(children)
        let output = try fixture.prune(["--format", "json", "--log-level", "info"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stderr.contains("the log table is busy (attempt 12 of 12)"), "\(output.stderr)")
        #expect(output.stderr.contains("pruning it batch by batch"), "\(output.stderr)")
        #expect(output.stdout.contains("\"partitionsDropped\" : 0"), "\(output.stdout)")
        #expect(try fixture.count(children) == before, "the child stays attached")
        #expect(try fixture.count("SELECT count(*) FROM \(PruneFixture.log) WHERE \"checkedAt\" < '2026-09-03'") == 0)
        try reader.query("ROLLBACK")
        try fixture.expectEveryRowInDatabaseXorArchive()
    }

    @Test func pgPartmanMaintenanceWaitsWhilePruneDetaches() throws {
        let fixture = try PruneFixture("partition_partman_lock", rows: 6000, shape: .partman)
        // A session holding pg_partman's maintenance lock makes prune wait, then go on once it is free.
        let holder = try fixture.database.connect()
        try holder.query("SELECT pg_advisory_lock(hashtext('pg_partman run_maintenance'))")
        let children = "SELECT count(*) FROM pg_inherits WHERE inhparent = '\(PruneFixture.log)'::regclass"
        let before = try fixture.count(children)
        let process = try HealthctlProcess.start(
            ["prune", "--before", "2026-09-03T00:00:00Z", "--archive-dir", fixture.archive.path, "--without-rollups", "--format", "json", "--database-url", fixture.database.url],
            output: true, database: fixture.database.name, observer: fixture.connection, until: .sent(containing: "pg_try_advisory_lock"))
        usleep(500_000)
        #expect(process.isRunning, "prune waits for the maintenance lock")
        #expect(try fixture.count(children) == before, "no partition is detached while pg_partman's maintenance runs")
        try holder.query("SELECT pg_advisory_unlock(hashtext('pg_partman run_maintenance'))")
        let stdout = String(decoding: (process.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(stdout.contains("\"partitionsDropped\" : 2"), "\(stdout)")
        try fixture.expectEveryRowInDatabaseXorArchive()
    }
}

/// `schema apply --partitioned` makes a partitioned log table every job works on.
@Suite(.serialized, .requiresDatabase) struct PartitionedSchemaEndToEndTests {
    @Test(arguments: ["day", "week", "month"])
    func aPartitionedDatabaseIsSeededReportedAndPruned(interval: String) throws {
        let database = try TestDatabase("partitioned_\(interval)")
        let url = database.url
        let applied = try HealthctlProcess.run(["schema", "apply", "--with-base-table", "--partitioned", "--partition-interval", interval, "--database-url", url])
        #expect(applied.status == 0, "\(applied.stderr)")
        let connection = try database.connect()
        #expect(try connection.query("SELECT relkind::text FROM pg_class WHERE relname = 'IntegrationHealthLog'").first?.string(0) == "p")
        #expect(try connection.query("SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM pg_index i JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(att, n) ON true JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.att WHERE i.indrelid = '\"IntegrationHealthLog\"'::regclass AND i.indisprimary").first?.string(0) == "id,checkedAt")
        // Applying again changes nothing; the indexes and the foreign key of migration 005 are on it.
        #expect(try HealthctlProcess.run(["schema", "apply", "--partitioned", "--database-url", url]).status == 0)
        let doctor = try HealthctlProcess.run(["doctor", "--database-url", url])
        #expect(!doctor.stdout.contains("[warn] index"), "\(doctor.stdout)")
        #expect(doctor.stdout.contains("[ok]   foreign key"), "\(doctor.stdout)")
        #expect(doctor.stdout.contains("[ok]   partitions: partitioned by range of \"checkedAt\""), "\(doctor.stdout)")

        let seeded = try HealthctlProcess.run(["seed", "--integrations", "5", "--days", "10", "--database-url", url])
        #expect(seeded.status == 0, "\(seeded.stderr)")
        #expect(try connection.query("SELECT count(*) FROM ONLY \"IntegrationHealthLog_default\"").first?.int(0) == 0, "every seeded row has a child")
        // Whole UTC days, so the window is the same before and after the prune.
        let today = Int64(Date().timeIntervalSince1970 / 86_400) * 86_400
        func day(_ offset: Int64) -> String { ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(today + offset * 86_400))) }
        let window = ["--since", day(-7), "--until", day(0)]
        let report = try HealthctlProcess.run(["report", "--format", "json", "--database-url", url] + window)
        #expect(report.status == 0, "\(report.stderr)")
        let backfill = try HealthctlProcess.run(["backfill", "--database-url", url])
        #expect(backfill.status == 0, "\(backfill.stderr)")
        #expect(try connection.query("SELECT count(*) FROM \"Integration\" WHERE \"healthStatus\" = 'UNKNOWN'").first?.int(0) == 0, "the latest check of each integration is found through the partitions")
        let archive = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-partitioned-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: archive) }
        let total = try connection.query("SELECT count(*) FROM \"IntegrationHealthLog\"").first?.int(0) ?? 0
        let refused = try HealthctlProcess.run(["prune", "--older-than", "4d", "--archive-dir", archive.path, "--database-url", url])
        #expect(refused.status == 78 && refused.stderr.contains("run healthctl rollup --until"), "\(refused.stderr)")
        // Backfill changed the current statuses the report shows: compare with a report taken after it.
        let before = try HealthctlProcess.run(["report", "--format", "json", "--database-url", url] + window)
        let rollup = try HealthctlProcess.run(["rollup", "--database-url", url])
        #expect(rollup.status == 0, "\(rollup.stderr)")
        let prune = try HealthctlProcess.run(["prune", "--older-than", "4d", "--archive-dir", archive.path, "--format", "json", "--database-url", url])
        #expect(prune.status == 0, "\(prune.stderr)")
        // The pruned days now come from their rollups: the report's numbers do not change.
        let after = try HealthctlProcess.run(["report", "--format", "json", "--database-url", url] + window)
        #expect(ReportJSONComparison.daySources(after.stdout).contains("rollup"), "\(after.stdout.prefix(2000))")
        #expect(ReportJSONComparison.withoutVolatileFields(after.stdout) == ReportJSONComparison.withoutVolatileFields(before.stdout))
        let left = try connection.query("SELECT count(*) FROM \"IntegrationHealthLog\"").first?.int(0) ?? 0
        #expect(left > 0 && left < total)
        #expect(try HealthctlProcess.run(["archive", "verify", archive.path]).status == 0)
        let restored = try HealthctlProcess.run(["archive", "restore", archive.path, "--database-url", url])
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(try connection.query("SELECT count(*) FROM \"IntegrationHealthLog\"").first?.int(0) == total)
    }

    @Test func anExistingPlainLogTableIsNotPartitionedBehindTheUsersBack() throws {
        let database = try TestDatabase("partitioned_refuse")
        #expect(try HealthctlProcess.run(["schema", "apply", "--with-base-table", "--database-url", database.url]).status == 0)
        let again = try HealthctlProcess.run(["schema", "apply", "--partitioned", "--database-url", database.url])
        #expect(again.status == 78)
        #expect(again.stderr.contains("exists already and is not partitioned"), "\(again.stderr)")
        let usage = try HealthctlProcess.run(["schema", "apply", "--partition-interval", "week", "--database-url", database.url])
        #expect(usage.status == 64)
    }
}
