import ArgumentParser
import Foundation
import HealthctlCore
import Logging

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Uptime, latency, incidents and SLO per integration, as JSON, CSV or Markdown.",
        discussion: """
            The window is half-open [since, until), in UTC. Definitions of every number: README, "report".
            Examples:
              healthctl report --period last-week --format markdown --output-dir reports/
              healthctl report --since 2026-11-01 --until 2026-11-08 --integration int_123 --format json
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case json, csv, markdown

        var fileExtension: String { self == .markdown ? "md" : rawValue }
    }

    enum Rows: String, ExpressibleByArgument, CaseIterable {
        case integration, day
    }

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp(
        "last-24h, last-7d, last-30d, last-90d, today, yesterday, this-week, last-week, this-month, last-month, 2026-W47, 2026-11 or 2026-11-28.",
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

    @Option(help: "Output format: json, csv or markdown (default markdown).")
    var format: Format?

    @Option(help: "CSV rows: one per integration, or one per integration and UTC day.")
    var by: Rows = .integration

    @Option(help: "Write to this file (atomically) instead of stdout.")
    var output: String?

    @Option(help: "Write to DIR/<label>.<json|csv|md>, for example reports/2026-W47.md.")
    var outputDir: String?

    @Option(help: "SLO target in percent (default 99.9; per provider and integration in the settings file).")
    var slo: String?

    @Option(help: "Longest time a check's status holds: auto (twice the median interval, at least 1m) or a duration such as 10m.")
    var maxGap: String?

    @Option(help: "Count WARNING as up or down (default up).")
    var warningAs: ReportSettings.WarningAs?

    @Option(help: "Latency over all checks, or healthy ones (HEALTHY and WARNING) (default all).")
    var latencyOf: ReportSettings.LatencyOf?

    @Option(help: "current.stale when lastHealthCheck is older than this (or null) (default 24h).")
    var staleAfter: String?

    func validate() throws {
        if output != nil && outputDir != nil { throw ValidationError("--output and --output-dir cannot be used together") }
        if by == .day && format != nil && format != .csv { throw ValidationError("--by day is for --format csv (JSON and Markdown always have the daily series)") }
    }

    func run() throws {
        try runReportingFailures {
            let context = try global.start(label: "healthctl.report")
            let logger = context.logger
            let settings = try makeSettings(context.settings)
            let format = try resolvedFormat(context.settings)
            if by == .day && format != .csv {
                throw UsageError("--by day is for --format csv (JSON and Markdown always have the daily series)")
            }
            let now = ISOTime.nowMilliseconds()
            let defaultPeriod = since == nil && until == nil ? context.settings.text("report.period") : nil
            let window = try ReportWindow.resolve(period: period ?? defaultPeriod, since: since, until: until, nowMs: now)
            if let requested = window.requestedUntilMs {
                logger.notice("the window ends in the future (\(ISOTime.format(epochMilliseconds: requested))): cut at now")
            }
            let selection = ReportSelection(integrationIds: integrations, providers: providers)
            let started = Date()
            // The checks are released once the report is computed; only the report is rendered.
            let report = try {
                let loaded = try ReportSource.load(
                    target: connection.target(context.settings), selection: selection, window: window, settings: settings, logger: logger)
                logger.info("report \(window.label): \(loaded.inputs.count) integrations, \(loaded.rows) checks read")
                return ReportBuilder.build(inputs: loaded.inputs, messages: loaded.messages, window: window, settings: settings, nowMs: now)
            }()
            logger.debug("computed at \(String(format: "%.2f", Date().timeIntervalSince(started))) s")

            var text: String
            switch format {
            case .json: text = ReportJSON.render(report)
            case .csv: text = ReportCSV.render(report, byDay: by == .day)
            case .markdown: text = ReportMarkdown.render(report)
            }
            let outputDir = output == nil ? context.settings.text("report.output_dir", flag: self.outputDir) : nil
            if let outputDir {
                try ReportFile.makeDirectory(outputDir)
                try ReportFile.write(text, to: (outputDir as NSString).appendingPathComponent("\(window.label).\(format.fileExtension)"))
            } else if let output {
                try ReportFile.write(text, to: output)
            } else {
                try ReportFile.writeStandardOutput(&text)
            }
        }
    }

    private func resolvedFormat(_ file: EffectiveSettings) throws -> Format {
        let text = file.text("report.format", flag: format?.rawValue) ?? Format.markdown.rawValue
        guard let format = Format(rawValue: text) else { throw UsageError("report.format \"\(text)\" is not json, csv or markdown") }
        return format
    }

    /// Flags over the settings file over built-in defaults.
    private func makeSettings(_ file: EffectiveSettings) throws -> ReportSettings {
        let slo = file.text("report.slo", flag: self.slo) ?? "99.9"
        let maxGap = file.text("report.max_gap", flag: self.maxGap) ?? "auto"
        let staleAfter = file.text("report.stale_after", flag: self.staleAfter) ?? "24h"
        guard let target = SLOTarget(percent: slo) else {
            throw UsageError("--slo \"\(slo)\" is not a percentage above 0 and at most 100 (for example 99.9)")
        }
        let gap: ReportSettings.MaxGap
        if maxGap == "auto" {
            gap = .auto
        } else if let ms = DurationText.parseMilliseconds(maxGap), ms > 0 {
            gap = .fixed(milliseconds: ms)
        } else {
            throw UsageError("--max-gap \"\(maxGap)\" is not auto or a duration such as 10m")
        }
        guard let stale = DurationText.parseMilliseconds(staleAfter), stale > 0 else {
            throw UsageError("--stale-after \"\(staleAfter)\" is not a duration such as 24h")
        }
        let warningAs = file.text("report.warning_as", flag: self.warningAs?.rawValue).flatMap(ReportSettings.WarningAs.init) ?? .up
        let latencyOf = file.text("report.latency_of", flag: self.latencyOf?.rawValue).flatMap(ReportSettings.LatencyOf.init) ?? .all
        var settings = ReportSettings(slo: target, maxGap: gap, warningAs: warningAs, latencyOf: latencyOf, staleAfterMs: stale)
        settings.sloByProvider = try sloTable(file, "report.slo_by_provider")
        settings.sloByIntegration = try sloTable(file, "report.slo_by_integration")
        return settings
    }

    private func sloTable(_ file: EffectiveSettings, _ key: String) throws -> [String: SLOTarget] {
        try file.table(key).mapValues { percent in
            guard let target = SLOTarget(percent: String(percent)) else {
                throw UsageError("\(key) holds \(percent), which is not a percentage above 0 and at most 100")
            }
            return target
        }
    }
}

extension ReportSettings.WarningAs: ExpressibleByArgument {}
extension ReportSettings.LatencyOf: ExpressibleByArgument {}
