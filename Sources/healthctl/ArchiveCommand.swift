import ArgumentParser
import HealthctlCore

struct ArchiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Check archive files written by prune, or load them back.",
        subcommands: [Verify.self, Restore.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check archive files (or whole directory trees) without a database.",
            discussion: "Checks every gzip member's CRC and length, the CSV, row counts, sizes and SHA-256 against the manifest, and ids archived twice. Exits 0 when all is well, 65 naming file, member and problem otherwise.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Archive files (*.csv.gz) or directories.")
        var paths: [String]

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        func run() throws {
            _ = try global.start(label: "healthctl.archive")
            let report = try ArchiveVerifier.verify(paths: paths)
            if format == .json {
                print(try JSONOutput.encode(report))
            } else {
                for problem in report.problems { print(problem.description) }
                if report.problems.isEmpty {
                    print("verified \(report.files) files, \(report.members) members, \(report.rows) rows: all good")
                }
            }
            if !report.problems.isEmpty { throw ArchiveVerificationFailed(report: report) }
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load archived rows back into IntegrationHealthLog.",
            discussion: "Verifies the files, then copies them into a staging table and inserts with ON CONFLICT (primary key) DO NOTHING in one transaction. Rows whose integration no longer exists are skipped and counted.")

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var sharing: SharingOptions
        @OptionGroup var global: GlobalOptions

        @Argument(help: "Archive files (*.csv.gz) or directories.")
        var paths: [String]

        @Flag(help: "Report what would be restored, then roll back.")
        var dryRun = false

        @Flag(help: "Keep rows whose integration no longer exists (refused when a foreign key forbids it).")
        var includeOrphans = false

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        func run() throws {
            let context = try global.start(label: "healthctl.archive")
            var options = RestoreOptions(paths: paths)
            options.dryRun = dryRun
            options.includeOrphans = includeOrphans
            let summary = try ArchiveRestorer.run(target: connection.target(context.settings, sharing: sharing), options: options, logger: context.logger)
            if format == .json {
                print(try JSONOutput.encode(summary))
            } else {
                var line = "\(dryRun ? "dry run: would restore" : "restored") \(summary.inserted) rows from \(summary.files) files; \(summary.alreadyPresent) already present"
                line += ", \(summary.orphaned) orphaned (integration gone)" + (summary.orphansKept > 0 ? " kept" : " skipped")
                if let note = LoadGovernor.restedNote(seconds: summary.restedSeconds) { line += "; \(note)" }
                if let note = ConnectionRetry.startedOverNote(attempts: summary.attempts) { line += "; \(note)" }
                print(line)
            }
        }
    }
}
