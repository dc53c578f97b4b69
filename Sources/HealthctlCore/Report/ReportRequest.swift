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

    public init() {}
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

    /// The file a `.directory` destination writes: `DIR/2026-W47.md`.
    public var fileName: String { "\(window.label).\(format.fileExtension)" }
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
        var settings = ReportSettings(
            slo: report.slo.value, maxGap: report.maxGap.value, warningAs: report.warningAs.value, latencyOf: report.latencyOf.value,
            staleAfterMs: report.staleAfter.value.milliseconds)
        settings.sloByProvider = report.sloByProvider.value
        settings.sloByIntegration = report.sloByIntegration.value
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
        return ReportRequest(
            window: window, settings: settings, format: report.format.value, rows: flags.rows, sources: flags.sources,
            rollupSchema: rollup.schema.value, destination: destination)
    }
}

extension ReportRequest {
    /// What the database reader needs for this request.
    public func sourceRequest(selection: ReportSelection) -> ReportSource.Request {
        ReportSource.Request(
            selection: selection, window: window, settings: settings, sources: sources, rollupSchema: rollupSchema,
            bucketing: rows.bucketing)
    }
}
