import ArgumentParser
import HealthctlCore
import Logging

struct SeedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Load deterministic synthetic integrations and health checks (demos, tests, benchmarks).",
        discussion: """
            The same --seed and --until always give the same rows, ids included. Checks cover \
            [until - days, until) at --interval with a few seconds of jitter, with outages, WARNING bursts, \
            monitoring gaps, long-tailed response times and provider-style error messages (some holding \
            token-like strings). Integrations keep healthStatus UNKNOWN and lastHealthCheck NULL, as \
            migration 005 leaves them. Never point it at a production database.
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var global: GlobalOptions

    @Option(help: "Number of integrations to create.")
    var integrations: Int

    @Option(help: "Days of health checks to create, ending at --until.")
    var days: Int

    @Option(help: "Time between two checks of one integration (e.g. 5m, 30s, 1h).")
    var interval = "5m"

    @Option(help: "Seed of the generator: the same seed and --until give the same rows.")
    var seed: UInt64 = 1

    @Option(help: "End of the seeded window (ISO 8601, UTC unless an offset is given). Default: now, to the minute.")
    var until: String?

    @Option(help: ArgumentHelp(
        "How often integrations fail, as a multiple of a realistic fleet (0 to 100; default 1).",
        discussion: "1: most integrations meet a 99.9 % SLO in a typical week, a few flap, one in twenty has one long outage, about one in thirty a revoked token a fortnight. 0: no failures; 5: a rough fleet."))
    var outageRate = 1.0

    @Option(help: "Connections loading in parallel, each a disjoint range of integrations.")
    var jobs = 2

    @Option(help: "Summary format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        let context = try global.start(label: "healthctl.seed")
        guard let intervalMs = DurationText.parseMilliseconds(interval) else {
            throw UsageError("invalid --interval \"\(interval)\": use a duration such as 5m, 30s or 1h")
        }
        let untilMs: Int64
        if let until {
            guard let parsed = ISOTime.parseEpochMilliseconds(until) else {
                throw UsageError("invalid --until \"\(until)\": use ISO 8601 such as 2026-11-23T00:00:00Z")
            }
            untilMs = parsed
        } else {
            untilMs = ISOTime.nowMilliseconds() / 60_000 * 60_000
        }
        guard jobs >= 1 else { throw UsageError("--jobs must be at least 1") }
        let plan = try SeedPlan(
            integrations: integrations, days: days, intervalMs: intervalMs, seed: seed, untilMs: untilMs, outageRate: outageRate)

        context.logger.info("seeding \(plan.integrations) integrations, up to \(plan.maxLogRows) checks")
        let target = try connection.target(context.settings)
        let summary = try context.runStoppable { stop, progress in
            try SeedLoader.run(plan: plan, target: target, jobs: jobs, stop: stop, progress: progress)
        }
        switch format {
        case .text: print(summary.renderText())
        case .json: print(try JSONOutput.encode(summary))
        }
    }
}
