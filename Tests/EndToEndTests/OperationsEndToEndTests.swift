import Foundation
import TestSupport
import Testing
import PostgresClient

/// The tool as cron and operators meet it: every documented exit code, JSON log lines with no
/// secret in them, and settings-file precedence, all through the built binary.
@Suite(.requiresDatabase) struct OperationsEndToEndTests {
    let database: TestDatabase
    let scratch: URL

    init() throws {
        database = try TestDatabase("ops")
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ops-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        try expectSuccess(["schema", "apply", "--with-base-table"])
        // A rough fleet: many error messages, some holding token-like strings for the secret scans.
        try expectSuccess(["seed", "--integrations", "6", "--days", "3", "--seed", "7", "--outage-rate", "20", "--until", "2026-11-23T00:00:00Z"])
    }

    @discardableResult
    func run(_ arguments: [String], url: String? = nil, directory: URL? = nil) throws -> HealthctlProcess.Output {
        try HealthctlProcess.run(arguments, environment: ["DATABASE_URL": url ?? database.url], directory: directory ?? scratch)
    }

    func expectSuccess(_ arguments: [String]) throws {
        let output = try run(arguments)
        try #require(output.status == 0, "\(arguments): \(output.stderr)")
    }

    // MARK: exit codes

    @Test func everyDocumentedExitCodeIsReachable() throws {
        let archive = scratch.appendingPathComponent("archive").path
        try expectSuccess(["rollup"])
        try expectSuccess(["prune", "--before", "2026-11-21T00:00:00Z", "--archive-dir", archive])
        let dayFile = archive + "/IntegrationHealthLog/2026/11/2026-11-20.csv.gz"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: dayFile))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: dayFile))

        let regularFile = scratch.appendingPathComponent("not-a-directory")
        try Data("x".utf8).write(to: regularFile)
        let holder = try database.connect()
        try holder.query("SELECT pg_advisory_lock(hashtext('healthctl:backfill'))")
        let badSettings = scratch.appendingPathComponent("bad.toml")
        try "[report]\nslo = 99.9\nsl0 = 99\n".write(to: badSettings, atomically: true, encoding: .utf8)
        let bare = try TestDatabase("ops_bare")

        let cases: [(arguments: [String], url: String?, code: Int32, message: String)] = [
            (["report", "--no-such-flag"], nil, 64, "Unknown option"),
            (["report", "--since", "2026-11-22", "--until", "2026-11-21"], nil, 64, "since"),
            (["report", "--integration", "nope"], nil, 64, "no integration with id \"nope\""),
            (["prune", "--older-than", "ninety", "--archive-dir", archive], nil, 64, "--older-than"),
            (["archive", "verify", archive], nil, 65, "2026-11-20.csv.gz"),
            (["doctor", "--connect-timeout", "3"], "postgresql://localhost:1/nothing", 69, "connecting to the database failed"),
            (["report", "--period", "2026-W47", "--output", regularFile.path + "/r.md"], nil, 73, "r.md"),
            (["backfill"], nil, 75, "another backfill run holds the lock"),
            (["doctor"], database.url(password: "not-the-password"), 77, "password authentication failed"),
            (["doctor"], bare.url, 78, "not found in schema \"public\""),
            (["report", "--config", badSettings.path], nil, 78, "line 3: unknown key \"report.sl0\""),
        ]
        for item in cases {
            let output = try run(item.arguments, url: item.url)
            #expect(output.status == item.code, "\(item.arguments) -> \(output.status): \(output.stderr)")
            let firstLine = output.stderr.split(separator: "\n").first.map(String.init) ?? ""
            #expect(firstLine.contains(item.message), "\(item.arguments): first stderr line \"\(firstLine)\"")
            #expect(!output.stderr.contains("not-the-password"))
        }
        _ = holder
    }

    // MARK: logs

    @Test func jsonLogLinesParseAndHoldNoSecrets() throws {
        let password = try #require(ProcessInfo.processInfo.environment["PGPASSWORD"], "pg_virtualenv sets PGPASSWORD")
        let url = database.url(password: password, query: "schema=public&connection_limit=5")
        let tokens = try database.connect().query(
            #"SELECT "accessToken" FROM "Integration" UNION ALL SELECT "refreshToken" FROM "Integration" WHERE "refreshToken" IS NOT NULL"#
        ).rows.compactMap { $0[0] }
        try #require(tokens.count >= 6)
        let planted = try database.connect().query(
            #"SELECT count(*) FROM "IntegrationHealthLog" WHERE "errorMessage" ~ '(Bearer |access_token=|eyJ)'"#
        ).first?.int(0) ?? 0
        try #require(planted > 0, "the seed plants token-like strings in some error messages")

        let logging = ["--log-level", "trace", "--log-format", "json"]
        let metrics = scratch.appendingPathComponent("textfile").path
        try FileManager.default.createDirectory(atPath: metrics, withIntermediateDirectories: true)
        // The integration with the most planted secrets in its messages: its own page quotes them most.
        let tokenIntegration = try database.connect().query(
            #"SELECT "integrationId"::text FROM "IntegrationHealthLog" WHERE "errorMessage" ~ '(Bearer |access_token=|eyJ)' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"#
        ).first?[0] ?? ""
        let archive = scratch.appendingPathComponent("archive").path
        let runs = [
            ["doctor"], ["backfill", "--dry-run"], ["backfill"],
            ["report", "--period", "2026-W47", "--format", "json"], ["report", "--period", "2026-W47", "--format", "markdown"],
            ["report", "--period", "2026-W47", "--format", "csv", "--by", "day"],
            ["report", "--period", "2026-W47", "--format", "html"], ["report", "--period", "2026-W47", "--format", "prometheus"],
            ["report", "--period", "2026-W47", "--format", "markdown", "--integration", tokenIntegration],
            ["report", "--period", "2026-W47", "--format", "json", "--textfile-dir", metrics],
            ["rollup", "--textfile-dir", metrics], ["prune", "--before", "2026-11-21T00:00:00Z", "--archive-dir", archive], ["archive", "verify", archive],
            ["archive", "restore", archive, "--dry-run"],
        ]
        var logLines = 0
        for arguments in runs {
            let output = try run(arguments + logging, url: url)
            #expect(output.status == 0, "\(arguments): \(output.stderr)")
            for line in output.stderr.split(separator: "\n") {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(object?["level"] != nil && object?["message"] != nil, "not a JSON log line: \(line)")
                logLines += 1
            }
            for text in [output.stdout, output.stderr] {
                #expect(!text.contains(password), "\(arguments) printed the database password")
                for token in tokens { #expect(!text.contains(token), "\(arguments) printed a token") }
                #expect(!text.contains("eyJ"), "\(arguments) printed a JWT")
            }
        }
        #expect(logLines > 0, "trace level logs something")
        // The files jobs leave, and what rollups store, hold no secret either.
        var stored = try FileManager.default.contentsOfDirectory(atPath: metrics).map { try String(contentsOfFile: metrics + "/" + $0, encoding: .utf8) }
        let rollups = try database.connect().query(
            #"SELECT encode(piece, 'escape') FROM healthctl.rollup UNION ALL SELECT encode(piece, 'escape') FROM healthctl.rollup_month_piece"#)
        stored += rollups.rows.compactMap { $0[0] }
        #expect(stored.count > 2)
        // The data ends in November, a complete month: it is merged into month rollups too.
        #expect(try database.connect().query("SELECT count(*) FROM healthctl.rollup_month_piece").first?.int(0) ?? 0 > 0)
        for text in stored {
            for token in tokens { #expect(!text.contains(token), "a stored file or rollup holds a token") }
            #expect(!text.contains("eyJ") && !text.contains(password))
        }
    }

    // MARK: settings file

    @Test func flagsOverrideTheSettingsFileWhichOverridesDefaults() throws {
        try """
            [report]
            slo = 99.5
            max_gap = "10m"
            format = "json"
            """.write(to: scratch.appendingPathComponent("healthctl.toml"), atomically: true, encoding: .utf8)

        func settings(_ extra: [String]) throws -> [String: Any] {
            let output = try run(["report", "--period", "2026-W47"] + extra)
            try #require(output.status == 0, "\(output.stderr)")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
            return try #require(document["settings"] as? [String: Any])
        }
        let fromFile = try settings([])
        #expect(fromFile["slo"] as? Double == 0.995)
        #expect(fromFile["maxGap"] as? String == "10m")
        let fromFlag = try settings(["--slo", "99", "--max-gap", "auto"])
        #expect(fromFlag["slo"] as? Double == 0.99)
        #expect(fromFlag["maxGap"] as? String == "auto")

        let other = scratch.appendingPathComponent("other.toml")
        try "[report]\nformat = \"csv\"\n".write(to: other, atomically: true, encoding: .utf8)
        let csv = try run(["report", "--period", "2026-W47", "--config", other.path])
        #expect(csv.status == 0)
        #expect(csv.stdout.hasPrefix("integration_id,provider,"), "--config replaces ./healthctl.toml")

        let show = try run(["config", "show", "--format", "json", "--log-level", "debug"], url: "postgresql://app:hunter2@db.example/app")
        #expect(show.status == 0, "\(show.stderr)")
        #expect(!show.stdout.contains("hunter2"))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        let entries = try #require(document["settings"] as? [[String: Any]])
        func entry(_ key: String) -> (value: String?, source: String?) {
            let found = entries.first { $0["key"] as? String == key }
            return (found?["value"] as? String, found?["source"] as? String)
        }
        #expect(entry("report.slo").value == "99.5" && entry("report.slo").source == "file")
        #expect(entry("log.level").value == "debug" && entry("log.level").source == "flag")
        #expect(entry("report.stale_after").value == "24h" && entry("report.stale_after").source == "default")
        #expect(entry("database.url").value == "postgresql://app:****@db.example/app" && entry("database.url").source == "env")
    }
}
