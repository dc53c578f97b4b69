/// The HTML rendering: one self-contained file (inline CSS and SVG, no scripts, no external
/// assets) that reads on a phone, prints to PDF and follows `prefers-color-scheme`. Every text
/// from the data goes through `HTMLWriter`'s escaping.
public enum ReportHTML {
    /// Integrations drawn in the incident timeline at most (those with the most downtime).
    public static let timelineLanes = 25
    /// Incidents of a lane with a tooltip of their own, the longest first.
    public static let timelineTooltipsPerLane = 10
    /// Incidents listed in the incident table at most.
    public static let incidentLimit = 100

    public static func render(_ report: Report) -> String {
        var out = ""
        write(report, to: TextSink { out += $0 })
        return out
    }

    /// Writes the document to `sink` in pieces.
    public static func write(_ report: Report, to sink: TextSink) {
        var html = HTMLWriter(sink: sink)
        html.markup("<!doctype html>\n")
        html.element("html", ["lang": "en"]) { html in
            html.element("head") { html in
                html.empty("meta", ["charset": "utf-8"])
                html.empty("meta", ["name": "viewport", "content": "width=device-width, initial-scale=1"])
                html.empty("meta", ["name": "generator", "content": "healthctl \(healthctlVersion)"])
                html.element("title", text: "Integration health: \(report.window.label)")
                html.element("style") { $0.markup(stylesheet) }
            }
            html.element("body", report.integrations.count == 1 ? ["class": "single"] : [:]) { html in
                html.markup(hatchPattern)
                if report.integrations.count == 1 {
                    single(&html, report, report.integrations[0])
                    return
                }
                header(&html, report)
                tiles(&html, report)
                breaches(&html, report)
                burnAlerts(&html, report)
                tokens(&html, report)
                maintenance(&html, report)
                groups(&html, report)
                integrations(&html, report)
                incidents(&html, report)
                topErrors(&html, report)
                legend(&html)
            }
        }
        html.markup("\n")
        html.flush()
    }

    // MARK: Sections

    private static func header(_ html: inout HTMLWriter, _ report: Report) {
        let window = report.window
        html.element("header") { html in
            html.element("h1", text: "Integration health: \(window.label)")
            var period = "\(ISOTime.format(epochMilliseconds: window.sinceMs)) to \(ISOTime.format(epochMilliseconds: window.untilMs))"
            period += " (\(DurationText.humanize(seconds: Double(window.lengthMs) / 1000)))"
            if let requested = window.requestedUntilMs { period += ", cut at now: the period ends \(ISOTime.format(epochMilliseconds: requested))" }
            html.element("p", text: "Window \(period). Generated \(ISOTime.format(epochMilliseconds: report.generatedAtMs)).")
            if let user = report.user { html.element("p", text: "Customer: \(user).") }
            html.element("p", ["class": "rules"], text: ReportText.accountingLine(report) + " SLO target \(report.settings.slo.percentText).")
            if report.source.isStandby {
                let asOf = report.source.replayedUntilMs.map { "data as of \(ISOTime.format(epochMilliseconds: $0))" } ?? "no transaction replayed yet"
                html.element("p", text: "Read from a standby: \(asOf).")
            }
            for line in ReportMarkdown.sourceNotes(report.days) {
                html.element("p", ["class": "note"], text: line.hasPrefix("- ") ? String(line.dropFirst(2)) : line)
            }
            for note in report.notes { html.element("p", ["class": "note"], text: "Note: \(note).") }
        }
    }

