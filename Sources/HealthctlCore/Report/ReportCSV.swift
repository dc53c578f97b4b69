import Foundation

/// The CSV rendering (RFC 4180: CRLF line ends, quoted fields when needed, null as an empty field):
/// one row per integration, or per integration and UTC day, ISO week or month (`--by`).
public enum ReportCSV {
    public static let columns = [
        "integration_id", "provider", "checks_total", "healthy", "warning", "error", "unknown", "availability_count",
        "availability_time", "coverage", "availability_strict", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms", "mean_ms",
        "incidents", "downtime_seconds", "mttr_seconds", "longest_incident_seconds", "slo_target", "slo_met",
        "error_budget_remaining", "user_id", "excluded_seconds", "burn_alert", "token_state", "token_expires_at",
    ]

    /// Added to rows per integration with `--compare previous`.
    public static let comparisonColumns = [
        "previous_availability_time", "previous_downtime_seconds", "previous_incidents", "previous_p95_ms",
        "change_availability_time", "change_downtime_seconds", "change_incidents", "change_p95_ms",
    ]

    public static func render(_ report: Report, rows: ReportRows = .integration) -> String {
        var out = ""
        write(report, rows: rows, to: TextSink { out += $0 })
        return out
    }

    /// Writes the CSV to `sink` in pieces, a few thousand rows at a time.
    public static func write(_ report: Report, rows: ReportRows = .integration, to sink: TextSink) {
        var header = columns
        switch rows {
        case .integration: break
        case .day: header.insert("date", at: 1)
        case .week, .month: header.insert("period", at: 1)
        }
        let compared = report.previous != nil && rows == .integration
        if compared { header += comparisonColumns }
        var out = line(header)
        for item in report.integrations {
            switch rows {
            case .integration:
                var fields = row(item.info, item.stats, item.slo)
                fields[fields.count - 3] = item.slo.alert.rawValue
                fields[fields.count - 2] = item.token?.state.rawValue ?? ""
                if compared { fields += comparison(ComparedNumbers(item.stats), item.previous.map { ComparedNumbers($0.stats) } ?? .noData) }
                out += line(fields)
            case .day:
                for day in item.daily {
                    var fields = row(item.info, day.stats, day.slo)
                    fields.insert(day.date.text, at: 1)
                    out += line(fields)
                }
            case .week, .month:
                for period in item.periods {
                    var fields = row(item.info, period.stats, period.slo)
                    fields.insert(period.label, at: 1)
                    out += line(fields)
                }
            }
            if out.utf8.count >= TextSink.pieceBytes { sink.emit(&out) }
        }
        sink.emit(&out)
    }

    private static func row(_ info: IntegrationInfo, _ stats: PeriodStats, _ slo: SLOStatus) -> [String] {
        let checks = stats.checks
        let availability = stats.availability
        let latency = stats.latency
        let incidents = stats.incidents
        return [
            info.id, info.provider ?? "", String(checks.total), String(checks.healthy), String(checks.warning),
            String(checks.error), String(checks.unknown), number(availability.countBased), number(availability.timeWeighted),
            number(availability.coverage), number(availability.strict), int(latency.p50), int(latency.p90), int(latency.p95),
            int(latency.p99), int(latency.max), number(latency.mean), String(incidents.count),
            number(Double(incidents.downtimeMs) / 1000), number(incidents.mttrSeconds),
            number(incidents.longestMs.map { Double($0) / 1000 }), number(slo.target), slo.met.map { $0 ? "true" : "false" } ?? "",
            number(slo.errorBudgetRemaining), info.userId ?? "", number(Double(availability.excludedMs) / 1000), "", "",
            info.token?.expiresAtMs.map { ISOTime.format(epochMilliseconds: $0) } ?? "",
        ]
    }

    /// The previous window's numbers, then the change; empty where the previous window has none.
    private static func comparison(_ now: ComparedNumbers, _ before: ComparedNumbers) -> [String] {
        guard before.hasData else { return ["", "", "", "", "", "", "", ""] }
        return [
            number(before.availability), number(Double(before.downtimeMs) / 1000), String(before.incidents), int(before.p95),
            number(now.availability.flatMap { current in before.availability.map { current - $0 } }),
            number(Double(now.downtimeMs - before.downtimeMs) / 1000), String(now.incidents - before.incidents),
            int(now.p95.flatMap { current in before.p95.map { current - $0 } }),
        ]
    }

    private static func number(_ value: Double?) -> String { value.map(JSONValue.number) ?? "" }
    private static func int(_ value: Int?) -> String { value.map(String.init) ?? "" }

    private static func line(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") + "\r\n" }

    /// Quotes a field holding a comma, quote, CR or LF, doubling its quotes.
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
