import Foundation

/// The Markdown rendering (GitHub-flavoured), for people: summary, SLO breaches first, a table
/// worst first with a daily status strip and a latency sparkline, incidents, top errors.
public enum ReportMarkdown {
    /// Incidents listed at most; the rest are counted.
    public static let incidentLimit = 100

    /// One integration selected (or one in a split file): its own page (`renderSingle`).
    public static func render(_ report: Report) -> String {
        if report.integrations.count == 1 { return renderSingle(report, report.integrations[0]) }
        var out: [String] = []
        let window = report.window
        let target = report.settings.slo.percentText
        out.append("# Integration health: \(window.label)")
        out.append("")
        out.append("Window \(ReportText.windowText(window)). Generated \(ISOTime.format(epochMilliseconds: report.generatedAtMs)).")
        out.append("")
        if let user = report.user {
            out.append("Customer: \(escape(user)) (\(ReportText.plural(report.integrations.count, "integration"))).")
            out.append("")
        }
        out.append(ReportText.accountingLine(report))
        out.append("")
        for note in report.notes { out.append("Note: \(note).") }
        if !report.notes.isEmpty { out.append("") }
        if report.source.isStandby {
            let asOf = report.source.replayedUntilMs.map { "data as of \(ISOTime.format(epochMilliseconds: $0)) (the last transaction the standby replayed)" }
                ?? "no transaction replayed yet"
            out.append("Read from a standby: \(asOf).")
            out.append("")
        }
        out.append(summary(report, target: target))
        out.append("")
        if let previous = report.previous {
            out.append(previousLine(ComparedNumbers(report.fleet), ComparedNumbers(previous.fleet), window: previous.window))
            out.append("")
        }
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
                    item.slo.errorBudgetRemaining.map { ReportText.percent($0, decimals: 1) } ?? "",
                    item.slo.burnRate.map { String(format: "%.1fx", $0) } ?? "",
                ]))
            }
        }
        out.append("")

        out.append(contentsOf: tokenSection(report))
        out.append(contentsOf: maintenanceSection(report))
        out.append(contentsOf: burnRateSection(report))
        out.append(contentsOf: groupSection(report))

        let compared = report.previous != nil
        out.append("## Integrations, worst first")
        out.append("")
        out.append("| Integration | Provider | Availability |\(compared ? " vs previous |" : "") Coverage | Checks | p95 | Incidents | Downtime | SLO | Daily | p95 by day |")
        out.append("|---|---|---:|\(compared ? "---:|" : "")---:|---:|---:|---:|---:|:---:|---|---|")
        for item in report.integrations.sorted(by: ReportBuilder.worstFirst) {
            var cells = [
                item.info.id, item.info.provider ?? "", availabilityText(item),
                item.hasData ? ReportText.percent(item.stats.availability.coverage, decimals: 1) : "",
                String(item.stats.checks.total), item.stats.latency.p95.map { "\($0) ms" } ?? "",
                String(item.stats.incidents.count), duration(item.stats.availability.downMs),
                item.slo.met.map { $0 ? "met" : "**missed**" } ?? "", statusStrip(item.daily), sparkline(item.daily),
            ]
            if compared {
                cells.insert(ReportText.availabilityChange(ComparedNumbers(item.stats), item.previous.map { ComparedNumbers($0.stats) } ?? .noData), at: 3)
            }
            out.append(row(cells))
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
        var parts = ["**\(ReportText.plural(fleet.integrations, "integration"))** (\(fleet.withData) with data, \(fleet.noData) with no data)"]
        parts.append("**\(fleet.breachingSLO) breaching the \(target) SLO**")
        var sentence = parts.joined(separator: ", ") + "."
        if let fleetAvailability = fleet.availability.timeWeighted {
            sentence += " Fleet availability \(ReportText.percent(fleetAvailability, decimals: 3)) (time-weighted),"
        } else {
            sentence += " No availability data,"
        }
        sentence += " \(ReportText.plural(fleet.checks.total, "check"))"
        if let p95 = fleet.latency.p95 { sentence += ", p95 \(p95) ms" }
        sentence += ", \(ReportText.plural(fleet.incidents, "incident")) with \(duration(fleet.downtimeMs)) of downtime."
        if !fleet.worst.isEmpty { sentence += " Worst: \(fleet.worst.map { escape($0) }.joined(separator: ", "))." }
        return sentence
    }

    /// The fleet's numbers over the previous window, with the change.
    static func previousLine(_ current: ComparedNumbers, _ previous: ComparedNumbers, window: ReportWindow?) -> String {
        let label = window.map { "Previous window \($0.label) (\(ISOTime.format(epochMilliseconds: $0.sinceMs)) to \(ISOTime.format(epochMilliseconds: $0.untilMs)))" }
            ?? "Previous window"
        guard previous.hasData else { return "\(label): no data." }
        var parts: [String] = []
        let availabilityChange = ReportText.pointsChange(current.availability, previous.availability).map { " " + $0 } ?? ""
        parts.append("availability \(previous.availability.map { ReportText.percent($0, decimals: 3) } ?? "no data")\(availabilityChange)")
        parts.append("downtime \(duration(previous.downtimeMs)) \(ReportText.durationChange(current.downtimeMs, previous.downtimeMs))")
        parts.append("\(ReportText.plural(previous.incidents, "incident")) \(ReportText.countChange(current.incidents, previous.incidents))")
        if let p95 = previous.p95 {
            parts.append("p95 \(p95) ms" + (current.p95.map { " " + ReportText.countChange($0, p95, unit: " ms") } ?? ""))
        }
        return "\(label): " + parts.joined(separator: ", ") + ". Arrows show the change to this window."
    }

    /// Integrations whose token needs attention, those that need a reconnect first.
    private static func tokenSection(_ report: Report) -> [String] {
        guard report.fleet.tokens != nil else { return [] }
        var out = ["## Tokens needing attention", ""]
        let rows = ReportText.tokenRows(report)
        guard !rows.isEmpty else { return out + ["None: every token is valid for more than \(duration(report.settings.tokenWarningMs)).", ""] }
        let reconnect = report.integrations.filter { $0.token?.state.needsReconnect == true }.count
        out.append("\(ReportText.plural(reconnect, "integration")) need\(reconnect == 1 ? "s" : "") the customer to reconnect.")
        out.append("")
        out.append(contentsOf: table(ReportText.tokenHeaders, alignments: Array(repeating: "---", count: ReportText.tokenHeaders.count), rows))
        out.append("")
        return out
    }

    /// A table: a header row, an alignment row (`---`, `---:`), escaped cells.
    private static func table(_ headers: [String], alignments: [String], _ rows: [[String]]) -> [String] {
        ["| " + headers.joined(separator: " | ") + " |", "|" + alignments.map { $0 + "|" }.joined()] + rows.map(row)
    }

    private static func maintenanceSection(_ report: Report) -> [String] {
        guard !report.maintenance.isEmpty else { return [] }
        var out = ["## Maintenance", ""]
        out.append(report.settings.maintenanceMode == .honor
            ? "Time inside these windows counts neither as up nor as down for the integrations they apply to."
            : "Ignored (--maintenance ignore): time inside these windows counts like any other.")
        out.append("")
        out.append(contentsOf: table(ReportText.maintenanceHeaders, alignments: ["---", "---", "---", "---:", "---:"], ReportText.maintenanceRows(report)))
        out.append("")
        return out
    }

    private static func burnRateSection(_ report: Report) -> [String] {
        let alerting = report.integrations.filter { $0.slo.alert != .none }
            .sorted { ($0.slo.alert == .page ? 0 : 1, $0.info.id) < ($1.slo.alert == .page ? 0 : 1, $1.info.id) }
        var out = ["## Burn-rate alerts", ""]
        out.append("Error budget burn over the last hours before \(ISOTime.format(epochMilliseconds: report.window.untilMs)), judged with the SRE workbook's multiwindow rules: page at 14.4x (1h and 5m) or 6x (6h and 30m), ticket at 3x (24h and 2h) or 1x (72h and 6h).")
        out.append("")
        guard !alerting.isEmpty else {
            out.append("None firing.")
            out.append("")
            return out
        }
        let shown = BurnRates.rules.map(\.longMs)
        out.append("| Integration | Alert | Rule | " + shown.map { BurnRate.label($0) }.joined(separator: " | ") + " |")
        out.append("|---|---|---|" + shown.map { _ in "---:|" }.joined())
        for item in alerting {
            let rates = shown.map { length in
                item.slo.burnRates.first { $0.windowMs == length }?.rate.map { String(format: "%.1fx", $0) } ?? ""
            }
            out.append(row([item.info.id, item.slo.alert.rawValue, item.slo.alertRule?.text ?? ""] + rates))
        }
        out.append("")
        return out
    }

    private static func groupSection(_ report: Report) -> [String] {
        guard let grouping = report.grouping else { return [] }
        let compared = report.previous != nil
        var out = ["## By \(grouping == .user ? "customer" : "provider")", ""]
        out.append("| \(grouping == .user ? "Customer" : "Provider") | Integrations | Availability |\(compared ? " vs previous |" : "") Downtime | Incidents | p95 | Breaching SLO |")
        out.append("|---|---:|---:|\(compared ? "---:|" : "")---:|---:|---:|---:|")
        for group in report.groups {
            let summary = group.summary
            var cells = [
                group.key ?? "(none)", String(summary.integrations),
                summary.availability.timeWeighted.map { ReportText.percent($0, decimals: 3) } ?? "no data", duration(summary.downtimeMs),
                String(summary.incidents), summary.latency.p95.map { "\($0) ms" } ?? "", String(summary.breachingSLO),
            ]
            if compared { cells.insert(ReportText.availabilityChange(ComparedNumbers(summary), group.previous.map { ComparedNumbers($0) } ?? .noData), at: 3) }
            out.append(row(cells))
        }
        out.append("")
        return out
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
        let all = report.integrations.flatMap { item in item.stats.incidents.items.map { (Optional(item.info.id), $0) } }
            .sorted { ($0.1.startMs, $0.0 ?? "") < ($1.1.startMs, $1.0 ?? "") }
        return ["## Incidents", ""] + incidentTable(all, openText: "open") + [""]
    }

    /// The incident table: with an Integration column when the ids are given, an Excluded
    /// column when any incident overlaps excluded time; at most `incidentLimit` rows.
    static func incidentTable(_ incidents: [(id: String?, incident: Incident)], openText: String) -> [String] {
        guard !incidents.isEmpty else { return ["None."] }
        let named = incidents.contains { $0.id != nil }
        let excluded = incidents.contains { $0.incident.excludedMs > 0 }
        var out = ["|\(named ? " Integration |" : "") Start | End | Duration |\(excluded ? " Excluded |" : "") First error |"]
        out.append("|\(named ? "---|" : "")---|---|---:|\(excluded ? "---:|" : "")---|")
        for (id, incident) in incidents.prefix(incidentLimit) {
            var cells = [
                ISOTime.format(epochMilliseconds: incident.startMs),
                incident.open ? openText : ISOTime.format(epochMilliseconds: incident.endMs), duration(incident.durationMs),
            ]
            if excluded {
                cells.append(ReportText.excludedText(incident))
            }
            cells.append(incident.firstError.map { TokenKnowledge.looksRevoked($0) ? "token error: \($0)" : $0 } ?? "")
            if named { cells.insert(id ?? "", at: 0) }
            out.append(row(cells))
        }
        if incidents.count > incidentLimit { out += ["", "And \(incidents.count - incidentLimit) more (see the JSON report)."] }
        if excluded { out += ["", "Excluded: the part inside maintenance or outside service hours, which is not downtime."] }
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
        return item.stats.availability.timeWeighted.map { ReportText.percent($0, decimals: 3) } ?? "no data"
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

    private static func duration(_ ms: Int64) -> String { DurationText.humanize(seconds: Double(ms) / 1000) }

    static func row(_ cells: [String]) -> String { "| " + cells.map(escape).joined(separator: " | ") + " |" }

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
