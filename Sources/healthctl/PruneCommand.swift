import ArgumentParser
import Foundation
import HealthctlCore

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Archive old health log rows into verified gzip files, then delete them.",
        discussion: """
            Every row deleted is first written to DIR/IntegrationHealthLog/YYYY/MM/YYYY-MM-DD.csv.gz and synced to disk. \
            A run killed at any moment is completed by the next one. Exits 73 when the archive cannot be written \
            (nothing unarchived is deleted), 75 when another prune or restore holds the lock or a lock wait timed out.
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var global: GlobalOptions

    @Option(help: "Delete rows older than this, e.g. 90d (default prune.older_than in the settings file).")
    var olderThan: String?

    @Option(help: "Delete rows with checkedAt before this instant (ISO 8601, UTC unless an offset is given).")
    var before: String?

    @Option(help: "Directory for the archive files (created with mode 0700).")
    var archiveDir: String?

    @Flag(help: "Delete without writing any archive.")
    var noArchive = false

    @Option(help: "Rows per batch (one transaction and one gzip member each) (default 5000).")
    var batchSize: Int?

    @Option(help: "gzip level, 1 (fastest) to 9 (smallest); 6 is gzip's default.")
    var compressionLevel = 6

    @Option(help: "Days pruned at the same time, each on its own database connection; 1 prunes one day after another.")
    var jobs = 2

    @OptionGroup var batch: BatchOptions

    @Flag(help: "Print per day how many rows would go and the estimated archive size; change nothing.")
    var dryRun = false

    @Flag(help: "Run VACUUM (ANALYZE) on the table afterwards.")
    var vacuum = false

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        try runReportingFailures {
            let context = try global.start(label: "healthctl.prune")
            let logger = context.logger
            let settings = context.settings
            let cutoff = try cutoffMilliseconds(settings)
            let archiveDir = noArchive ? nil : settings.text("prune.archive_dir", flag: self.archiveDir)
            let batchSize = settings.text("prune.batch_size", flag: self.batchSize.map(String.init)).flatMap(Int.init) ?? 5000
            guard archiveDir != nil || noArchive || dryRun else {
                throw UsageError("prune needs --archive-dir DIR (or --no-archive to delete without archiving)")
            }
            guard !(self.archiveDir != nil && noArchive) else { throw UsageError("--archive-dir and --no-archive exclude each other") }
            guard batchSize > 0 else { throw UsageError("--batch-size must be positive") }
            guard (1...9).contains(compressionLevel) else { throw UsageError("--compression-level must be 1 to 9") }
            guard jobs > 0 else { throw UsageError("--jobs must be positive") }
            let target = try connection.target(settings)
            let database = try target.connect()
            let schema = try SchemaInspector.inspect(database, schema: target.schema)
            if dryRun {
                let plan = try PrunePlanner.plan(connection: database, schema: schema, cutoffMilliseconds: cutoff)
                print(format == .json ? try JSONOutput.encode(plan) : render(plan))
                return
            }
            var options = PruneOptions(cutoffMilliseconds: cutoff, archiveDirectory: archiveDir)
            options.batchSize = batchSize
            options.compressionLevel = Int32(compressionLevel)
            options.jobs = jobs
            let pacing = try batch.pacing(settings, job: "prune", lockTimeoutMilliseconds: 2000, statementTimeoutMilliseconds: 300_000)
            options.pauseMilliseconds = pacing.pauseMilliseconds
            options.maxRuntimeMilliseconds = pacing.maxRuntimeMilliseconds
            options.lockTimeoutMilliseconds = pacing.lockTimeoutMilliseconds
            options.statementTimeoutMilliseconds = pacing.statementTimeoutMilliseconds
            let bar = TerminalProgress(quiet: context.quiet)
            options.countFirst = !context.quiet && isatty(STDERR_FILENO) == 1
            let stop = StopRequest()
            SignalTrap.install(stop)
            let pruner = Pruner(
                connection: database, openConnection: { try target.connect() }, schema: schema, options: options, stop: stop, progress: bar.handler, logger: logger)
            let summary = try pruner.run()
            bar.finish()
            if vacuum { try pruner.vacuum() }
            print(format == .json ? try JSONOutput.encode(summary) : render(summary))
        }
    }

    /// `--before`, else `--older-than`, else `prune.older_than` from the settings file or its default.
    private func cutoffMilliseconds(_ settings: EffectiveSettings) throws -> Int64 {
        let olderThan = before == nil ? settings.text("prune.older_than", flag: self.olderThan) : self.olderThan
        switch (olderThan, before) {
        case let (age?, nil):
            guard let millis = DurationText.parseMilliseconds(age), millis > 0 else { throw UsageError("invalid --older-than \"\(age)\" (examples: 90d, 12w)") }
            return ISOTime.nowMilliseconds() - millis
        case let (nil, instant?):
            guard let millis = ISOTime.parseEpochMilliseconds(instant) else { throw UsageError("invalid --before \"\(instant)\" (example: 2026-09-01T00:00:00Z)") }
            return millis
        default:
            throw UsageError("give exactly one of --older-than and --before")
        }
    }

    private func render(_ plan: PrunePlan) -> String {
        var lines = plan.days.map { "\($0.day)  \($0.rows) rows  ~\(ByteText.format($0.estimatedArchiveBytes))" }
        lines.append("dry run: \(plan.rows) rows older than \(plan.cutoff) in \(plan.days.count) days would be archived, about \(ByteText.format(plan.estimatedArchiveBytes)); nothing changed")
        return lines.joined(separator: "\n")
    }

    private func render(_ summary: PruneSummary) -> String {
        let duration = String(format: "%.1fs", summary.durationSeconds)
        var line: String
        if summary.archiveDirectory == nil {
            line = "deleted \(summary.rowsDeleted) rows older than \(summary.cutoff) without archive in \(duration)"
        } else {
            line = "archived \(summary.rowsArchived) rows older than \(summary.cutoff) into \(summary.files) files, \(ByteText.format(summary.compressedBytes)) (compression \(String(format: "%.1f", summary.compressionRatio)):1) in \(duration)"
        }
        if let reason = summary.stoppedBy { line += "; stopped early (\(reason)): run again to continue" }
        return line
    }
}

/// Byte counts for people: `812 B`, `1.4 MB`.
enum ByteText {
    static func format(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}
