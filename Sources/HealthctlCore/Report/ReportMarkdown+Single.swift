/// The Markdown page of one integration: what someone on call reads after
/// `healthctl report --integration X` (and each file `--split-by` writes for one integration).
extension ReportMarkdown {
    static func renderSingle(_ report: Report, _ item: IntegrationReport) -> String {
        var out: [String] = []
        let window = report.window
        let info = item.info
        out.append("# \(escape(info.id)): \(window.label)")
        out.append("")
        var identity = [info.provider.map { "Provider \(escape($0))" }, info.userId.map { "customer \(escape($0))" }].compactMap { $0 }
        if let prefix = report.resolvedPrefixes[info.id] { identity.append("matched from the prefix \"\(escape(prefix))\"") }
        if !identity.isEmpty { out.append(identity.joined(separator: ", ") + ".") }
        out.append(currentLine(item))
        if let token = item.token { out.append(tokenLine(token)) }
        out.append("")
        out.append("Window \(ReportText.windowText(window)). Generated \(ISOTime.format(epochMilliseconds: report.generatedAtMs)).")
        out.append(ReportText.accountingLine(report))
        if report.source.isStandby {
            out.append("Read from a standby: " + (report.source.replayedUntilMs.map { "data as of \(ISOTime.format(epochMilliseconds: $0))." } ?? "no transaction replayed yet."))
        }
        out.append("")
        out.append(verdictLine(item, settings: report.settings))
        out.append("")
        if let previous = item.previous {
            out.append(previousLine(ComparedNumbers(item.stats), ComparedNumbers(previous.stats), window: report.previous?.window))
            out.append("")
        } else if let window = report.previous?.window {
            out.append(previousLine(ComparedNumbers(item.stats), .noData, window: window))
            out.append("")
        }
        if item.slo.alert != .none, let rule = item.slo.alertRule {
            let rates = item.slo.burnRates.compactMap { burn in burn.rate.map { "\(burn.label) \(ReportText.percentNumber($0 / 100, decimals: 1))x" } }
            out.append("**Burn-rate alert: \(item.slo.alert.rawValue)** (\(rule.text)): \(rates.joined(separator: ", ")).")
            out.append("")
        }
        let sources = sourceNotes(report.days)
        if !sources.isEmpty {
            out.append(contentsOf: sources)
            out.append("")
        }

        out.append("## Day by day")
        out.append("")
        out.append("| Date (UTC) | Availability | Downtime | Incidents | p50 | p95 | Checks |")
        out.append("|---|---:|---:|---:|---:|---:|---:|")
        for day in item.daily {
            let stats = day.stats
            guard let availability = stats.availability.timeWeighted else {
                out.append(row([day.date.text, "no data", "", "", "", "", String(stats.checks.total)]))
                continue
            }
            var text = ReportText.percent(availability, decimals: 3)
            if day.slo.met == false { text = "**\(text)**" }
            out.append(row([
                day.date.text, text, ReportText.duration(stats.availability.downMs), String(stats.incidents.count),
                stats.latency.p50.map { "\($0) ms" } ?? "", stats.latency.p95.map { "\($0) ms" } ?? "", String(stats.checks.total),
            ]))
        }
        out.append("")
        out.append("Bold: the day missed the \(report.settings.sloTarget(for: info).percentText) target.")
        out.append("")

        out.append("## Incidents")
        out.append("")
        out.append(contentsOf: incidentTable(item.stats.incidents.items.map { (nil, $0) }, openText: "open (ongoing at the window's end)"))
        out.append("")

        out.append("## Top errors")
        out.append("")
        if item.topErrors.isEmpty {
            out.append("None.")
        } else {
            out.append("| Count | Message (redacted) |")
            out.append("|---:|---|")
            for entry in item.topErrors { out.append(row([String(entry.count), entry.message])) }
        }
        out.append("")
        return out.joined(separator: "\n") + "\n"
    }

    /// `Token: expired-unrefreshable (expired 2026-11-20T08:00:00Z, no refresh token): the customer must reconnect.`
    static func tokenLine(_ token: TokenStatus) -> String {
        var details: [String] = []
        if let expiry = token.facts.expiresAtMs { details.append("expires \(ISOTime.format(epochMilliseconds: expiry))") }
        if let refresh = token.facts.hasRefreshToken { details.append(refresh ? "a refresh token is set" : "no refresh token") }
        if let evidence = token.evidence { details.append("latest incident: \(evidence)") }
        var text = "Token: \(token.state.rawValue)"
        if !details.isEmpty { text += " (" + details.joined(separator: "; ") + ")" }
        return text + (token.state.needsReconnect ? ": the customer must reconnect." : ".")
    }

    /// `Now ERROR, last health check 2026-11-22T23:55:00Z (stale: older than 24h).`
    static func currentLine(_ item: IntegrationReport) -> String {
        let info = item.info
        let last = info.lastHealthCheckMs.map { "last health check \(ISOTime.format(epochMilliseconds: $0))" } ?? "no health check recorded"
        return "Now \(info.healthStatus.rawValue), \(last)\(item.stale ? " (stale)" : "")."
    }

    /// The SLO verdict with the error budget and the window's numbers, in one sentence.
    /// `strong` marks the verdict (Markdown bold by default).
    static func verdictLine(_ item: IntegrationReport, settings: ReportSettings, strong: (String) -> String = { "**\($0)**" }) -> String {
        let stats = item.stats
        let target = settings.sloTarget(for: item.info).percentText
        guard item.hasData, let availability = stats.availability.timeWeighted else {
            return strong("No data") + ": no check counted in the window (\(ReportText.plural(stats.checks.total, "check")) read). The SLO cannot be judged."
        }
        var text = strong(item.slo.met == true ? "SLO \(target) met" : "SLO \(target) missed")
        text += ": availability \(ReportText.percent(availability, decimals: 3)) (time-weighted), \(ReportText.duration(stats.availability.downMs)) of downtime"
        text += " against \(DurationText.humanize(seconds: item.slo.allowedDowntimeSeconds)) allowed"
        if let budget = item.slo.errorBudgetRemaining { text += "; error budget left \(ReportText.percent(budget, decimals: 1))" }
        text += ". \(ReportText.plural(stats.incidents.count, "incident"))"
        if let mttr = stats.incidents.mttrSeconds { text += " (mean time to recover \(DurationText.humanize(seconds: mttr)))" }
        text += ", \(ReportText.plural(stats.checks.total, "check")), coverage \(ReportText.percent(stats.availability.coverage, decimals: 1))"
        if let p50 = stats.latency.p50, let p95 = stats.latency.p95 { text += ", latency p50 \(p50) ms, p95 \(p95) ms" }
        return text + "."
    }
}