    /// The page of one integration: who and what it is now, the verdict, its charts full
    /// width, day by day, its incidents and errors. No fleet wording.
    private static func single(_ html: inout HTMLWriter, _ report: Report, _ item: IntegrationReport) {
        let info = item.info
        html.element("header") { html in
            html.element("h1", text: "\(info.id): \(report.window.label)")
            var identity = [info.provider.map { "Provider \($0)" }, info.userId.map { "customer \($0)" }].compactMap { $0 }
            if let prefix = report.resolvedPrefixes[info.id] { identity.append("matched from the prefix \"\(prefix)\"") }
            if !identity.isEmpty { html.element("p", text: identity.joined(separator: ", ") + ".") }
            html.element("p", text: ReportMarkdown.currentLine(item))
            if let token = item.token { html.element("p", ["class": token.state.needsReconnect ? "alert" : "note"], text: ReportMarkdown.tokenLine(token)) }
            html.element("p", ["class": "rules"], text: "Window \(ReportText.windowText(report.window)). Generated \(ISOTime.format(epochMilliseconds: report.generatedAtMs)). " + ReportText.accountingLine(report))
            for line in ReportMarkdown.sourceNotes(report.days) {
                html.element("p", ["class": "note"], text: line.hasPrefix("- ") ? String(line.dropFirst(2)) : line)
            }
            for note in report.notes { html.element("p", ["class": "note"], text: "Note: \(note).") }
        }
        html.element("section", ["class": "tiles", "aria-label": "The window"]) { html in
            let stats = item.stats
            func tile(_ html: inout HTMLWriter, _ label: String, _ value: String) {
                html.element("div", ["class": "tile"]) { html in
                    html.element("div", ["class": "label"], text: label)
                    html.element("div", ["class": "value"], text: value)
                }
            }
            tile(&html, "Availability", availabilityText(item))
            tile(&html, "SLO \(report.settings.sloTarget(for: info).percentText)", item.slo.met.map { $0 ? "met" : "missed" } ?? "no data")
            tile(&html, "Error budget left", item.slo.errorBudgetRemaining.map { ReportText.percent($0, decimals: 1) } ?? "none")
            tile(&html, "Downtime", ReportText.duration(stats.availability.downMs))
            tile(&html, "Incidents", String(stats.incidents.count))
            tile(&html, "p95 latency", stats.latency.p95.map { "\($0) ms" } ?? "none")
        }
        html.element("p", text: ReportMarkdown.verdictLine(item, settings: report.settings) { $0 })
        if let window = report.previous?.window {
            let before = item.previous.map { ComparedNumbers($0.stats) } ?? .noData
            html.element("p", text: ReportMarkdown.previousLine(ComparedNumbers(item.stats), before, window: window))
        }
        if item.slo.alert != .none, let rule = item.slo.alertRule {
            html.element("p", ["class": "alert"], text: "Burn-rate alert: \(item.slo.alert.rawValue) (\(rule.text)).")
        }
        html.element("section", ["class": "charts"]) { html in
            html.element("h2", text: "Day by day")
            html.element("div", ["class": "chart-label"], text: "Availability")
            dailyStrip(&html, item, target: item.slo.target)
            html.element("div", ["class": "chart-label"], text: "Latency p50 (solid) and p95 (dashed)")
            latencyChart(&html, item)
            html.element("div", ["class": "chart-label"], text: "Error budget left")
            budgetChart(&html, item)
            let numeric = 1...6
            table(&html, ["Date (UTC)", "Availability", "Downtime", "Incidents", "p50", "p95", "Checks"], numeric: numeric) { html in
                for day in item.daily {
                    let stats = day.stats
                    let availability = stats.availability.timeWeighted.map { ReportText.percent($0, decimals: 3) } ?? "no data"
                    let hasTime = stats.availability.timeWeighted != nil
                    row(&html, numeric: numeric, [
                        day.date.text, availability, hasTime ? ReportText.duration(stats.availability.downMs) : "",
                        hasTime ? String(stats.incidents.count) : "", stats.latency.p50.map { "\($0) ms" } ?? "",
                        stats.latency.p95.map { "\($0) ms" } ?? "", String(stats.checks.total),
                    ])
                }
            }
        }
        incidents(&html, report)
        html.element("section") { html in
            html.element("h2", text: "Top errors")
            guard !item.topErrors.isEmpty else {
                html.element("p", text: "None.")
                return
            }
            table(&html, ["Count", "Message (redacted)"], numeric: 0...0) { html in
                for entry in item.topErrors { row(&html, numeric: 0...0, [String(entry.count), entry.message]) }
            }
        }
        legend(&html)
    }

    /// Integrations whose token needs attention, reconnects first.
    private static func tokens(_ html: inout HTMLWriter, _ report: Report) {
        let rows = ReportText.tokenRows(report)
        guard report.fleet.tokens != nil, !rows.isEmpty else { return }
        html.element("section") { html in
            html.element("h2", text: "Tokens needing attention")
            table(&html, ReportText.tokenHeaders, numeric: 99...99) { html in
                for cells in rows { row(&html, numeric: 99...99, cells) }
            }
        }
    }

