import ArgumentParser
import HealthctlCore

struct BackfillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Replace the UNKNOWN statuses left by migration 005 with statuses derived from evidence.",
        discussion: """
            The latest log row of an integration (greatest checkedAt, ties by id) gives healthStatus and \
            lastHealthCheck. Without a log row: inactive integrations stay UNKNOWN, an expired access token \
            without a refresh token gives ERROR. Only rows still UNKNOWN at the moment of the update are \
            changed, in short batches that skip rows the application has locked; a second run changes nothing. \
            Never inserts log rows. Exits 75 when another backfill holds the lock or a lock wait timed out.
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var sharing: SharingOptions
    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the planned transitions; change nothing.")
    var dryRun = false

    @Option(help: "Ignore log evidence older than this, e.g. 7d (default: no limit).")
    var maxAge: String?

    @Flag(help: "Do not derive statuses from isActive, tokenExpiry and refreshToken.")
    var noTokenRules = false

    @Option(help: "Integrations per batch (one short transaction each) (default 1000).")
    var batchSize: String?

    @OptionGroup var batch: BatchOptions

    @Flag(help: "Also list a sample of the affected ids per line of the table.")
    var verbose = false

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        let context = try global.start(label: "healthctl.backfill", job: "backfill")
        var flags = BackfillFlags()
        (flags.maxAge, flags.batchSize, flags.noTokenRules) = (maxAge, batchSize, noTokenRules)
        (flags.dryRun, flags.verbose, flags.pacing) = (dryRun, verbose, batch.flags)
        let options = try context.settings.backfillOptions(flags)
        let target = try connection.target(context.settings, sharing: sharing)
        let summary = try context.runStoppable { stop, progress in
            try Backfill(target: target, options: options, stop: stop, progress: progress, logger: context.logger).run()
        }
        JobMetricsRun.shared.record(rows: summary.updated)
        print(format == .json ? try JSONOutput.encode(summary) : summary.renderText())
    }
}
