import Foundation

/// Sentences and numbers shared by the renderers for people (Markdown, HTML), as plain text.
enum ReportText {
    /// What the numbers count: every hour or service hours, maintenance, the shortest incident.
    static func accountingLine(_ report: Report) -> String {
        let settings = report.settings
        var parts: [String] = []
        parts.append(settings.serviceHours.map { "Counted: service hours only (\($0.text))" } ?? "Counted: 24x7")
        let excluded = report.fleet.availability.maintenanceMs
        switch (settings.maintenanceMode, report.maintenance.isEmpty) {
        case (_, true): parts.append("no maintenance window in this window")
        case (.honor, false):
            let windows = "\(report.maintenance.count) maintenance window\(report.maintenance.count == 1 ? "" : "s")"
            parts.append(settings.serviceHours == nil
                ? "\(windows) honored: \(duration(excluded)) of integration time left out of the numbers"
                : "\(windows) honored: \(duration(excluded)) of integration time inside the service hours left out of the numbers")
        case (.ignore, false): parts.append("\(report.maintenance.count) maintenance window\(report.maintenance.count == 1 ? "" : "s") ignored (--maintenance ignore: counted like any time)")
        }
        parts.append(settings.minIncidentMs > 0
            ? "down runs shorter than \(duration(settings.minIncidentMs)) count as up" : "every down run is an incident (--min-incident 0)")
        return parts.joined(separator: "; ") + "."
    }

    /// A ratio as a percent, truncated (never rounded up to 100 %): `99.916 %`.
    static func percent(_ ratio: Double, decimals: Int) -> String {
        percentNumber(ratio, decimals: decimals) + " %"
    }

    /// The number of `percent`, without the sign: built from integers, as `String(format:)` is
    /// slow when a report prints it for every day of a thousand integrations.
    static func percentNumber(_ ratio: Double, decimals: Int) -> String {
        var scale: Int64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let truncated = (ratio * 100 * Double(scale)).rounded(.towardZero)
        guard truncated.isFinite, abs(truncated) < 1e15 else { return String(format: "%.\(decimals)f", ratio * 100) }
        let value = Int64(truncated)
        let magnitude = value.magnitude
        var text = value < 0 ? "-" : ""
        text += String(magnitude / UInt64(scale))
        if decimals > 0 {
            let fraction = String(magnitude % UInt64(scale))
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return text
    }

    /// `1 incident`, `2 incidents`.
    static func plural(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }

    /// `2026-11-16T00:00:00Z to 2026-11-23T00:00:00Z (7d)`, and the end it was cut from.
    static func windowText(_ window: ReportWindow) -> String {
        var text = "\(ISOTime.format(epochMilliseconds: window.sinceMs)) to \(ISOTime.format(epochMilliseconds: window.untilMs))"
        text += " (\(DurationText.humanize(seconds: Double(window.lengthMs) / 1000)))"
        if let requested = window.requestedUntilMs { text += ", cut at now: the period ends \(ISOTime.format(epochMilliseconds: requested))" }
        return text
    }

    static func duration(_ ms: Int64) -> String { DurationText.humanize(seconds: Double(ms) / 1000) }
}