    private static func tiles(_ html: inout HTMLWriter, _ report: Report) {
        let fleet = report.fleet
        let previous = report.previous?.fleet
        func tile(_ html: inout HTMLWriter, _ label: String, _ value: String, _ change: String?) {
            html.element("div", ["class": "tile"]) { html in
                html.element("div", ["class": "label"], text: label)
                html.element("div", ["class": "value"], text: value)
                if let change { html.element("div", ["class": "change"], text: change) }
            }
        }
        html.element("section", ["class": "tiles", "aria-label": "Fleet"]) { html in
            let availability = fleet.availability.timeWeighted.map { ReportText.percent($0, decimals: 3) } ?? "no data"
            tile(&html, "Availability", availability, previous.map { ReportText.pointsChange(fleet.availability.timeWeighted, $0.availability.timeWeighted) ?? "no data before" })
            tile(&html, "Downtime", ReportText.duration(fleet.downtimeMs), previous.map { ReportText.durationChange(fleet.downtimeMs, $0.downtimeMs) })
            tile(&html, "Incidents", String(fleet.incidents), previous.map { ReportText.countChange(fleet.incidents, $0.incidents) })
            tile(&html, "p95 latency", fleet.latency.p95.map { "\($0) ms" } ?? "none", previous.map { before in
                guard let now = fleet.latency.p95, let then = before.latency.p95 else { return "no data before" }
                return ReportText.countChange(now, then, unit: " ms")
            })
            tile(&html, "SLO breaches", "\(fleet.breachingSLO) of \(fleet.withData)", nil)
            tile(&html, "Burn-rate alerts", "\(fleet.paging) page, \(fleet.ticketing) ticket", nil)
        }
        if let window = report.previous?.window {
            html.element("p", ["class": "note"], text: "Changes against \(window.label) (\(ISOTime.format(epochMilliseconds: window.sinceMs)) to \(ISOTime.format(epochMilliseconds: window.untilMs))).")
        }
    }

    private static func breaches(_ html: inout HTMLWriter, _ report: Report) {
        let missed = report.integrations.filter { $0.slo.met == false }.sorted(by: ReportBuilder.worstFirst)
        html.element("section") { html in
            html.element("h2", text: "SLO breaches")
            guard !missed.isEmpty else {
                html.element("p", text: "None: every integration with data met its SLO.")
                return
            }
            let numeric = 2...7
            table(&html, ["Integration", "Provider", "Availability", "Target", "Downtime", "Allowed", "Budget left", "Burn rate"], numeric: numeric) { html in
                for item in missed {
                    row(&html, numeric: numeric, [
                        item.info.id, item.info.provider ?? "", availabilityText(item), ReportText.percent(item.slo.target, decimals: 3),
                        ReportText.duration(item.stats.availability.downMs), DurationText.humanize(seconds: item.slo.allowedDowntimeSeconds),
                        item.slo.errorBudgetRemaining.map { ReportText.percent($0, decimals: 1) } ?? "",
                        item.slo.burnRate.map { rate($0) } ?? "",
                    ])
                }
            }
        }
    }

    private static func burnAlerts(_ html: inout HTMLWriter, _ report: Report) {
        let alerting = report.integrations.filter { $0.slo.alert != .none }
            .sorted { ($0.slo.alert == .page ? 0 : 1, $0.info.id) < ($1.slo.alert == .page ? 0 : 1, $1.info.id) }
        guard !alerting.isEmpty else { return }
        html.element("section") { html in
            html.element("h2", text: "Burn-rate alerts")
            html.element("p", text: "Error-budget burn before the window's end, by the SRE workbook's multiwindow rules (page: 1h and 5m above 14.4x, or 6h and 30m above 6x; ticket: 24h and 2h above 3x, or 72h and 6h above 1x).")
            let windows = BurnRates.windowsMs
            let numeric = 3...(2 + windows.count)
            table(&html, ["Integration", "Alert", "Rule"] + windows.map { BurnRate.label($0) }, numeric: numeric) { html in
                for item in alerting {
                    let rates = windows.map { length in item.slo.burnRates.first { $0.windowMs == length }?.rate.map { rate($0) } ?? "" }
                    row(&html, numeric: numeric, [item.info.id, item.slo.alert.rawValue, item.slo.alertRule?.text ?? ""] + rates)
                }
            }
        }
    }

    private static func maintenance(_ html: inout HTMLWriter, _ report: Report) {
        guard !report.maintenance.isEmpty else { return }
        html.element("section") { html in
            html.element("h2", text: "Maintenance")
            html.element("p", text: report.settings.maintenanceMode == .honor
                ? "Time inside these windows counts neither as up nor as down for the integrations they apply to."
                : "Ignored (--maintenance ignore): time inside these windows counts like any other.")
            let numeric = 3...4
            table(&html, ReportText.maintenanceHeaders, numeric: numeric) { html in
                for cells in ReportText.maintenanceRows(report) { row(&html, numeric: numeric, cells) }
            }
        }
    }

