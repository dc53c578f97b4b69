import Foundation
import PostgresClient
import TestSupport
import Testing

/// Against a real streaming standby of the test server: reports say where they read from and
/// ride out recovery conflicts; writing jobs refuse at once.
@Suite(.serialized, .requiresDatabase) final class StandbyEndToEndTests {
    let database: TestDatabase
    let primary: PostgresConnection
    let standby: TestStandby
    let scratch: URL

    init() throws {
        database = try TestDatabase("standby")
        let applied = try HealthctlProcess.run(["schema", "apply", "--with-base-table", "--database-url", database.url])
        try #require(applied.status == 0, "\(applied.stderr)")
        let seeded = try HealthctlProcess.run([
            "seed", "--integrations", "100", "--days", "7", "--until", "2026-11-23T00:00:00Z", "--database-url", database.url,
        ])
        try #require(seeded.status == 0, "\(seeded.stderr)")
        primary = try database.connect()
        // Any recovery conflict cancels the standby's queries at once.
        standby = try TestStandby(settings: ["max_standby_streaming_delay=0", "hot_standby_feedback=off"])
        // A transaction after the backup, so the standby has a replay time to report.
        try primary.execute(script: "CREATE TABLE replayed AS SELECT 1 AS x")
        try standby.catchUp(with: primary, database: database.name)
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-standby-e2e-\(UUID().uuidString)")
    }

    deinit { try? FileManager.default.removeItem(at: scratch) }

    func report(_ arguments: [String], environment: [String: String?] = [:]) throws -> HealthctlProcess.Output {
        try HealthctlProcess.run(["report", "--period", "2026-W47", "--format", "json"] + arguments, environment: environment)
    }

    func source(_ output: HealthctlProcess.Output) throws -> [String: Any] {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        return try #require(document["source"] as? [String: Any])
    }

    @Test func aReportOnTheStandbySaysSoAndHowCurrentItIs() throws {
        let onStandby = try report(["--database-url", standby.url(database.name)])
        #expect(onStandby.status == 0, "\(onStandby.stderr)")
        let source = try source(onStandby)
        #expect(source["standby"] as? Bool == true)
        let asOf = try #require(source["dataAsOf"] as? String)
        #expect(asOf.hasPrefix("2026-") || asOf.hasPrefix("20"), "\(asOf)")

        let onPrimary = try report(["--database-url", database.url])
        #expect(try self.source(onPrimary)["standby"] as? Bool == false)
        #expect(try self.source(onPrimary)["dataAsOf"] is NSNull)
        // The numbers are the same on both servers.
        let strip = { (text: String) in text.split(separator: "\n").filter { !$0.contains("generatedAt") && !$0.contains("dataAsOf") && !$0.contains("\"standby\"") } }
        #expect(strip(onStandby.stdout) == strip(onPrimary.stdout))

        let markdown = try HealthctlProcess.run(["report", "--period", "2026-W47", "--database-url", standby.url(database.name)])
        #expect(markdown.status == 0)
        #expect(markdown.stdout.contains("Read from a standby: data as of "))
    }

    @Test func theReplicaURLIsWhereReportsReadWhileTheDatabaseURLStaysThePrimary() throws {
        let flag = try report(["--database-url", database.url, "--replica-url", standby.url(database.name)])
        #expect(flag.status == 0, "\(flag.stderr)")
        #expect(try source(flag)["standby"] as? Bool == true)
        let environment = try report([], environment: ["DATABASE_URL": database.url, "DATABASE_REPLICA_URL": standby.url(database.name)])
        #expect(environment.status == 0, "\(environment.stderr)")
        #expect(try source(environment)["standby"] as? Bool == true)
        // Writing jobs ignore the replica.
        let backfill = try HealthctlProcess.run(
            ["backfill", "--dry-run"], environment: ["DATABASE_URL": database.url, "DATABASE_REPLICA_URL": standby.url(database.name)])
        #expect(backfill.status == 0, "\(backfill.stderr)")
    }

    @Test(arguments: [
        ["prune", "--older-than", "1d", "--archive-dir"],
        ["backfill"],
        ["archive", "restore"],
        ["seed", "--integrations", "1", "--days", "1", "--seed", "9"],
        ["schema", "apply"],
    ])
    func writingJobsRefuseAStandbyAtOnceAndWriteNothing(_ job: [String]) throws {
        let archive = scratch.appendingPathComponent("archive-\(job[0])")
        var arguments = job
        if job.last == "--archive-dir" { arguments.append(archive.path) }
        if job == ["archive", "restore"] { arguments.append(archive.path) }
        let output = try HealthctlProcess.run(arguments + ["--database-url", standby.url(database.name)])
        #expect(output.status == 78, "\(job): \(output.stderr)")
        #expect(output.stderr.contains("is a read-only standby (in recovery): point --database-url or DATABASE_URL at the primary"), "\(output.stderr)")
        #expect(output.stderr.split(separator: "\n").count == 1, "one line: \(output.stderr)")
        #expect(!FileManager.default.fileExists(atPath: archive.path), "no file is created")
    }

    @Test func aRecoveryConflictIsReadAgainAfterABackoff() throws {
        // The primary takes an exclusive lock on the log table again and again; each one replayed
        // on the standby cancels a read that holds a lock on the table. The locks go on until the
        // standby has counted a conflict (or the report is over), however long the report takes to
        // start, so that its next attempt can read.
        let database = self.database
        let standby = self.standby
        let started = DispatchSemaphore(value: 0)
        let reportDone = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let lockLoop = Thread {
            defer { done.signal() }
            guard let locker = try? database.connect(), let statistics = try? standby.connect(database.name) else {
                started.signal()
                return
            }
            func conflicts() -> Int {
                let sql = "SELECT confl_lock + confl_snapshot + confl_bufferpin + confl_deadlock FROM pg_stat_database_conflicts WHERE datname = current_database()"
                return (try? statistics.query(sql).rows.first?[0]).flatMap { Int($0) } ?? 0
            }
            let before = conflicts()
            started.signal()
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline, conflicts() == before, reportDone.wait(timeout: .now()) == .timedOut {
                _ = try? locker.execute(script: "BEGIN; LOCK TABLE \"IntegrationHealthLog\" IN ACCESS EXCLUSIVE MODE; COMMIT;")
                usleep(5_000)
            }
        }
        lockLoop.start()
        started.wait()
        let output = try report(["--database-url", standby.url(database.name), "--log-level", "notice"])
        reportDone.signal()
        done.wait()
        #expect(output.status == 0, "\(output.stderr)")
        // A conflict cancels the read (40001) or, when it ends the session, looks like a lost connection.
        let causes = ["a recovery conflict on the standby cancelled the read (", "the connection to the server was lost ("]
        #expect(causes.contains { output.stderr.contains("report: \($0)") } && output.stderr.contains("; starting over in"), "\(output.stderr)")
        #expect(try source(output)["standby"] as? Bool == true)
    }
}
