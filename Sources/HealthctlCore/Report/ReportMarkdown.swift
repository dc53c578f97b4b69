import Foundation

/// The Markdown rendering (GitHub-flavoured), for people: summary, SLO breaches first, a table
/// worst first with a daily status strip and a latency sparkline, incidents, top errors.
public enum ReportMarkdown {
    /// Incidents listed at most; the rest are counted.
    public static let incidentLimit = 100

    public static func render(_ report: Report) -> String {
        var out: [String] = []
        let window = report.window
        let target = report.settings.slo.percentText
        out.append("# Integration health: \(window.label)")
        out.append("")
        var period = "\(ISOTime.format(epochMilliseconds: window.sinceMs)) to \(ISOTime.format(epochMilliseconds: window.untilMs))"
        period += " (\(DurationText.humanize(seconds: Double(window.lengthMs) / 1000)))"
        if let requested = window.requestedUntilMs {
            period += ", cut at now: the period ends \(ISOTime.format(epochMilliseconds: requested))"
        }
        out.append("Window \(period). Generated \(ISOTime.format(epochMilliseconds: report.generatedAtMs)).")
        out.append("")
        if report.source.isStandby {
            let asOf = report.source.replayedUntilMs.map { "data as of \(ISOTime.format(epochMilliseconds: $0)) (the last transaction the standby replayed)" }
                ?? "no transaction replayed yet"
            out.append("Read from a standby: \(asOf).")
            out.append("")
        }
        out.append(summary(report, target: target))
        out.append("")
        let sources = sourceNotes(report.days)
        if !sources.isEmpty {
            out.append(contentsOf: sources)
            out.append("")
        }

        let breaches = report.integrations.filter { $0.slo.met == false }.sorted(by: ReportBuilder.worstFirst)
        out.append("## SLO breaches")
        out.append("")
        if breaches.isEmpty {
            out.append("None: every integration with data met the \(target) SLO.")
        } else {
            out.append("| Integration | Provider | Availability | Downtime | Allowed | Budget left | Burn rate |")
            out.append("|---|---|---:|---:|---:|---:|---:|")
            for item in breaches {
                out.append(row([
                    item.info.id, item.info.provider ?? "", availabilityText(item), duration(item.stats.availability.downMs),
                    DurationText.humanize(seconds: item.slo.allowedDowntimeSeconds),
                    item.slo.errorBudgetRemaining.map { percent($0, decimals: 1) } ?? "",
                    item.slo.burnRate.map { String(format: "%.1fx", $0) } ?? "",
                ]))
            }
        }
        out.append("")

        out.append("## Integrations, worst first")
        out.append("")
        out.append("| Integration | Provider | Availability | Coverage | Checks | p95 | Incidents | Downtime | SLO | Daily | p95 by day |")
        out.append("|---|---|---:|---:|---:|---:|---:|---:|:---:|---|---|")
        for item in report.integrations.sorted(by: ReportBuilder.worstFirst) {
            out.append(row([
                item.info.id, item.info.provider ?? "", availabilityText(item),
                item.hasData ? percent(item.stats.availability.coverage, decimals: 1) : "",
                String(item.stats.checks.total), item.stats.latency.p95.map { "\($0) ms" } ?? "",
                String(item.stats.incidents.count), duration(item.stats.availability.downMs),
                item.slo.met.map { $0 ? "met" : "**missed**" } ?? "", statusStrip(item.daily), sparkline(item.daily),
            ]))
        }
        out.append("")
        out.append("Daily: 🟩 met the SLO, 🟥 missed it, ⬜ no data (UTC days). p95 by day: ▁ lowest to █ highest of the integration's days.")
        out.append("")

        out.append(contentsOf: incidentSection(report))
        out.append(contentsOf: errorSection(report))
        return out.joined(separator: "\n") + "\n"
    }

    private static func summary(_ report: Report, target: String) -> String {
        let fleet = report.fleet
        var parts = ["**\(fleet.integrations) integrations** (\(fleet.withData) with data, \(fleet.noData) with no data)"]
        parts.append("**\(fleet.breachingSLO) breaching the \(target) SLO**")
        var sentence = parts.joined(separator: ", ") + "."
        if let fleetAvailability = fleet.availability.timeWeighted {
            sentence += " Fleet availability \(percent(fleetAvailability, decimals: 3)) (time-weighted),"
        } else {
            sentence += " No availability data,"
        }
        sentence += " \(fleet.checks.total) checks"
        if let p95 = fleet.latency.p95 { sentence += ", p95 \(p95) ms" }
        sentence += ", \(fleet.incidents) incident\(fleet.incidents == 1 ? "" : "s") with \(duration(fleet.downtimeMs)) of downtime."
        if !fleet.worst.isEmpty { sentence += " Worst: \(fleet.worst.map { escape($0) }.joined(separator: ", "))." }
        return sentence
    }