    private static func groups(_ html: inout HTMLWriter, _ report: Report) {
        guard let grouping = report.grouping else { return }
        let compared = report.previous != nil
        html.element("section") { html in
            html.element("h2", text: grouping == .user ? "By customer" : "By provider")
            var headers = [grouping == .user ? "Customer" : "Provider", "Integrations", "Availability", "Downtime", "Incidents", "p95", "Breaching SLO"]
            if compared { headers.insert("vs previous", at: 3) }
            let numeric = 1...(headers.count - 1)
            table(&html, headers, numeric: numeric) { html in
                for group in report.groups {
                    let summary = group.summary
                    var cells = [
                        group.key ?? "(none)", String(summary.integrations),
                        summary.availability.timeWeighted.map { ReportText.percent($0, decimals: 3) } ?? "no data",
                        ReportText.duration(summary.downtimeMs), String(summary.incidents), summary.latency.p95.map { "\($0) ms" } ?? "",
                        String(summary.breachingSLO),
                    ]
                    if compared {
                        cells.insert(ReportText.availabilityChange(ComparedNumbers(summary), group.previous.map { ComparedNumbers($0) } ?? .noData), at: 3)
                    }
                    row(&html, numeric: numeric, cells)
                }
            }
        }
    }

    private static func integrations(_ html: inout HTMLWriter, _ report: Report) {
        let compared = report.previous != nil
        html.element("section") { html in
            html.element("h2", text: "Integrations, worst first")
            var headers = ["Integration", "Availability", "Downtime", "Incidents", "p95", "SLO", "Daily availability", "Latency p50/p95 by day", "Error budget"]
            if compared { headers.insert("vs previous", at: 2) }
            table(&html, headers, numeric: 1...(compared ? 5 : 4)) { html in
                for item in report.integrations.sorted(by: ReportBuilder.worstFirst) {
                    html.element("tr", ["class": "integration"]) { html in
                        html.element("th", ["scope": "row"]) { html in
                            html.text(item.info.id)
                            if let provider = item.info.provider {
                                html.element("span", ["class": "provider"], text: provider)
                            }
                        }
                        html.element("td", ["class": "num"], text: availabilityText(item))
                        if compared {
                            let change = ReportText.availabilityChange(ComparedNumbers(item.stats), item.previous.map { ComparedNumbers($0.stats) } ?? .noData)
                            html.element("td", ["class": "num"], text: change)
                        }
                        html.element("td", ["class": "num"], text: ReportText.duration(item.stats.availability.downMs))
                        html.element("td", ["class": "num"], text: String(item.stats.incidents.count))
                        html.element("td", ["class": "num"], text: item.stats.latency.p95.map { "\($0) ms" } ?? "")
                        html.element("td", ["class": item.slo.met == false ? "missed" : "met"], text: item.slo.met.map { $0 ? "met" : "missed" } ?? "no data")
                        html.element("td") { dailyStrip(&$0, item, target: item.slo.target) }
                        html.element("td") { latencyChart(&$0, item) }
                        html.element("td") { budgetChart(&$0, item) }
                    }
                }
            }
        }
    }

    private static func incidents(_ html: inout HTMLWriter, _ report: Report) {
        let all = report.integrations.flatMap { item in item.stats.incidents.items.map { (item.info.id, $0) } }
            .sorted { ($0.1.startMs, $0.0) < ($1.1.startMs, $1.0) }
        html.element("section") { html in
            html.element("h2", text: "Incidents")
            guard !all.isEmpty else {
                html.element("p", text: "None.")
                return
            }
            incidentTimeline(&html, report)
            let numeric = 3...4
            table(&html, ["Integration", "Start", "End", "Duration", "Excluded", "First error"], numeric: numeric) { html in
                for (id, incident) in all.prefix(incidentLimit) {
                    row(&html, numeric: numeric, [
                        id, ISOTime.format(epochMilliseconds: incident.startMs),
                        incident.open ? "open" : ISOTime.format(epochMilliseconds: incident.endMs), ReportText.duration(incident.durationMs),
                        ReportText.excludedText(incident),
                        incident.firstError ?? "",
                    ])
                }
            }
            if all.count > incidentLimit { html.element("p", text: "And \(all.count - incidentLimit) more (see the JSON report).") }
        }
    }

