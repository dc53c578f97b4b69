import Foundation
import PostgresClient
import TestSupport
import Testing

/// The jobs yield to other sessions while those are busy (`LoadGovernor`), through the binary.
@Suite(.serialized, .requiresDatabase) struct SharingEndToEndTests {
    let database: TestDatabase

    init() throws {
        database = try TestDatabase("e2e_sharing")
        let setup = try HealthctlProcess.run(["schema", "apply", "--with-base-table", "--database-url", database.url])
        #expect(setup.status == 0)
        try database.connect().execute(script: """
            INSERT INTO "Integration" (id, "userId", provider, "updatedAt")
            SELECT 'int-' || lpad(g::text, 3, '0'), 'user', 'github', now() FROM generate_series(1, 300) g;
            INSERT INTO "IntegrationHealthLog" (id, "integrationId", status, "checkedAt")
            SELECT 'log-' || g, 'int-' || lpad(g::text, 3, '0'), 'HEALTHY', timestamp '2026-11-20 12:00:00' FROM generate_series(1, 300) g;
            """)
    }

    @Test func aJobYieldsWhileAnotherSessionIsBusy() throws {
        let application = try database.busySession()
        let started = Date()
        let output = try HealthctlProcess.run(
            ["backfill", "--batch-size", "100", "--log-level", "info", "--database-url", database.url],
            environment: ["HEALTHCTL_BUSY_SHARE": "0.5"])
        let elapsed = Date().timeIntervalSince(started)
        try application.query("COMMIT")
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stderr.contains("other sessions are using the server: working 50 % of the time, one batch at a time"))
        #expect(output.stdout.contains("updated 300 rows"), "\(output.stdout)")
        // Yielding, batches shrink to 100 rows (a tenth of 100, at least 100): three of them.
        #expect(try database.connect().query("SELECT count(*) FROM \"Integration\" WHERE \"healthStatus\" = 'HEALTHY'").first?.int(0) == 300)
        #expect(elapsed < 60)
    }

    /// Yielding, prune deletes in batches of a tenth and copies whole partitions three hours at a
    /// time into one member a day: the archive still holds every row once.
    @Test(arguments: LogTableShape.allCases)
    func aPruneThatYieldsArchivesEveryRowOnce(shape: LogTableShape) throws {
        let fixture = try PruneFixture("sharing_prune", shape: shape)
        let application = try fixture.database.busySession()
        let output = try fixture.prune(["--batch-size", "1000", "--format", "json", "--log-level", "info"], environment: ["HEALTHCTL_BUSY_SHARE": "0.9"])
        try application.query("COMMIT")
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stderr.contains("other sessions are using the server"))
        #expect(output.stdout.contains("\"rowsArchived\" : 5760"), "\(output.stdout)")
        let summary = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
        #expect((summary?["restedSeconds"] as? Double ?? 0) > 0, "\(output.stdout)")
        if shape == .plain {
            // At full speed, 6 batches of 1000 and an empty one per day; yielding, batches of 100
            // after the first (its size is chosen before the first look at the server).
            let batches = output.stdout.split(separator: "\n").first { $0.contains("\"batches\"") }.flatMap { Int($0.filter(\.isNumber)) } ?? 0
            #expect(batches >= 40, "\(batches) batches")
        }
        #expect(try fixture.count("SELECT count(*) FROM \(PruneFixture.log) WHERE \"checkedAt\" < '2026-09-03'") == 0)
        try fixture.expectEveryRowInDatabaseXorArchive()
    }

    /// Restore yields from its first file on: loading the staging table is paced too, one file
    /// per unit, not only the insert batches after it.
    @Test func aRestoreYieldsWhileItVerifiesAndLoadsTheArchive() throws {
        let fixture = try PruneFixture("sharing_restore", shape: .plain)
        #expect(try fixture.prune(["--batch-size", "1000"]).status == 0)
        let application = try fixture.database.busySession()
        let restore = try fixture.run(["archive", "restore", fixture.archive.path, "--log-level", "info"], environment: ["HEALTHCTL_BUSY_SHARE": "0.9"])
        try application.query("COMMIT")
        #expect(restore.status == 0, "\(restore.stderr)")
        let lines = restore.stderr.split(separator: "\n")
        let yielding = lines.firstIndex { $0.contains("other sessions are using the server") }
        let verified = lines.indices.filter { lines[$0].contains("verified ") }
        let staged = lines.indices.filter { lines[$0].contains("staged ") && lines[$0].contains(" rows of ") }
        #expect(verified.count == 2 && staged.count == 2, "\(restore.stderr)")
        // Verifying the files yields already, and every file is verified before any is staged.
        #expect(yielding.map { $0 < (verified.first ?? -1) } == true, "\(restore.stderr)")
        #expect((verified.last ?? .max) < (staged.first ?? -1), "\(restore.stderr)")
        #expect(try fixture.hash(PruneFixture.log) == fixture.hash("original"))
    }

    @Test func aShareOfOneNeverLooksAndABadShareIsAUsageError() throws {
        let application = try database.busySession()
        let full = try HealthctlProcess.run(
            ["backfill", "--dry-run", "--log-level", "info", "--busy-share", "100%", "--database-url", database.url],
            environment: ["HEALTHCTL_BUSY_SHARE": "0.5"])
        try application.query("COMMIT")
        #expect(full.status == 0, "\(full.stderr)")
        #expect(!full.stderr.contains("other sessions are using the server"), "the flag wins over the environment")
        let bad = try HealthctlProcess.run(["prune", "--before", "2026-09-01T00:00:00Z", "--no-archive", "--busy-share", "0", "--database-url", database.url])
        #expect(bad.status == 64)
        #expect(bad.stderr.hasPrefix("healthctl: error: invalid --busy-share \"0\": expected a share from 0.01 to 1, such as 0.2 or 20%"), "\(bad.stderr)")
        let badEnvironment = try HealthctlProcess.run(["rollup", "--dry-run", "--database-url", database.url], environment: ["HEALTHCTL_BUSY_SHARE": "fast"])
        #expect(badEnvironment.status == 64)
        #expect(badEnvironment.stderr.contains("invalid HEALTHCTL_BUSY_SHARE \"fast\""), "\(badEnvironment.stderr)")
    }

    @Test func configShowListsTheShareAndWhereItCameFrom() throws {
        let output = try HealthctlProcess.run(["config", "show"], environment: ["HEALTHCTL_BUSY_SHARE": "0.3"])
        #expect(output.status == 0)
        #expect(output.stdout.contains("database.busy_share"), "\(output.stdout)")
        #expect(output.stdout.split(separator: "\n").contains { $0.contains("database.busy_share") && $0.contains("0.3") && $0.contains("env") })
    }

    /// A job that yields also works at nice 10, so that the application's processes on the same
    /// machine get the cores first; with a share of 1 it keeps the priority it was started with.
    /// Its own threads are checked (named after the binary); Dispatch's, which wait for signals
    /// here, keep the priority Dispatch gives them.
    @Test(arguments: ["0.5", "1"])
    func aJobThatSharesTheServerRunsAtALowerCPUPriority(share: String) throws {
        let started = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        let locker = try database.connect()
        try locker.execute(script: #"BEGIN; LOCK TABLE "Integration" IN ACCESS EXCLUSIVE MODE"#)
        let process = try HealthctlProcess.start(
            ["backfill", "--database-url", database.url], database: database.name, observer: try database.connect(), until: .waitingOnALock,
            environment: ["HEALTHCTL_BUSY_SHARE": share])
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.processIdentifier)/task")) ?? []
        let niceness = threads.compactMap { thread -> Int32? in
            // The fields after the command's closing parenthesis; the nice value is the 19th field.
            let task = "/proc/\(process.processIdentifier)/task/\(thread)"
            guard (try? String(contentsOfFile: task + "/comm", encoding: .utf8)) == "healthctl\n",
                let stat = try? String(contentsOfFile: task + "/stat", encoding: .utf8), let close = stat.lastIndex(of: ")")
            else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 16 ? Int32(fields[16]) : nil
        }
        try locker.execute(script: "ROLLBACK")
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(!niceness.isEmpty)
        #expect(Set(niceness) == [share == "1" ? started : max(started, 10)], "\(niceness)")
    }
}
