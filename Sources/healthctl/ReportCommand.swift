import ArgumentParser
import Foundation
import HealthctlCore
import Logging

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Uptime, latency, incidents and SLO per integration, as JSON, CSV, Markdown, HTML or Prometheus metrics.",
        discussion: """
            The window is half-open [since, until), in UTC. Definitions of every number: README, "report".
            Examples:
              healthctl report --period last-week --format markdown --output-dir reports/
              healthctl report --since 2026-11-01 --until 2026-11-08 --integration int_123 --format json
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var sharing: SharingOptions
    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp(
        "Read from this replica (a hot standby); writing jobs keep using the primary.",
        discussion: "Default: DATABASE_REPLICA_URL, then database.replica_url in the settings file, then the primary."))
    var replicaURL: String?

    @Option(help: ArgumentHelp(
        "last-24h, last-7d, last-30d, last-90d, last-365d, today, yesterday, this-week, last-week, this-month, last-month, this-quarter, last-quarter, this-year, last-year, 2026-W47, 2026-11, 2026-11-28, 2026-Q3 or 2026.",
        discussion: "Default last-7d (or report.period in the settings file). ISO weeks start Monday 00:00 UTC."))
    var period: String?

    @Option(help: "Window start, ISO 8601 (UTC when no offset), included.")
    var since: String?

    @Option(help: "Window end, ISO 8601 (UTC when no offset), excluded. Default now.")
    var until: String?

    @Option(name: .customLong("integration"), help: "Only this integration id (repeatable).")
    var integrations: [String] = []

    @Option(name: .customLong("provider"), help: "Only integrations of this provider (repeatable).")
    var providers: [String] = []

    @Option(name: .customLong("user"), help: "Only integrations of this customer, the \"userId\" column (repeatable).")
    var users: [String] = []

    @Option(help: "Add a summary per provider or per customer (userId).")
    var groupBy: ReportGrouping?

    @Option(help: "Write one report per customer (user) or provider into --output-dir, named <label>-user-<id>.<ext>.")
    var splitBy: ReportGrouping?

    @Option(help: "Add the previous window (the calendar period before, or the same length just before) and the change.")
    var compare: ReportComparison?

    @Option(help: ArgumentHelp(
        "honor: time in [[maintenance]] windows counts neither as up nor as down; ignore: count it like any time.",
        discussion: "Default honor (or report.maintenance in the settings file)."))
    var maintenance: ReportSettings.MaintenanceMode?

    @Flag(help: "Count only the service hours of [report.service_hours] in the settings file (default: 24x7).")
    var serviceHours = false

    @Option(help: "Down runs shorter than this (e.g. 2m) count as up and are not incidents (default 0).")
    var minIncident: String?

    @Option(help: "A token expiring within this of now is expiring (default 7d; report.token_warning).")
    var tokenWarning: String?

    @Flag(help: "Exit with code 3 after writing the report when any integration missed its SLO.")
    var failOnBreach = false

    @Option(help: "Output format: json, csv, markdown, html or prometheus (default markdown).")
    var format: ReportFormat?

    @Option(help: "CSV rows: one per integration, or one per integration and UTC day, ISO week or month.")
    var by: ReportRows = .integration

    @Option(help: ArgumentHelp(
        "Where days come from: auto (a day's rollup when its log rows were pruned or match it, a whole month's month rollup when each of its days would use its rollup, else the rows) or raw (log rows only).",
        discussion: "Default auto. The report's source.days says which each day used."))
    var source: ReportSource.DaySources = .auto

    @Option(help: "Write to this file (atomically) instead of stdout.")
    var output: String?

    @Option(help: "Write to DIR/<label>.<json|csv|md>, for example reports/2026-W47.md.")
    var outputDir: String?

    @Option(help: "SLO target in percent (default 99.9; per provider and integration in the settings file).")
    var slo: String?

    @Option(help: "Longest time a check's status holds: auto (per UTC day, twice the median interval between checks, 1m to 7d) or a duration such as 10m.")
    var maxGap: String?

    @Option(help: "Count WARNING as up or down (default up).")
    var warningAs: ReportSettings.WarningAs?

    @Option(help: "Latency over all checks, or healthy ones (HEALTHY and WARNING) (default all).")
    var latencyOf: ReportSettings.LatencyOf?

    @Option(help: "current.stale when lastHealthCheck is older than this (or null) (default 24h).")
    var staleAfter: String?

    func run() throws {
        let context = try global.start(label: "healthctl.report", job: "report")
        let logger = context.logger
        var flags = ReportFlags()
        (flags.period, flags.since, flags.until) = (period, since, until)
        (flags.slo, flags.maxGap, flags.staleAfter, flags.warningAs, flags.latencyOf) = (slo, maxGap, staleAfter, warningAs, latencyOf)
        (flags.format, flags.output, flags.outputDir, flags.rows, flags.sources) = (format, output, outputDir, by, source)
        (flags.maintenance, flags.serviceHours, flags.minIncident, flags.tokenWarning) = (maintenance, serviceHours, minIncident, tokenWarning)
        (flags.groupBy, flags.splitBy, flags.compare, flags.failOnBreach) = (groupBy, splitBy, compare, failOnBreach)
        let now = ISOTime.nowMilliseconds()
        let request = try context.settings.reportRequest(flags, nowMs: now)
        let window = request.window
        if let requested = window.requestedUntilMs {
            logger.notice("the window ends in the future (\(ISOTime.format(epochMilliseconds: requested))): cut at now")
        }
        let selection = ReportSelection(integrationIds: integrations, providers: providers, userIds: users)
        let started = ContinuousClock.now
        let target = try context.settings.readTarget(
            databaseURL: connection.databaseURL, replicaURL: replicaURL, connectTimeout: connection.connectTimeout, busyShare: sharing.busyShare)
        ThreadPriority.lower(forSharing: target)
        let loaded = try ReportSource.report(target: target, request: request.sourceRequest(selection: selection), nowMs: now, logger: logger)
        let report = loaded.report
        JobMetricsRun.shared.record(rows: loaded.rows)
        JobMetricsRun.shared.record { ReportMetrics.render(report) }
        logger.info("report \(window.label): \(report.integrations.count) integrations, \(loaded.rows) checks read in \(ContinuousClock.now - started)")
        // A note on a day read from its rows means its rollup could not serve: worth a warning.
        for day in report.days {
            guard let note = day.note else { continue }
            if day.source == .raw { logger.warning("\(day.date.text): \(note)") } else { logger.notice("\(day.date.text): \(note)") }
        }

        if let split = request.split, case let .directory(directory) = request.destination {
            try ReportFile.makeDirectory(directory)
            let parts = report.split(by: split)
            for part in parts {
                let file = (directory as NSString).appendingPathComponent(request.fileName(split: split, key: part.user))
                try write(part, request: request, to: file, logger: logger)
            }
            logger.info("wrote \(parts.count) reports, one per \(split.rawValue), into \(directory)")
        } else {
            switch request.destination {
            case let .directory(directory):
                try ReportFile.makeDirectory(directory)
                try write(report, request: request, to: (directory as NSString).appendingPathComponent(request.fileName), logger: logger)
            case let .file(file):
                try write(report, request: request, to: file, logger: logger)
            case .standardOutput:
                try write(report, request: request, to: nil, logger: logger)
            }
        }

        let missed = report.integrations.filter { $0.slo.met == false }
        if request.failOnBreach, !missed.isEmpty {
            let names = missed.prefix(5).map(\.info.id).joined(separator: ", ") + (missed.count > 5 ? ", ..." : "")
            StderrLogHandler.writeFinal(
                "\(missed.count) integration\(missed.count == 1 ? "" : "s") missed the SLO: \(names)", exitCode: ReportRequest.breachExitCode,
                category: "breach", prefix: "healthctl: ")
            throw ExitCode(ReportRequest.breachExitCode)
        }
    }

    private func write(_ report: Report, request: ReportRequest, to path: String?, logger: Logger) throws {
        let started = ContinuousClock.now
        var bytes = 0
        try ReportFile.stream(to: path) { destination in
            let sink = TextSink(bytes: { piece in
                bytes += piece.count
                destination.emit(piece)
            })
            switch request.format {
            case .json: ReportJSON.write(report, to: sink)
            case .csv: ReportCSV.write(report, rows: request.rows, to: sink)
            case .markdown:
                var text = ReportMarkdown.render(report)
                sink.emit(&text)
            case .html: ReportHTML.write(report, to: sink)
            case .prometheus:
                var text = ReportMetrics.render(report)
                sink.emit(&text)
            }
        }
        logger.info("rendered \(request.format.rawValue) in \(ContinuousClock.now - started), \(bytes) bytes\(path.map { " to \($0)" } ?? "")")
    }
}

extension ReportSettings.WarningAs: ExpressibleByArgument {}
extension ReportSettings.LatencyOf: ExpressibleByArgument {}
extension ReportFormat: ExpressibleByArgument {}
extension ReportRows: ExpressibleByArgument {}
extension ReportSource.DaySources: ExpressibleByArgument {}
extension ReportSettings.MaintenanceMode: ExpressibleByArgument {}
extension ReportGrouping: ExpressibleByArgument {}
extension ReportComparison: ExpressibleByArgument {}
