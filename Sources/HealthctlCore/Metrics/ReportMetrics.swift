/// A report as Prometheus metrics (`--format prometheus`, and the report job's textfile): one
/// series per integration, labelled `integration`, `provider` and `window` (the report's label),
/// and the fleet's. Integrations without data have `healthctl_integration_has_data 0` and no
/// other series, never a made-up 100 %.
public enum ReportMetrics {
    public static func render(_ report: Report) -> String {
        var text = PrometheusText()
        write(report, into: &text)
        return text.out
    }

    static func write(_ report: Report, into text: inout PrometheusText) {
        let window = report.window.label
        let items = report.integrations
        func labels(_ item: IntegrationReport) -> [(String, String)] {
            [("integration", item.info.id), ("provider", item.info.provider ?? ""), ("window", window)]
        }
        func family(_ name: String, help: String, _ value: (IntegrationReport) -> Double?) {
            text.family(name, .gauge, help: help)
            for item in items where item.hasData {
                if let number = value(item) { text.sample(name, labels(item), number) }
            }
        }
        text.family("healthctl_integration_has_data", .gauge, help: "1 when the integration has checks in the window.")
        for item in items { text.sample("healthctl_integration_has_data", labels(item), item.hasData ? 1 : 0) }
        family("healthctl_availability_ratio", help: "Time-weighted availability: up time / (up + down time), excluded time left out.") {
            $0.stats.availability.timeWeighted
        }
        family("healthctl_coverage_ratio", help: "(Up + down time) / counted time.") { $0.stats.availability.coverage }
        family("healthctl_slo_target_ratio", help: "The SLO target.") { $0.slo.target }
        family("healthctl_slo_met", help: "1 when the time-weighted availability met the SLO target.") { $0.slo.met.map { $0 ? 1 : 0 } }
        family("healthctl_error_budget_remaining_ratio", help: "(A - T) / (1 - T); negative when overspent.") { $0.slo.errorBudgetRemaining }
        family("healthctl_downtime_seconds", help: "Counted down time in the window.") { Double($0.stats.availability.downMs) / 1000 }
        family("healthctl_excluded_seconds", help: "Time left out: maintenance and outside service hours.") {
            Double($0.stats.availability.excludedMs) / 1000
        }
        family("healthctl_incidents", help: "Counted incidents in the window.") { Double($0.stats.incidents.count) }

        text.family("healthctl_burn_rate", .gauge, help: "Error-budget burn rate: over the report window (burn_window=\"report\") and over the last 5m to 72h before its end.")
        for item in items where item.hasData {
            if let rate = item.slo.burnRate { text.sample("healthctl_burn_rate", labels(item) + [("burn_window", "report")], rate) }
            for burn in item.slo.burnRates {
                if let rate = burn.rate { text.sample("healthctl_burn_rate", labels(item) + [("burn_window", burn.label)], rate) }
            }
        }
        text.family("healthctl_burn_alert", .gauge, help: "1 when the SRE workbook's multiwindow rules fire an alert of this severity.")
        for item in items where item.hasData {
            for severity in [BurnAlert.page, .ticket] {
                text.sample("healthctl_burn_alert", labels(item) + [("severity", severity.rawValue)], item.slo.alert == severity ? 1 : 0)
            }
        }

        text.family("healthctl_latency_seconds", .summary, help: "Response times of the window's checks (nearest-rank quantiles, as percentile_disc).")
        for item in items where item.latencyHistogram.total > 0 {
            let latency = item.stats.latency
            for (quantile, value) in [("0.5", latency.p50), ("0.9", latency.p90), ("0.95", latency.p95), ("0.99", latency.p99)] {
                if let value { text.sample("healthctl_latency_seconds", labels(item) + [("quantile", quantile)], Double(value) / 1000) }
            }
            text.sample("healthctl_latency_seconds_sum", labels(item), Double(item.latencyHistogram.sum) / 1000)
            text.sample("healthctl_latency_seconds_count", labels(item), Double(latency.count))
        }

        text.family("healthctl_token_expiry_timestamp_seconds", .gauge, help: "When the integration's OAuth token expires (Unix time).")
        for item in items {
            if let expiry = item.info.token?.expiresAtMs { text.sample("healthctl_token_expiry_timestamp_seconds", labels(item), Double(expiry) / 1000) }
        }

        let fleet = report.fleet
        let fleetLabels = [("window", window)]
        if let tokens = fleet.tokens {
            text.family("healthctl_tokens", .gauge, help: "Integrations per token state at the report's generation.")
            for state in TokenState.allCases { text.sample("healthctl_tokens", fleetLabels + [("state", state.rawValue)], Double(tokens[state] ?? 0)) }
        }
        text.family("healthctl_fleet_availability_ratio", .gauge, help: "The fleet's time-weighted availability, from the sums of up and down time.")
        if let availability = fleet.availability.timeWeighted { text.sample("healthctl_fleet_availability_ratio", fleetLabels, availability) }
        text.family("healthctl_fleet_integrations", .gauge, help: "Integrations of the report by state.")
        for (state, count) in [("total", fleet.integrations), ("with_data", fleet.withData), ("no_data", fleet.noData), ("breaching_slo", fleet.breachingSLO), ("paging", fleet.paging), ("ticketing", fleet.ticketing)] {
            text.sample("healthctl_fleet_integrations", fleetLabels + [("state", state)], Double(count))
        }
        text.family("healthctl_report_window_seconds", .gauge, help: "Length of the report window.")
        text.sample("healthctl_report_window_seconds", fleetLabels, Double(report.window.lengthMs) / 1000)
    }
}