    /// The window as one axis; a lane per integration with incidents (most downtime first),
    /// maintenance hatched behind.
    private static func incidentTimeline(_ html: inout HTMLWriter, _ report: Report) {
        let window = report.window
        let lanes = report.integrations.filter { !$0.stats.incidents.items.isEmpty }
            .sorted { ($0.stats.incidents.downtimeMs, $1.info.id) > ($1.stats.incidents.downtimeMs, $0.info.id) }
            .prefix(timelineLanes)
        let label = 220
        let width = 1000
        let height = lanes.count * 14 + 18
        func x(_ ms: Int64) -> Int { label + Int((ms - window.sinceMs) * Int64(width - label) / max(1, window.lengthMs)) }
        html.element("svg", [
            "class": "timeline", "viewBox": "0 0 \(width) \(height)", "role": "img",
            "aria-label": "Incident timeline of the \(lanes.count) integrations with the most downtime",
        ]) { html in
            for applied in report.maintenance where report.settings.maintenanceMode == .honor {
                for occurrence in applied.occurrences {
                    html.element("rect", [
                        "class": "mnt", "x": String(x(occurrence.lowerBound)), "y": "0",
                        "width": String(max(1, x(occurrence.upperBound) - x(occurrence.lowerBound))), "height": String(height - 18),
                    ]) { $0.element("title", text: "Maintenance: \(applied.window.reason)") }
                }
            }
            for (lane, item) in lanes.enumerated() {
                let y = lane * 14
                html.element("text", ["x": "0", "y": String(y + 10)], text: item.info.id)
                // Every incident as one path per lane; the longest have their own tooltip.
                var counted = ""
                var excluded = ""
                for incident in item.stats.incidents.items {
                    let start = x(incident.startMs)
                    let bar = "M\(start) \(y + 7)h\(max(2, x(incident.endMs) - start))"
                    if incident.countedMs == 0 { excluded += bar } else { counted += bar }
                }
                if !counted.isEmpty { html.empty("path", ["class": "lane", "d": counted]) }
                if !excluded.isEmpty { html.empty("path", ["class": "lane excluded", "d": excluded]) }
                let titled = item.stats.incidents.items.sorted { $0.durationMs > $1.durationMs }.prefix(timelineTooltipsPerLane)
                for incident in titled {
                    let start = x(incident.startMs)
                    html.element("rect", [
                        "class": "tip", "x": String(start), "y": String(y + 2), "width": String(max(2, x(incident.endMs) - start)), "height": "10",
                    ]) { html in
                        var title = "\(spanText(incident.startMs, incident.endMs)), \(ReportText.duration(incident.durationMs))"
                        if incident.excludedMs > 0 { title += " (\(ReportText.duration(incident.excludedMs)) excluded)" }
                        if let error = incident.firstError { title += ": " + (error.count > 80 ? error.prefix(79) + "…" : error) }
                        html.element("title", text: title)
                    }
                }
            }
            let axis = height - 4
            html.element("text", ["x": String(label), "y": String(axis)], text: ISOTime.format(epochMilliseconds: window.sinceMs))
            html.element("text", ["x": String(width), "y": String(axis), "text-anchor": "end"], text: ISOTime.format(epochMilliseconds: window.untilMs))
        }
    }

    /// `2026-09-11 02:05 to 02:40 UTC`, the second date only when it differs.
    private static func spanText(_ startMs: Int64, _ endMs: Int64) -> String {
        let start = ISOTime.format(epochMilliseconds: startMs - startMs % 60_000)
        let end = ISOTime.format(epochMilliseconds: endMs - endMs % 60_000)
        let startDay = start.prefix(10)
        let endDay = end.prefix(10)
        let startClock = start.dropFirst(11).prefix(5)
        let endClock = end.dropFirst(11).prefix(5)
        return startDay == endDay ? "\(startDay) \(startClock) to \(endClock) UTC" : "\(startDay) \(startClock) to \(endDay) \(endClock) UTC"
    }

    private static func topErrors(_ html: inout HTMLWriter, _ report: Report) {
        html.element("section") { html in
            html.element("h2", text: "Top errors")
            guard !report.fleet.topErrors.isEmpty else {
                html.element("p", text: "None.")
                return
            }
            table(&html, ["Count", "Integrations", "Message (redacted)"], numeric: 0...1) { html in
                for entry in report.fleet.topErrors { row(&html, numeric: 0...1, [String(entry.count), String(entry.integrations), entry.message]) }
            }
        }
    }

    private static func legend(_ html: inout HTMLWriter) {
        html.element("footer") { html in
            html.element("h2", text: "Legend")
            html.element("ul", ["class": "legend"]) { html in
                let swatches: [(String, String)] = [
                    ("ok", "met the SLO"), ("warn", "missed it by up to 10 times the error budget"), ("bad", "missed it by more"),
                    ("none", "no data (or no counted time)"), ("mnt", "maintenance (hatched)"),
                ]
                for (kind, text) in swatches {
                    html.element("li") { html in
                        html.element("svg", ["class": "swatch", "viewBox": "0 0 10 10", "aria-hidden": "true"]) { html in
                            html.empty("rect", ["class": kind == "mnt" ? "none" : kind, "width": "10", "height": "10"])
                            if kind == "mnt" { html.empty("rect", ["class": "mnt", "width": "10", "height": "10"]) }
                        }
                        html.text(" " + text)
                    }
                }
                html.element("li", text: "Latency: solid line p50, dashed line p95, each integration on its own scale (up to its highest daily p95).")
                html.element("li", text: "Error budget: what is left of the window's budget after each day (top 100 %, middle line 0: the target), with the dotted line of an even burn.")
            }
            html.element("p", text: "Availability is time-weighted (up / (up + down)), truncated; the README's report section defines every number.")
        }
    }

    // MARK: Charts

