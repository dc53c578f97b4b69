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
    /// CSV rows per integration and UTC day (`--by day`).
    public var byDay = false

    public init() {}
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
    public var byDay: Bool
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
        if flags.byDay && report.format.value != .csv {
            throw UsageError("--by day is for --format csv (JSON and Markdown always have the daily series)")
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
        return ReportRequest(window: window, settings: settings, format: report.format.value, byDay: flags.byDay, destination: destination)
    }
}
