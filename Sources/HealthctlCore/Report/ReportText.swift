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

    // MARK: Changes against the previous window

    /// `▲ +0.120 pp` (this window higher), `▼ -0.040 pp`, `= 0.000 pp`; nil when either is missing.
    static func pointsChange(_ now: Double?, _ before: Double?) -> String? {
        guard let now, let before else { return nil }
        let delta = (now - before) * 100
        if abs(delta) < 0.0005 { return "= 0.000 pp" }
        return String(format: "%@ %+.3f pp", delta > 0 ? "▲" : "▼", delta)
    }

    /// `▲ +5m`, `▼ -5m` or `=`.
    static func durationChange(_ now: Int64, _ before: Int64) -> String {
        now == before ? "=" : (now > before ? "▲ +" : "▼ -") + duration(abs(now - before))
    }

    /// `▲ +2`, `▼ -2` or `=`, with an optional unit.
    static func countChange(_ now: Int, _ before: Int, unit: String = "") -> String {
        now == before ? "=" : (now > before ? "▲ +" : "▼ ") + String(now - before) + unit
    }

    /// The change of an integration's or a group's availability, or why there is none.
    static func availabilityChange(_ now: ComparedNumbers, _ before: ComparedNumbers) -> String {
        guard before.hasData else { return "no data before" }
        guard before.availability != nil else { return "no time covered before" }
        return pointsChange(now.availability, before.availability) ?? ""
    }

    // MARK: Cells both renderers for people show

    /// The excluded part of an incident: nothing, all of it (not counted), or how much.
    static func excludedText(_ incident: Incident) -> String {
        incident.excludedMs == 0 ? "" : incident.countedMs == 0 ? "all (not counted)" : duration(incident.excludedMs)
    }

    static let maintenanceHeaders = ["Reason", "Schedule", "Applies to", "Occurrences", "Time in window"]

    /// One row per applied maintenance window, as `maintenanceHeaders` name them.
    static func maintenanceRows(_ report: Report) -> [[String]] {
        report.maintenance.map { applied in
            let window = applied.window
            let scope = window.appliesToAll ? "all" : (window.providers.map { "provider \($0)" } + window.integrations).joined(separator: ", ")
            return [
                window.reason.isEmpty ? "(no reason given)" : window.reason, window.scheduleText, "\(scope) (\(applied.integrations))",
                String(applied.occurrences.count), duration(applied.occurrences.reduce(0) { $0 + ($1.upperBound - $1.lowerBound) }),
            ]
        }
    }

    static let tokenHeaders = ["Integration", "Customer", "Provider", "Token", "Expires", "Evidence (redacted)"]

    /// The integrations whose token needs attention, reconnects first, then expired, then
    /// expiring; one row each as `tokenHeaders` name them.
    static func tokenRows(_ report: Report) -> [[String]] {
        func severity(_ state: TokenState) -> Int {
            switch state {
            case .revokedSuspected: return 0
            case .expiredUnrefreshable: return 1
            case .expiredRefreshable: return 2
            case .expiring: return 3
            case .ok: return 4
            }
        }
        return report.integrations.compactMap { item in item.token.flatMap { $0.state == .ok ? nil : (item, $0) } }
            .sorted { (severity($0.1.state), $0.0.info.id) < (severity($1.1.state), $1.0.info.id) }
            .map { item, token in
                [
                    item.info.id, item.info.userId ?? "", item.info.provider ?? "",
                    token.state.rawValue + (token.state.needsReconnect ? " (reconnect)" : ""),
                    token.facts.expiresAtMs.map { ISOTime.format(epochMilliseconds: $0) } ?? "", token.evidence ?? "",
                ]
            }
    }

    static func duration(_ ms: Int64) -> String { DurationText.humanize(seconds: Double(ms) / 1000) }
}