    /// Windows up to this many days have a tooltip per day (quiet runs share one); longer ones
    /// one per ISO week, so a quarter of a large fleet stays a file of a few megabytes.
    public static let dailyTooltipDays = 35

    /// One bar a UTC day, coloured by availability (one path per colour), hatched where
    /// maintenance was left out, under transparent tooltip areas: per day, or per ISO week.
    private static func dailyStrip(_ html: inout HTMLWriter, _ item: IntegrationReport, target: Double) {
        let days = item.daily
        guard !days.isEmpty else { return }
        let kinds = days.map { dayKind($0, target: target) }
        html.element("svg", ["class": "strip", "viewBox": "0 0 \(days.count * 4) 10", "preserveAspectRatio": "none", "role": "img", "aria-label": "Daily availability"]) { html in
            // A run of days of one colour is one dashed stroke: 3 units of bar, 1 of gap, a day each.
            for kind in ["ok", "warn", "bad", "none"] {
                var bars = ""
                var index = 0
                while index < kinds.count {
                    guard kinds[index] == kind else {
                        index += 1
                        continue
                    }
                    var end = index + 1
                    while end < kinds.count, kinds[end] == kind { end += 1 }
                    bars += "M\(index * 4) 5h\((end - index) * 4)"
                    index = end
                }
                if !bars.isEmpty { html.empty("path", ["class": "bar \(kind)", "d": bars]) }
            }
            var hatched = ""
            for (index, day) in days.enumerated() where day.stats.availability.maintenanceMs > 0 { hatched += "M\(index * 4) 0h3v10h-3z" }
            if !hatched.isEmpty { html.empty("path", ["class": "mnt", "d": hatched]) }
            for span in tooltipSpans(days, kinds: kinds) {
                html.element("rect", ["class": "tip", "x": String(span.lowerBound * 4), "width": String(span.count * 4), "height": "10"]) { html in
                    html.element("title", text: spanTitle(days[span], weekly: days.count > dailyTooltipDays))
                }
            }
        }
    }

    /// The day ranges sharing a tooltip: each ISO week on long windows; else each day, quiet
    /// days in a row together.
    private static func tooltipSpans(_ days: [DayStats], kinds: [String]) -> [Range<Int>] {
        var spans: [Range<Int>] = []
        var start = 0
        while start < days.count {
            var end = start + 1
            if days.count > dailyTooltipDays {
                let week = days[start].date.isoWeek
                while end < days.count, days[end].date.isoWeek == week { end += 1 }
                // Weeks without data in a row share one.
                if days[start..<end].allSatisfy({ $0.stats.availability.timeWeighted == nil }) {
                    while end < days.count, days[end].stats.availability.timeWeighted == nil { end += 1 }
                }
            } else if isQuiet(days[start], kinds[start]) {
                while end < days.count, kinds[end] == kinds[start], isQuiet(days[end], kinds[end]) { end += 1 }
            }
            spans.append(start..<end)
            start = end
        }
        return spans
    }

    private static func dayKind(_ day: DayStats, target: Double) -> String {
        guard let availability = day.stats.availability.timeWeighted else { return "none" }
        if day.slo.met == true { return "ok" }
        return availability >= 1 - 10 * (1 - target) ? "warn" : "bad"
    }

    /// Days that say nothing more than their colour share a tooltip.
    private static func isQuiet(_ day: DayStats, _ kind: String) -> Bool {
        (kind == "ok" || kind == "none") && day.stats.availability.downMs == 0 && day.stats.availability.maintenanceMs == 0
    }

    /// `2026-11-18: 99.654 %, downtime 4m 59s, 1 incident`; over several days their sums, and
    /// for a week its worst day.
    private static func spanTitle(_ days: ArraySlice<DayStats>, weekly: Bool) -> String {
        guard let first = days.first, let last = days.last else { return "" }
        var text = first.date == last.date ? first.date.text : "\(first.date.text) to \(last.date.text)"
        if weekly, first.date.isoWeek == last.date.isoWeek { text = "\(first.date.isoWeek.text) (\(first.date.text.dropFirst(5)) to \(last.date.text.dropFirst(5)))" }
        let up = days.reduce(Int64(0)) { $0 + $1.stats.availability.upMs }
        let downMs = days.reduce(Int64(0)) { $0 + $1.stats.availability.downMs }
        guard up + downMs > 0 else { return text + ": no data" }
        let count = days.reduce(0) { $0 + $1.stats.incidents.count }
        text += ": \(ReportText.percent(Double(up) / Double(up + downMs), decimals: 3)), downtime \(ReportText.duration(downMs)), \(count) incident\(count == 1 ? "" : "s")"
        let maintenance = days.reduce(Int64(0)) { $0 + $1.stats.availability.maintenanceMs }
        if maintenance > 0 { text += ", \(ReportText.duration(maintenance)) maintenance left out" }
        if weekly, days.count > 1, let worst = days.filter({ $0.stats.availability.timeWeighted != nil }).min(by: {
            ($0.stats.availability.timeWeighted ?? 1) < ($1.stats.availability.timeWeighted ?? 1)
        }), let availability = worst.stats.availability.timeWeighted, availability < 1 {
            text += "; worst day \(worst.date.text.dropFirst(5)) \(ReportText.percent(availability, decimals: 3))"
        }
        return text
    }

