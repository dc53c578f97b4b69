import ArgumentParser
import Foundation
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
    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the planned transitions; change nothing.")
    var dryRun = false

    @Option(help: "Ignore log evidence older than this, e.g. 7d (default: no limit).")
    var maxAge: String?

    @Flag(help: "Do not derive statuses from isActive, tokenExpiry and refreshToken.")
    var noTokenRules = false

    @Option(help: "Integrations per batch (one short transaction each) (default 1000).")
    var batchSize: Int?

    @OptionGroup var batch: BatchOptions

    @Flag(help: "Also list a sample of the affected ids per line of the table.")
    var verbose = false

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        try runReportingFailures {
            let context = try global.start(label: "healthctl.backfill")
            let logger = context.logger
            let settings = context.settings
            let batchSize = settings.text("backfill.batch_size", flag: self.batchSize.map(String.init)).flatMap(Int.init) ?? 1000
            let maxAge = settings.text("backfill.max_age", flag: self.maxAge)
            guard batchSize > 0 else { throw UsageError("--batch-size must be positive") }
            var options = BackfillOptions()
            options.dryRun = dryRun
            options.tokenRules = !noTokenRules && settings.text("backfill.token_rules") != "false"
            options.batchSize = batchSize
            if let maxAge {
                guard let millis = try durationOption(maxAge, "--max-age"), millis > 0 else {
                    throw UsageError("invalid --max-age \"\(maxAge)\" (examples: 7d, 36h)")
                }
                options.maxAgeMilliseconds = millis
                options.maxAgeText = maxAge
            }
            let pacing = try batch.pacing(
                settings, job: "backfill", lockTimeoutMilliseconds: options.lockTimeoutMilliseconds,
                statementTimeoutMilliseconds: options.statementTimeoutMilliseconds)
            options.pauseMilliseconds = pacing.pauseMilliseconds
            options.maxRuntimeMilliseconds = pacing.maxRuntimeMilliseconds
            options.lockTimeoutMilliseconds = pacing.lockTimeoutMilliseconds
            options.statementTimeoutMilliseconds = pacing.statementTimeoutMilliseconds
            options.sampleSize = verbose ? 10 : 0

            let target = try connection.target(settings)
            let database = try target.connect()
            let schema = try SchemaInspector.inspect(database, schema: target.schema)
            let bar = TerminalProgress(quiet: context.quiet)
            let stop = StopRequest()
            SignalTrap.install(stop)
            let summary: BackfillSummary
            do {
                // The bar's line is cleared before the report or an error message is printed.
                defer { bar.finish() }
                summary = try Backfill(
                    connection: database, schema: schema, options: options, stop: stop, progress: bar.handler, logger: logger
                ).run()
            }
            print(format == .json ? try JSONOutput.encode(summary) : summary.renderText())
        }
    }
}
