import Foundation
import PostgresClient
import TestSupport
import Testing

/// Every job runs while the application writes: checks of now and late ones, status updates,
/// an integration deleted now and then (see `ApplicationLoad`). After each, no application
/// transaction failed, nothing it inserted is lost or archived twice, and none of its statuses
/// was overwritten.
@Suite(.serialized, .requiresDatabase, .requiresTool(ApplicationLoad.pgbench))
struct ApplicationLoadEndToEndTests {
    let database: TestDatabase
    let archive: URL

    init() throws {
        database = try TestDatabase("e2e_load")
        archive = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-load-archive-\(UUID().uuidString)")
    }

    func healthctl(_ arguments: [String], paced: Bool = false) throws -> HealthctlProcess.Output {
        try HealthctlProcess.run(arguments + ["--database-url", database.url], environment: paced ? ["HEALTHCTL_BUSY_SHARE": nil] : [:])
    }

    /// Runs `job` with its default pacing once the load has started, then checks that it yielded
    /// to the load, the load itself and the invariants.
    func underLoad(_ load: ApplicationLoad, _ job: [String], hasWork: Bool, seconds: Int = 4) throws {
        try load.start(seconds: seconds, lateSeconds: 2 * 86_400)
        // The job starts once the application is at work (pgbench connected and writing).
        let connection = try database.connect()
        let deadline = Date().addingTimeInterval(5)
        while try connection.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgbench' AND (state <> 'idle' OR state_change > clock_timestamp() - interval '100 ms')").first?.int(0) == 0,
            Date() < deadline
        {
            usleep(50_000)
        }
        let output = try healthctl(job + ["--log-level", "info"], paced: true)
        let run = try load.finish()
        #expect(output.status == 0, "\(job): \(output.stderr)")
        #expect(!hasWork || output.stderr.contains("other sessions are using the server"), "\(job): \(output.stderr)")
        // The summary says how long the job rested (backfill's few batches of 5 rows, about 1 ms
        // each, rest too little to mention; a report has no summary).
        #expect(!hasWork || ["backfill", "report"].contains(job[0]) || output.stdout.contains("rested "), "\(job): \(output.stdout)")
        #expect(run.status == 0 && run.failed == 0, "\(job): the application failed: \(run.output)")
        #expect(run.transactions > 100, "\(job): \(run.output)")
        let broken = try load.violations(archive: archive)
        #expect(broken.isEmpty, "\(job): \(broken.prefix(5)) (\(broken.count) in all)")
    }

    @Test func everyJobKeepsTheApplicationsWritesAndNeverFailsIt() throws {
        defer { try? FileManager.default.removeItem(at: archive) }
        try #require(try healthctl(["schema", "apply", "--with-base-table"]).status == 0)
        let seeded = try healthctl(["seed", "--integrations", "25", "--days", "8", "--interval", "10m", "--seed", "11"])
        try #require(seeded.status == 0, "\(seeded.stderr)")
        let load = try ApplicationLoad(database: database)
        // Late checks reach two days back, after the prune's cutoff: a day before it that changes
        // after its rollup is refused by prune (its rollup would no longer match).
        let cutoff = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-3 * 86_400))
        for (job, hasWork) in [
            // First, while the seeded statuses are still UNKNOWN: the load's own status updates
            // would otherwise leave backfill nothing to do.
            (["backfill", "--batch-size", "5"], true),
            (["rollup"], true),
            (["report", "--period", "last-7d", "--format", "json", "--output", archive.path + "-report.json"], true),
            (["prune", "--before", cutoff, "--archive-dir", archive.path, "--batch-size", "500"], true),
            // Only days the load changed since the first rollup, if any: maybe nothing to do.
            (["rollup"], false),
            (["archive", "restore", archive.path], true),
        ] {
            try underLoad(load, job, hasWork: hasWork)
        }
        try? FileManager.default.removeItem(atPath: archive.path + "-report.json")

        // The checks themselves catch a lost row and an overwritten status.
        let connection = try database.connect()
        try connection.execute(script: """
            DELETE FROM "IntegrationHealthLog" WHERE id = (SELECT max(a.id) FROM app_load.inserted a JOIN "IntegrationHealthLog" l ON l.id = a.id WHERE a.checked_at > now() AT TIME ZONE 'UTC' - interval '1 hour');
            UPDATE "Integration" SET "healthStatus" = 'UNKNOWN' WHERE id = (SELECT max(s.integration_id) FROM app_load.statuses s JOIN "Integration" i ON i.id = s.integration_id);
            """)
        let broken = try load.violations(archive: archive)
        #expect(broken.contains { $0.hasSuffix("the application inserted is gone") }, "\(broken)")
        #expect(broken.contains { $0.contains("has status UNKNOWN but the application last wrote") }, "\(broken)")
    }
}