    /// Daily p50 (solid) and p95 (dashed), scaled to the integration's highest daily p95.
    private static func latencyChart(_ html: inout HTMLWriter, _ item: IntegrationReport) {
        let days = item.daily
        guard let high = days.compactMap(\.stats.latency.p95).max(), high > 0 else { return }
        /// Relative steps (`l4 -3`) keep a quarter of daily points short.
        func path(_ value: (LatencySummary) -> Int?) -> String {
            var text = ""
            var previous: Int?
            for (index, day) in days.enumerated() {
                guard let ms = value(day.stats.latency) else {
                    previous = nil
                    continue
                }
                let y = 38 - ms * 36 / high
                if let previous {
                    text += y == previous ? "h4" : "l4 \(y - previous)"
                } else {
                    text += "M\(index * 4 + 2) \(y)"
                }
                previous = y
            }
            return mergingFlatSteps(text)
        }
        html.element("svg", ["class": "chart", "viewBox": "0 0 \(days.count * 4) 40", "preserveAspectRatio": "none", "role": "img", "aria-label": "Daily latency"]) { html in
            html.empty("path", ["class": "p50", "d": path(\.p50)])
            html.empty("path", ["class": "p95", "d": path(\.p95)])
            html.element("title", text: "p95 up to \(high) ms; window p50 \(item.stats.latency.p50.map { "\($0) ms" } ?? "none"), p95 \(item.stats.latency.p95.map { "\($0) ms" } ?? "none")")
        }
    }

    /// What is left of the window's error budget after each day, against the target (0) and an
    /// even burn.
    private static func budgetChart(_ html: inout HTMLWriter, _ item: IntegrationReport) {
        let days = item.daily
        let allowedMs = item.slo.allowedDowntimeSeconds * 1000
        guard allowedMs > 0, !days.isEmpty else { return }
        var spent: Int64 = 0
        var path = "M0 1"
        var previous = 1
        for day in days {
            spent += day.stats.availability.downMs
            let left = max(-1, min(1, 1 - Double(spent) / allowedMs))
            let y = Int((20 - 19 * left).rounded())
            path += y == previous ? "h4" : "l4 \(y - previous)"
            previous = y
        }
        path = mergingFlatSteps(path)
        let remaining = item.slo.errorBudgetRemaining.map { ReportText.percent($0, decimals: 1) } ?? "none"
        html.element("svg", ["class": "chart", "viewBox": "0 0 \(days.count * 4) 40", "preserveAspectRatio": "none", "role": "img", "aria-label": "Error budget"]) { html in
            html.empty("path", ["class": "zero", "d": "M0 20H\(days.count * 4)"])
            html.empty("path", ["class": "even", "d": "M0 1L\(days.count * 4) 20"])
            html.empty("path", ["class": item.slo.met == false ? "budget over" : "budget", "d": path])
            html.element("title", text: "Error budget left at the end: \(remaining) of \(DurationText.humanize(seconds: item.slo.allowedDowntimeSeconds))")
        }
    }

    /// `h4h4h4` as `h12`: flat stretches of a chart path in one step.
    static func mergingFlatSteps(_ path: String) -> String {
        var out = ""
        var flat = 0
        var rest = Substring(path)
        while !rest.isEmpty {
            if rest.hasPrefix("h4") && !rest.dropFirst(2).hasPrefix("0") {
                flat += 4
                rest = rest.dropFirst(2)
                continue
            }
            if flat > 0 {
                out += "h\(flat)"
                flat = 0
            }
            out.append(rest.removeFirst())
            while let next = rest.first, next != "h", next != "l", next != "M" {
                out.append(next)
                rest.removeFirst()
            }
        }
        if flat > 0 { out += "h\(flat)" }
        return out
    }

    // MARK: Pieces

    private static func table(_ html: inout HTMLWriter, _ headers: [String], numeric: ClosedRange<Int>, rows: (inout HTMLWriter) -> Void) {
        html.element("div", ["class": "scroll"]) { html in
            html.element("table") { html in
                html.element("thead") { html in
                    html.element("tr") { html in
                        for (index, header) in headers.enumerated() {
                            html.element("th", ["scope": "col", "class": numeric.contains(index) ? "num" : ""], text: header)
                        }
                    }
                }
                html.element("tbody") { rows(&$0) }
            }
        }
    }

