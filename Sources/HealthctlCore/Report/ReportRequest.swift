/// The flags of `report`, as given (nil when not given).
public struct ReportFlags: Sendable {
    public var period: String?
    public var since: String?
    public var until: String?
    public var slo: String?
    public var maxGap: String?
    public var staleAfter: String?
    public var warningAs: ReportSettings.WarningAs?
    public var latencyOf: ReportSettings.LatencyOf?
    public var format: ReportFormat?
    public var output: String?
    public var outputDir: String?
    /// CSV rows per integration, or per integration and day, ISO week or month (`--by`).
    public var rows = ReportRows.integration
    /// `--source`: rollups where they serve, or log rows only.
    public var sources = ReportSource.DaySources.auto
    public var maintenance: ReportSettings.MaintenanceMode?
    /// `--service-hours`: count only `[report.service_hours]`.
    public var serviceHours = false
    public var minIncident: String?
    public var tokenWarning: String?
    public var groupBy: ReportGrouping?
    public var splitBy: ReportGrouping?
    public var compare: ReportComparison?
    public var failOnBreach = false

    public init() {}
}

/// `--compare`.
public enum ReportComparison: String, Sendable, CaseIterable {
    /// The window before: the calendar period before, or the same length just before.
    case previous
}

extension ReportFormat {
    /// Whether the output has each day's numbers: not the metrics, nor CSV rows of whole
    /// integrations, weeks or months.
    func showsDays(rows: ReportRows) -> Bool {
        switch self {
        case .json, .markdown, .html: return true
        case .csv: return rows == .day
        case .prometheus: return false
        }
    }
}

/// What one CSV row stands for.
public enum ReportRows: String, Sendable, CaseIterable {
    case integration, day, week, month

    /// The periods the rows split the window into; nil for one row per integration.
    var bucketing: ReportBucketing? {
        switch self {
        case .integration, .day: return nil
        case .week: return .week
        case .month: return .month
        }
    }
}

/// Where a report is written.
public enum ReportDestination: Sendable, Equatable {
    case standardOutput
    case file(String)
    /// `DIR/<label>.<ext>`.
    case directory(String)
}

/// Everything `report` was asked for, resolved and checked.
public struct ReportRequest: Sendable {
    public var window: ReportWindow
    public var settings: ReportSettings
    public var format: ReportFormat
    public var rows: ReportRows
    public var sources: ReportSource.DaySources
    /// `rollup.schema`.
    public var rollupSchema: String?
    public var destination: ReportDestination
    public var grouping: ReportGrouping?
    /// One report per customer (or provider), each in its own file.
    public var split: ReportGrouping?
    public var compare: Bool
    /// Exit with `ReportRequest.breachExitCode` when an integration missed its SLO.
    public var failOnBreach: Bool

    /// The exit code of `--fail-on-breach`, apart from the sysexits codes of failures.
    public static let breachExitCode: Int32 = 3

    /// The file a `.directory` destination writes: `DIR/2026-W47.md`.
    public var fileName: String { "\(window.label).\(format.fileExtension)" }

    /// The file of one part of a split report: `DIR/2026-W47-user-cus_42.md`.
    public func fileName(split grouping: ReportGrouping, key: String?) -> String {
        "\(window.label)-\(grouping.rawValue)-\(ReportFile.safeName(key ?? "none")).\(format.fileExtension)"
    }
}

extension Settings {
    /// `report`'s request: flags over the settings file over the defaults. The period of the
    /// settings file applies only when neither `--since` nor `--until` is given.
    public func reportRequest(_ flags: ReportFlags, nowMs: Int64) throws -> ReportRequest {
        var report = self.report
        try report.slo.apply(flag: flags.slo, "--slo")
        try report.maxGap.apply(flag: flags.maxGap, "--max-gap")
        try report.staleAfter.apply(flag: flags.staleAfter, "--stale-after")
        report.warningAs.apply(flag: flags.warningAs)
        report.latencyOf.apply(flag: flags.latencyOf)
        report.format.apply(flag: flags.format)
        if flags.output != nil && flags.outputDir != nil { throw UsageError("--output and --output-dir cannot be used together") }
        try report.outputDir.apply(flag: flags.outputDir, "--output-dir")
        if flags.rows != .integration && report.format.value != .csv {
            throw UsageError("--by \(flags.rows.rawValue) is for --format csv (JSON and Markdown always have the daily series)")
        }
        report.maintenance.apply(flag: flags.maintenance)
        try report.minIncident.apply(flag: flags.minIncident, "--min-incident")
        try report.tokenWarning.apply(flag: flags.tokenWarning, "--token-warning")
        var settings = ReportSettings(
            slo: report.slo.value, maxGap: report.maxGap.value, warningAs: report.warningAs.value, latencyOf: report.latencyOf.value,
            staleAfterMs: report.staleAfter.value.milliseconds)
        settings.sloByProvider = report.sloByProvider.value
        settings.sloByIntegration = report.sloByIntegration.value
        settings.maintenance = maintenance.value
        settings.maintenanceMode = report.maintenance.value
        settings.minIncidentMs = report.minIncident.value.milliseconds
        settings.tokenWarningMs = report.tokenWarning.value.milliseconds
        if flags.serviceHours {
            guard let hours = report.serviceHours.value else {
                throw UsageError("--service-hours needs [report.service_hours] in the settings file (days, from, to, timezone, holidays)")
            }
            settings.serviceHours = hours
        }
        let period = flags.period ?? (flags.since == nil && flags.until == nil ? report.period.value : nil)
        let window = try ReportWindow.resolve(period: period, since: flags.since, until: flags.until, nowMs: nowMs)
        let destination: ReportDestination
        if let output = flags.output {
            destination = .file(output)
        } else if let directory = report.outputDir.value {
            destination = .directory(directory)
        } else {
            destination = .standardOutput
        }
        if let split = flags.splitBy, case .standardOutput = destination {
            throw UsageError("--split-by \(split.rawValue) writes one file per \(split.rawValue): give --output-dir DIR")
        }
        if let split = flags.splitBy, case .file = destination {
            throw UsageError("--split-by \(split.rawValue) writes one file per \(split.rawValue) into --output-dir DIR, not into one --output file")
        }
        return ReportRequest(
            window: window, settings: settings, format: report.format.value, rows: flags.rows, sources: flags.sources,
            rollupSchema: rollup.schema.value, destination: destination, grouping: flags.groupBy, split: flags.splitBy,
            compare: flags.compare != nil, failOnBreach: flags.failOnBreach)
    }
}

extension ReportRequest {
    /// What the database reader needs for this request.
    public func sourceRequest(selection: ReportSelection) -> ReportSource.Request {
        var request = ReportSource.Request(
            selection: selection, window: window, settings: settings, sources: sources, rollupSchema: rollupSchema,
            bucketing: rows.bucketing)
        request.compare = compare
        request.grouping = grouping
        request.needsUsers = split == .user
        request.dailySeries = format.showsDays(rows: rows)
        return request
    }
}
