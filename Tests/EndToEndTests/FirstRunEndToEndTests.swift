import Foundation
import PostgresClient
import TestSupport
import Testing

/// What a new user meets first: a JSON failure record for log shippers, flags checked before any
/// connection, a clear word when there are no connection settings, a seeded fleet that looks real.
@Suite struct FirstRunOfflineEndToEndTests {
    static let closedPort = "postgresql://127.0.0.1:1/healthctl"

    @Test(arguments: [
        ["prune", "--older-than", "90", "--archive-dir", "/tmp/healthctl-never"],
        ["report", "--max-gap", "5"],
        ["backfill", "--max-age", "30"],
        ["report", "--period", "2026-W99"],
        ["rollup", "--since", "yesterday-ish"],
        ["prune", "--batch-size", "0", "--no-archive", "--older-than", "90d"],
    ])
    func badFlagValuesExit64BeforeConnecting(_ arguments: [String]) throws {
        let output = try HealthctlProcess.run(arguments + ["--database-url", Self.closedPort, "--connect-timeout", "2"])
        #expect(output.status == 64, "\(arguments): \(output.stderr)")
        #expect(!output.stderr.contains("connect"), "\(arguments) failed before connecting: \(output.stderr)")
    }

    /// An archive directory with a day file that is no gzip and no manifest.
    static func brokenArchive() -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-broken-\(UUID().uuidString)")
        let day = directory.appendingPathComponent("IntegrationHealthLog/2026/11")
        try? FileManager.default.createDirectory(at: day, withIntermediateDirectories: true)
        try? "not gzip".write(to: day.appendingPathComponent("2026-11-20.csv.gz"), atomically: true, encoding: .utf8)
        return directory.path
    }

    static func brokenSettings() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-broken-\(UUID().uuidString).toml").path
        try? "[report\nslo = ".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aDurationWithoutAUnitSaysWhatItExpects() throws {
        let output = try HealthctlProcess.run(["prune", "--older-than", "90", "--archive-dir", "/tmp/healthctl-never", "--database-url", Self.closedPort])
        #expect(output.stderr == "healthctl: error: invalid --older-than \"90\": expected a duration such as \"90d\" or \"5m\"\n")
    }

    /// Every stderr line is a JSON object, the failure too, with its exit code and category.
    @Test func failuresAreJSONRecordsWithLogFormatJSON() throws {
        func record(_ arguments: [String], environment: [String: String?] = [:]) throws -> (status: Int32, objects: [[String: Any]]) {
            let output = try HealthctlProcess.run(arguments + ["--log-format", "json"], environment: environment)
            let lines = output.stderr.split(separator: "\n")
            #expect(!lines.isEmpty, "\(arguments)")
            let objects = try lines.map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
            }
            return (output.status, objects)
        }
        let cases: [([String], Int32, String)] = [
            (["report", "--period", "2026-W99"], 64, "usage"),
            (["report", "--no-such-flag"], 64, "usage"),
            (["doctor", "--database-url", Self.closedPort, "--connect-timeout", "2"], 69, "unreachable"),
            (["report", "--database-url", Self.closedPort, "--output", "/nonexistent-dir/r.md", "--connect-timeout", "2"], 69, "unreachable"),
            (["archive", "verify", Self.brokenArchive()], 65, "data"),
            (["report", "--config", Self.brokenSettings()], 78, "config"),
        ]
        for (arguments, status, category) in cases {
            let (code, objects) = try record(arguments)
            #expect(code == status, "\(arguments)")
            let last = try #require(objects.last)
            #expect(last["level"] as? String == "error" && last["exitCode"] as? Int == Int(status) && last["category"] as? String == category, "\(arguments): \(last)")
            #expect((last["message"] as? String)?.isEmpty == false)
        }
        let text = try HealthctlProcess.run(["report", "--period", "2026-W99"])
        #expect(text.stderr.hasPrefix("healthctl: error: --period \"2026-W99\""), "the text format stays")
    }

    @Test func withNoConnectionSettingsAtAllItSaysSoAndWhereItLooked() throws {
        var environment: [String: String?] = ["DATABASE_URL": nil]
        // (Assigning nil to the subscript would drop the key; the value must be an explicit nil.)
        for variable in ["PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE", "PGPASSWORD"] { environment.updateValue(nil, forKey: variable) }
        let output = try HealthctlProcess.run(["doctor", "--connect-timeout", "2"], environment: environment)
        #expect(output.status == 78, "\(output.stderr)")
        #expect(output.stderr == "healthctl: error: no database connection settings found: no --database-url, no DATABASE_URL in the environment or in ./.env, no database.url in a settings file (--config, ./healthctl.toml, /etc/healthctl/healthctl.toml), and none of PGHOST, PGHOSTADDR, PGPORT, PGDATABASE, PGUSER, PGSERVICE set. Give --database-url postgresql://user:password@host:5432/database, or set DATABASE_URL (postgresql:///database for the local socket)\n")
        // A settings file that names the database is enough.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-first-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "[database]\nurl = \"\(Self.closedPort)\"\n".write(to: directory.appendingPathComponent("healthctl.toml"), atomically: true, encoding: .utf8)
        let configured = try HealthctlProcess.run(["doctor", "--connect-timeout", "2"], environment: environment, directory: directory)
        #expect(configured.status == 69, "\(configured.stderr)")
    }
}