    private static func row(_ html: inout HTMLWriter, numeric: ClosedRange<Int>, _ cells: [String]) {
        html.element("tr") { html in
            for (index, cell) in cells.enumerated() {
                if numeric.contains(index) { html.element("td", ["class": "num"], text: cell) } else { html.element("td", text: cell) }
            }
        }
    }

    private static func availabilityText(_ item: IntegrationReport) -> String {
        guard item.hasData, let availability = item.stats.availability.timeWeighted else { return "no data" }
        return ReportText.percent(availability, decimals: 3)
    }

    private static func rate(_ value: Double) -> String {
        ReportText.percentNumber(value / 100, decimals: 1) + "x"
    }

    private static let hatchPattern: StaticString = """
        <svg class="defs" aria-hidden="true" width="0" height="0"><defs><pattern id="hatch" width="3" height="3" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="1.2" height="3" fill="currentColor"/></pattern></defs></svg>
        """

    private static let stylesheet: StaticString = """
        :root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#59636e;--line:#d1d9e0;--tile:#f6f8fa;--ok:#2da44e;--warn:#d4a72c;--bad:#cf222e;--none:#afb8c1;--p50:#0969da;--p95:#8250df;--mnt:#57606a}
        @media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--tile:#151b23;--ok:#3fb950;--warn:#d29922;--bad:#f85149;--none:#3d444d;--p50:#4493f8;--p95:#ab7df8;--mnt:#9198a1}}
        *{box-sizing:border-box}
        body{margin:0 auto;max-width:1200px;padding:16px;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
        h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.15em;margin:1.6em 0 .5em;border-bottom:1px solid var(--line);padding-bottom:.2em}
        p{margin:.3em 0}.note,.rules{color:var(--muted)}
        .tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:8px;margin:12px 0}
        .tile{background:var(--tile);border:1px solid var(--line);border-radius:6px;padding:8px 10px}
        .tile .label{color:var(--muted);font-size:.85em}.tile .value{font-size:1.35em;font-weight:600}.tile .change{font-size:.85em;color:var(--muted)}
        .scroll{overflow-x:auto}
        table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
        th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:middle;white-space:nowrap}
        td:last-child{white-space:normal}th.num,td.num{text-align:right}
        tr.integration th{font-weight:500}.provider{display:block;color:var(--muted);font-size:.85em}
        td.missed{color:var(--bad);font-weight:600}
        svg.defs{position:absolute}
        svg.strip{width:180px;height:14px;display:block}svg.chart{width:120px;height:34px;display:block}
        svg.swatch{width:12px;height:12px;vertical-align:-1px}
        .ok{fill:var(--ok)}.warn{fill:var(--warn)}.bad{fill:var(--bad)}.none{fill:var(--none)}
        path.bar{stroke-width:10;stroke-dasharray:3 1;vector-effect:none}.bar.ok{stroke:var(--ok)}.bar.warn{stroke:var(--warn)}.bar.bad{stroke:var(--bad)}.bar.none{stroke:var(--none)}
        .tip{fill:transparent}.tip:hover{fill:rgba(127,127,127,.25)}
        .mnt{fill:url(#hatch);color:var(--mnt);opacity:.8}
        path{fill:none;stroke-width:1.5;vector-effect:non-scaling-stroke}
        .p50{stroke:var(--p50)}.p95{stroke:var(--p95);stroke-dasharray:3 2}
        .zero{stroke:var(--muted);stroke-width:1}.even{stroke:var(--muted);stroke-width:1;stroke-dasharray:1 2}
        .budget{stroke:var(--ok)}.budget.over{stroke:var(--bad)}
        svg.timeline{width:100%;height:auto;display:block;margin:8px 0}
        svg.timeline text{fill:var(--fg);font-size:10px}path.lane{stroke:var(--bad);stroke-width:10;vector-effect:none}path.lane.excluded{stroke:var(--none)}
        .legend{list-style:none;padding:0}.legend li{margin:.2em 0}
        footer{color:var(--muted);margin-top:2em}
        .single svg.strip{width:100%;height:22px}.single svg.chart{width:100%;height:70px}.chart-label{color:var(--muted);font-size:.85em;margin-top:.6em}
        .alert{color:var(--bad);font-weight:600}
        @media (max-width:700px){body{padding:8px;font-size:13px}svg.strip{width:140px}svg.chart{width:90px}}
        @media print{:root{--bg:#fff;--fg:#000;--muted:#444;--tile:#fff}body{max-width:none;padding:0}.scroll{overflow:visible}section{break-inside:avoid-page}tr{break-inside:avoid}}
        """
}
