import Foundation
import PostgresClient

/// The application's workload (`scripts/application-load/workload.sql`) run by pgbench against a
/// test database while a job runs, and the invariants checked afterwards: every row the
/// application inserted is in the table or in exactly one archive, no application transaction
/// failed (lock timeout, deadlock, statement timeout), and no status it wrote was overwritten.
public final class ApplicationLoad: @unchecked Sendable {
    public struct Run: Sendable {
        public var status: Int32
        public var transactions: Int
        public var failed: Int
        public var output: String
    }

    /// The application's own limits: a lock healthctl holds for longer fails its transaction.
    public static let applicationSettings = "-c lock_timeout=1000 -c statement_timeout=5000"

    let database: TestDatabase
    let folder: URL
    private var process: Process?

    static var scripts: URL { HealthctlProcess.repositoryRoot.appendingPathComponent("scripts/application-load") }

    public static var pgbench: String {
        "/usr/lib/postgresql/\(ProcessInfo.processInfo.environment["PGVERSION"] ?? "15")/bin/pgbench"
    }

    /// Creates the ledger (`setup.sql`) for the integrations the database has now.
    public init(database: TestDatabase) throws {
        self.database = database
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-load-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let setup = try String(contentsOf: Self.scripts.appendingPathComponent("setup.sql"), encoding: .utf8)
        try database.connect().execute(script: setup)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    /// Starts `clients` sessions at `rate` transactions a second in all, for `seconds`.
    public func start(seconds: Int, clients: Int = 3, rate: Int = 150, lateSeconds: Int = 3 * 86_400) throws {
        let connection = try database.connect()
        let integrations = try connection.query("SELECT count(*) FROM app_load.integrations").first?.int(0) ?? 0
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.pgbench)
        process.arguments = [
            "-n", "-f", Self.scripts.appendingPathComponent("workload.sql").path, "-c", "\(clients)", "-R", "\(rate)",
            "-T", "\(seconds)", "-D", "integrations=\(max(integrations, 1))", "-D", "late_seconds=\(lateSeconds)", database.name,
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["PGOPTIONS"] = Self.applicationSettings
        process.environment = environment
        let out = folder.appendingPathComponent("out")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        let handle = try FileHandle(forWritingTo: out)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
    }

    /// Waits for pgbench to end and reads its summary.
    public func finish() throws -> Run {
        guard let process else { throw TestEnvironmentError.setupFailed("the application load was not started") }
        process.waitUntilExit()
        self.process = nil
        let output = (try? String(contentsOf: folder.appendingPathComponent("out"), encoding: .utf8)) ?? ""
        func figure(_ label: String) -> Int {
            guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix(label) }) else { return -1 }
            return Int(line.dropFirst(label.count).split(separator: " ").first.map(String.init)?.split(separator: "/").first ?? "") ?? -1
        }
        return Run(
            status: process.terminationStatus, transactions: figure("number of transactions actually processed: "),
            failed: output.contains("number of failed transactions: ") ? figure("number of failed transactions: ") : 0, output: output)
    }

    /// The invariants after a run, as a list of what broke (empty when all hold). `archive` is
    /// the archive directory of the prunes that ran, if any.
    public func violations(archive: URL?) throws -> [String] {
        let connection = try database.connect()
        var broken: [String] = []
        var archived: [String: Int] = [:]
        if let archive { archived = try Self.archivedIds(in: archive) }
        let rows = try connection.query(
            """
            SELECT a.id, l.id IS NOT NULL, d.integration_id IS NOT NULL
            FROM app_load.inserted a
            LEFT JOIN "IntegrationHealthLog" l ON l.id = a.id
            LEFT JOIN app_load.deleted d ON d.integration_id = a.integration_id
            """)
        var checked = 0
        for row in rows.rows {
            let id = row.string(0) ?? ""
            let present = row.bool(1) ?? false
            let integrationDeleted = row.bool(2) ?? false
            let copies = archived[id] ?? 0
            checked += 1
            if copies > 1 { broken.append("row \(id) is in \(copies) archives") }
            if !present, !integrationDeleted, copies == 0 { broken.append("row \(id) the application inserted is gone") }
        }
        if checked == 0 { broken.append("the application inserted nothing") }
        let overwritten = try connection.query(
            """
            SELECT s.integration_id, s.status, i."healthStatus"::text
            FROM (SELECT DISTINCT ON (integration_id) integration_id, status FROM app_load.statuses ORDER BY integration_id, seq DESC) s
            JOIN "Integration" i ON i.id = s.integration_id
            WHERE i."healthStatus"::text <> s.status
            """)
        for row in overwritten.rows {
            broken.append("integration \(row.string(0) ?? "") has status \(row.string(2) ?? "") but the application last wrote \(row.string(1) ?? "")")
        }
        return broken
    }

    /// How many times each id occurs in the archive files under `directory` (`gzip -dc`).
    static func archivedIds(in directory: URL) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        let files = (FileManager.default.enumerator(atPath: directory.path)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".csv.gz") }
        for file in files {
            let output = try ExternalTool.run("gzip", ["-dc", directory.appendingPathComponent(file).path])
            guard output.status == 0 else { throw TestEnvironmentError.setupFailed("gzip -dc \(file): \(output.stderr)") }
            for line in output.stdout.split(separator: "\n").dropFirst() {
                counts[String(line.prefix { $0 != "," }), default: 0] += 1
            }
        }
        return counts
    }
}