@Suite(.serialized, .requiresDatabase) struct FirstRunEndToEndTests {
    @Test func aMissingMigrationIsAJSONRecordToo() throws {
        let database = try TestDatabase("e2e_first_run")
        let missing = try HealthctlProcess.run(["report", "--database-url", database.url, "--log-format", "json"])
        #expect(missing.status == 78)
        let lines = missing.stderr.split(separator: "\n")
        for line in lines { #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any], "\(line)") }
        let record = try #require(try JSONSerialization.jsonObject(with: Data((lines.last ?? "").utf8)) as? [String: Any])
        #expect(record["category"] as? String == "config" && record["exitCode"] as? Int == 78)
    }

    @Test func doctorLogsItsStepsAtDebugLevelWithoutSecrets() throws {
        let database = try TestDatabase("e2e_doctor_debug")
        try database.applySchema()
        let output = try HealthctlProcess.run(["doctor", "--database-url", database.url, "--log-level", "debug"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stderr.contains("debug connecting to dbname=") && output.stderr.contains("(from --database-url)"))
        for step in ["connected in", "read the schema \"public\"", "checked the objects and the server in", "checked the rollups in", "gathered the statistics in", "doctor done in"] {
            #expect(output.stderr.contains(step), "\(step)")
        }
        if let password = URLComponents(string: database.url)?.password, !password.isEmpty { #expect(!output.stderr.contains(password)) }
    }

    /// The default outage model on the demo's data: most integrations meet 99.9 % in a week, a
    /// few do not, one has a long outage, one a revoked token.
    @Test func theSeededFleetLooksLikeARealOne() throws {
        let database = try TestDatabase("e2e_seed_mix")
        let run = { (arguments: [String]) throws -> HealthctlProcess.Output in try HealthctlProcess.run(arguments + ["--database-url", database.url]) }
        #expect(try run(["schema", "apply", "--with-base-table"]).status == 0)
        let seeded = try run(["seed", "--integrations", "36", "--days", "14", "--interval", "5m", "--seed", "2026", "--until", "2026-11-23T00:00:00Z"])
        try #require(seeded.status == 0, "\(seeded.stderr)")
        for week in ["2026-W46", "2026-W47"] {
            let output = try run(["report", "--period", week, "--format", "json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
            let counts = try #require((object["fleet"] as? [String: Any])?["integrations"] as? [String: Any])
            let withData = try #require(counts["withData"] as? Int)
            let breaching = try #require(counts["breachingSlo"] as? Int)
            let meeting = Double(withData - breaching) / Double(withData)
            #expect(meeting >= 0.75 && meeting <= 0.95, "\(week): \(withData - breaching) of \(withData) meet 99.9 %")
            #expect(breaching >= 1, "\(week): a realistic week has some breaches")
        }
        let connection = try database.connect()
        let revoked = try connection.query(
            "SELECT count(DISTINCT \"integrationId\") FROM \"IntegrationHealthLog\" WHERE \"errorMessage\" ILIKE '%revoked%' OR \"errorMessage\" ILIKE '%invalid_grant%'").first?.int(0) ?? 0
        #expect(revoked >= 1 && revoked <= 3, "\(revoked) integrations with a revoked token")
        let quiet = try run(["seed", "--integrations", "4", "--days", "2", "--seed", "3", "--outage-rate", "0", "--until", "2026-11-23T00:00:00Z"])
        #expect(quiet.status != 64, "--outage-rate is a flag: \(quiet.stderr)")
        let bad = try run(["seed", "--integrations", "4", "--days", "2", "--outage-rate", "-1"])
        #expect(bad.status == 64)
    }
}