    /// Which days came from rollups, as runs of days, and the days with a note.
    static func sourceNotes(_ days: [ReportDay]) -> [String] {
        var runs: [(first: CalendarDay, last: CalendarDay)] = []
        for day in days where day.source == .rollup {
            if let last = runs.last, last.last.adding(days: 1) == day.date {
                runs[runs.count - 1].last = day.date
            } else {
                runs.append((day.date, day.date))
            }
        }
        var lines: [String] = []
        if !runs.isEmpty {
            let text = runs.map { $0.first == $0.last ? $0.first.text : "\($0.first.text) to \($0.last.text)" }.joined(separator: ", ")
            lines.append("Read from daily rollups (the log rows were pruned, or match the rollup): \(text).")
        }
        for day in days {
            guard let note = day.note else { continue }
            lines.append("- \(day.date.text): \(note)")
        }
        return lines
    }

    private static func incidentSection(_ report: Report) -> [String] {
        var out = ["## Incidents", ""]
        let all = report.integrations.flatMap { item in item.stats.incidents.items.map { (item.info.id, $0) } }
            .sorted { ($0.1.startMs, $0.0) < ($1.1.startMs, $1.0) }
        if all.isEmpty {
            out.append("None.")
        } else {
            out.append("| Integration | Start | End | Duration | First error |")
            out.append("|---|---|---|---:|---|")
            for (id, incident) in all.prefix(incidentLimit) {
                out.append(row([
                    id, ISOTime.format(epochMilliseconds: incident.startMs),
                    incident.open ? "open" : ISOTime.format(epochMilliseconds: incident.endMs), duration(incident.durationMs),
                    incident.firstError ?? "",
                ]))
            }
            if all.count > incidentLimit { out.append(""); out.append("And \(all.count - incidentLimit) more (see the JSON report).") }
        }
        out.append("")
        return out
    }

    private static func errorSection(_ report: Report) -> [String] {
        var out = ["## Top errors", ""]
        if report.fleet.topErrors.isEmpty {
            out.append("None.")
        } else {
            out.append("| Count | Integrations | Message (redacted) |")
            out.append("|---:|---:|---|")
            for entry in report.fleet.topErrors {
                out.append(row([String(entry.count), String(entry.integrations), entry.message]))
            }
        }
        out.append("")
        return out
    }

    private static func availabilityText(_ item: IntegrationReport) -> String {
        guard item.hasData else { return "no data" }
        return item.stats.availability.timeWeighted.map { percent($0, decimals: 3) } ?? "no data"
    }

    /// One character a day: 🟩 met, 🟥 missed, ⬜ no data.
    static func statusStrip(_ days: [DayStats]) -> String {
        String(days.map { day -> Character in
            switch day.slo.met {
            case true?: return "🟩"
            case false?: return "🟥"
            case nil: return "⬜"
            }
        })
    }

    /// Daily p95 scaled between the lowest and highest day; a space for a day without latency.
    static func sparkline(_ days: [DayStats]) -> String {
        let bars: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        let values = days.map(\.stats.latency.p95)
        guard let low = values.compactMap({ $0 }).min(), let high = values.compactMap({ $0 }).max() else { return "" }
        return String(values.map { value -> Character in
            guard let value else { return " " }
            guard high > low else { return bars[0] }
            return bars[(value - low) * (bars.count - 1) / (high - low)]
        })
    }

    /// A ratio as a percent, truncated (never rounded up to 100 %).
    static func percent(_ ratio: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let truncated = (ratio * 100 * scale).rounded(.towardZero) / scale
        return String(format: "%.\(decimals)f %%", truncated)
    }

    private static func duration(_ ms: Int64) -> String { DurationText.humanize(seconds: Double(ms) / 1000) }

    private static func row(_ cells: [String]) -> String { "| " + cells.map(escape).joined(separator: " | ") + " |" }

    /// Keeps a table cell in its cell: `|` escaped, line breaks as spaces, HTML special characters as entities.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "|": out += "\\|"
            case "\n", "\r", "\r\n": out += " "
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\\": out += "\\\\"
            default: out.append(character)
            }
        }
        return out
    }
}
