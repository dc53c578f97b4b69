import Foundation
import PostgresClient
import TestSupport
import Testing

/// Input a user or an attacker may hand healthctl: manifests naming places outside the archive,
/// symlinked archive files, a schema name with quotes and spaces.
@Suite(.serialized, .requiresDatabase) struct HostileInputEndToEndTests {
    let database: TestDatabase
    let archive: URL

    init() throws {
        database = try TestDatabase("e2e_hostile")
        archive = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-hostile-\(UUID().uuidString)")
    }

    func run(_ arguments: [String], url: String? = nil) throws -> HealthctlProcess.Output {
        // `archive verify` reads files only.
        let connection = arguments.starts(with: ["archive", "verify"]) ? [] : ["--database-url", url ?? database.url]
        return try HealthctlProcess.run(arguments + connection)
    }

    /// A small archive of two days.
    func makeArchive() throws -> [String] {
        try #require(try run(["schema", "apply", "--with-base-table"]).status == 0)
        try #require(try run(["seed", "--integrations", "3", "--days", "3", "--seed", "4", "--until", "2026-11-23T00:00:00Z"]).status == 0)
        let pruned = try run(["prune", "--before", "2026-11-22T00:00:00Z", "--archive-dir", archive.path, "--without-rollups"])
        try #require(pruned.status == 0, "\(pruned.stderr)")
        let files = FileManager.default.enumerator(atPath: archive.path)?.allObjects.compactMap { $0 as? String } ?? []
        return files.filter { $0.hasSuffix(".csv.gz") }.sorted()
    }

    @Test func aManifestNamingAnotherPlaceIsRefused() throws {
        defer { try? FileManager.default.removeItem(at: archive) }
        let files = try makeArchive()
        let manifestPath = archive.appendingPathComponent(files[0].replacingOccurrences(of: ".csv.gz", with: ".manifest.json")).path
        let original = try String(contentsOfFile: manifestPath, encoding: .utf8)
        for (field, value) in [("day", "../../../etc/passwd"), ("table", "../IntegrationHealthLog"), ("table", "x\\\"; DROP TABLE y; --")] {
            let edited = original.replacingOccurrences(of: #""\#(field)" : "[^"]*""#, with: "\"\(field)\" : \"\(value)\"", options: .regularExpression)
            #expect(edited != original, "\(field) was replaced")
            try edited.write(toFile: manifestPath, atomically: true, encoding: .utf8)
            let verify = try run(["archive", "verify", archive.path])
            #expect(verify.status == 65, "\(field)=\(value): \(verify.stdout)\(verify.stderr)")
            #expect(verify.stdout.contains(".manifest.json is not valid"), "\(verify.stdout)")
            let restore = try run(["archive", "restore", archive.path])
            #expect(restore.status == 65, "\(field)=\(value): \(restore.stderr)")
        }
        // A bad field is named.
        try original.replacingOccurrences(of: #""day" : "[^"]*""#, with: #""day" : "../x""#, options: .regularExpression)
            .write(toFile: manifestPath, atomically: true, encoding: .utf8)
        #expect(try run(["archive", "verify", archive.path]).stdout.contains("is not valid: names day \"../x\", which is not a date such as 2026-11-20"))
        try original.write(toFile: manifestPath, atomically: true, encoding: .utf8)
        #expect(try run(["archive", "verify", archive.path]).status == 0)
    }

    @Test func aSymlinkedArchiveFileIsRefused() throws {
        defer { try? FileManager.default.removeItem(at: archive) }
        let files = try makeArchive()
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-outside-\(UUID().uuidString).csv.gz")
        defer { try? FileManager.default.removeItem(at: outside) }
        let target = archive.appendingPathComponent(files[0])
        try FileManager.default.moveItem(at: target, to: outside)
        try FileManager.default.createSymbolicLink(at: target, withDestinationURL: outside)
        for command in [["archive", "verify", archive.path], ["archive", "restore", archive.path]] {
            let output = try run(command)
            #expect(output.status == 65, "\(command): \(output.stderr)")
            #expect((output.stdout + output.stderr).contains("is a symbolic link: an archive holds regular files only"))
        }
    }

    @Test func aSchemaNameWithQuotesAndSpacesIsQuotedEverywhere() throws {
        let schema = #"we"ird sch ema"#
        let url = database.url(schema: schema.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? schema)
        try database.connect().execute(script: #"CREATE SCHEMA "we""ird sch ema""#)
        let apply = try run(["schema", "apply", "--with-base-table"], url: url)
        try #require(apply.status == 0, "\(apply.stderr)")
        for command in [
            ["seed", "--integrations", "2", "--days", "2", "--until", "2026-11-23T00:00:00Z"], ["doctor"], ["rollup"],
            ["report", "--period", "2026-W47", "--format", "json"], ["backfill"],
        ] {
            let output = try run(command, url: url)
            #expect(output.status == 0, "\(command): \(output.stderr)")
        }
        let rows = try database.connect().query(#"SELECT count(*) FROM "we""ird sch ema"."IntegrationHealthLog""#).first?.int(0) ?? 0
        #expect(rows > 0)
    }
}
