import ArgumentParser
import Foundation
import HealthctlCore

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Archive old health log rows into verified gzip files, then delete them.",
        discussion: """
            Every row deleted is first written to DIR/IntegrationHealthLog/YYYY/MM/YYYY-MM-DD.csv.gz and synced to disk. \
            A run killed at any moment is completed by the next one. Refuses (exit 78) to delete a day that no current \
            rollup holds (run healthctl rollup first, as the crontab does), unless --without-rollups is given. \
            Exits 73 when the archive cannot be written (nothing unarchived is deleted), 75 when another prune or \
            restore holds the lock or a lock wait timed out.
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var sharing: SharingOptions
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
    var batchSize: String?

    @Option(help: "gzip level, 1 (fastest) to 9 (smallest); 6 is gzip's default.")
    var compressionLevel: String?

    @Option(help: "Days pruned at the same time, each on its own database connection; 1 prunes one day after another (default 2).")
    var jobs: String?

    @OptionGroup var batch: BatchOptions

    @Flag(help: "Print per day how many rows would go and the estimated archive size; change nothing.")
    var dryRun = false

    @Flag(help: "Run VACUUM (ANALYZE) on the table afterwards.")
    var vacuum = false

    @Flag(help: "Keep whole partitions detached (as plain tables) after archiving them, instead of dropping them.")
    var keepDetached = false

    @Flag(help: "Prune days that no current rollup holds; reports then show them as no data.")
    var withoutRollups = false

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        let context = try global.start(label: "healthctl.prune", job: "prune")
        var flags = PruneFlags()
        (flags.olderThan, flags.before, flags.archiveDir, flags.noArchive) = (olderThan, before, archiveDir, noArchive)
        (flags.batchSize, flags.jobs, flags.compressionLevel) = (batchSize, jobs, compressionLevel)
        (flags.dryRun, flags.vacuum, flags.keepDetached, flags.pacing) = (dryRun, vacuum, keepDetached, batch.flags)
        flags.withoutRollups = withoutRollups
        var options = try context.settings.pruneOptions(flags, nowMilliseconds: ISOTime.nowMilliseconds())
        let target = try connection.target(context.settings, sharing: sharing)
        if dryRun {
            let plan = try PrunePlanner.plan(target: target, cutoffMilliseconds: options.cutoffMilliseconds, level: options.compressionLevel)
            print(format == .json ? try JSONOutput.encode(plan) : render(plan))
            return
        }
        options.countFirst = context.progress.isShown
        options.faultHook = FaultInjection.fromEnvironment()
        let summary = try context.runStoppable { stop, progress in
            try Pruner(target: target, options: options, stop: stop, progress: progress, logger: context.logger).run()
        }
        JobMetricsRun.shared.record(rows: summary.archiveDirectory == nil ? summary.rowsDeleted : summary.rowsArchived)
        print(format == .json ? try JSONOutput.encode(summary) : render(summary))
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
        if summary.partitionsDetached > 0 {
            let kept = summary.partitionsDetached - summary.partitionsDropped
            line += "; \(summary.partitionsDetached) whole partitions detached" + (kept > 0 ? " and kept (\(kept))" : " and dropped")
        }
        if let reason = summary.stoppedBy { line += "; stopped early (\(reason)): run again to continue" }
        if let note = LoadGovernor.restedNote(seconds: summary.restedSeconds) { line += "; \(note)" }
        if let note = ConnectionRetry.startedOverNote(attempts: summary.attempts) { line += "; \(note)" }
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
