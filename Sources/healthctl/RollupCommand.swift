import ArgumentParser
import HealthctlCore

struct RollupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollup",
        abstract: "Roll complete UTC days up into daily rollups, so reports keep them once prune deletes their rows.",
        discussion: """
            One row per integration and day (counts, exact latency histograms, the state timeline, error counts) \
            in the schema rollup.schema (default healthctl, or healthctl_<schema> beside another schema than public), \
            created when missing. Rolls up every complete day that has no rollup, whose rows outnumber its rollup \
            (late inserts, a restore) or whose rollup was made with another report.max_gap; reruns replace, never add. \
            Then merges each complete month whose days changed into a month rollup, which long reports read instead \
            of its days. Run it before prune: prune refuses days without a current rollup. Exits 75 when another rollup is running.
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var sharing: SharingOptions
    @OptionGroup var global: GlobalOptions

    @Option(help: "First UTC day to look at, YYYY-MM-DD (default the first day with log rows).")
    var since: String?

    @Option(help: "Look at the days before this UTC day, YYYY-MM-DD (default and at most today: only complete days).")
    var until: String?

    @Flag(help: "List the days that would be rolled up; write nothing.")
    var dryRun = false

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        let context = try global.start(label: "healthctl.rollup", job: "rollup")
        var flags = RollupFlags()
        (flags.since, flags.until, flags.dryRun) = (since, until, dryRun)
        let options = try context.settings.rollupOptions(flags)
        let target = try connection.target(context.settings, sharing: sharing)
        let summary = try context.runStoppable { stop, progress in
            try Rollup.run(target: target, options: options, stop: stop, progress: progress, logger: context.logger)
        }
        JobMetricsRun.shared.record(rows: Int(summary.rolledUp.reduce(0) { $0 + $1.rows }))
        print(format == .json ? try JSONOutput.encode(summary) : summary.renderText())
    }
}
