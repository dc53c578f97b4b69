import Foundation
@testable import HealthctlCore
import TestSupport
import Testing

/// The HTML report as text: escaped, self-contained, with every section and chart.
@Suite struct ReportHTMLTests {
    typealias F = Fixture
    typealias A = AccountingFixture

    /// Three integrations, one of them down an hour with a hostile error message and id.
    static func report() -> Report {
        let day = F.t0..<(F.t0 + 2 * F.day)
        var checks = A.checks(every: 5 * F.minute, from: F.t0 - F.hour, to: day.upperBound, down: [(F.t0 + F.hour)..<(F.t0 + 2 * F.hour)])
        for index in checks.indices where checks[index].status == .error { checks[index].errorMessage = "<script>alert('x')</script> & \"quoted\"" }
        var settings = A.fiveMinuteSettings
        settings.maintenance = [
            MaintenanceWindow(schedule: .once((F.t0 + 30 * F.minute)..<(F.t0 + 90 * F.minute)), providers: ["github"], reason: "<b>deploy</b>"),
        ]
        return A.report(
            [
                (A.info("int_<a>&\"", provider: "github"), checks),
                (A.info("int_b", provider: "google"), A.checks(every: 5 * F.minute, from: F.t0 - F.hour, to: day.upperBound, latency: 250)),
                (A.info("int_c", provider: "google"), []),
            ], since: day.lowerBound, until: day.upperBound, settings: settings, label: "2026-11-16..")
    }

    @Test func dataIsEscapedAndNothingIsFetchedOrRun() {
        let html = ReportHTML.render(Self.report())
        #expect(!html.contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;"))
        #expect(html.contains("int_&lt;a&gt;&amp;&quot;"))
        #expect(html.contains("&lt;b&gt;deploy&lt;/b&gt;"))
        for external in ["src=", "<link", "http://", "https://", "@import", "url(http"] { #expect(!html.contains(external), "\(external)") }
        #expect(html.hasPrefix("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"))
        #expect(html.hasSuffix("</html>\n"))
    }

    @Test func everySectionAndChartIsThere() {
        let html = ReportHTML.render(Self.report())
        for section in ["SLO breaches", "Maintenance", "Integrations, worst first", "Incidents", "Top errors", "Legend"] {
            #expect(html.contains(">\(section)</h2>"), "\(section)")
        }
        #expect(html.components(separatedBy: "<tr class=\"integration\">").count - 1 == 3)
        #expect(html.components(separatedBy: "<svg class=\"strip\"").count - 1 == 3, "one strip per integration, grey without data")
        #expect(html.components(separatedBy: "class=\"p95\"").count - 1 == 2)
        // Down 01:00-02:00, maintenance 00:30-01:30: 30m down, 22h30m up.
        #expect(html.contains("<title>2026-11-16: 97.826 %, downtime 30m, 1 incident, 1h maintenance left out</title>"))
        // Day two of int_b is met without downtime, like day one: one bar for both.
        #expect(html.contains("<title>2026-11-16 to 2026-11-17: 100.000 %, downtime 0s, 0 incidents</title>"))
        #expect(html.contains("class=\"mnt\""))
        #expect(html.contains("prefers-color-scheme:dark") && html.contains("@media print"))
        #expect(html.contains("<svg class=\"timeline\""))
        #expect(html.contains("Counted: 24x7; 1 maintenance window honored"))
    }

    @Test func longWindowsHaveATooltipPerWeekOverDailyBars() throws {
        // Six weeks from Monday 2026-11-16: 42 daily bars, 6 weekly tooltips.
        let until = F.t0 + 42 * F.day
        let outage = (F.t0 + 9 * F.day + F.hour)..<(F.t0 + 9 * F.day + 2 * F.hour)
        let report = A.report(
            [(A.info("int_a", provider: "github"), A.checks(every: 5 * F.minute, from: F.t0 - F.hour, to: until, down: [outage]))],
            since: F.t0, until: until, settings: A.fiveMinuteSettings)
        let html = ReportHTML.render(report)
        #expect(html.components(separatedBy: "<title>2026-W").count - 1 == 6)
        // Each run of one colour is one dashed stroke, a dash a day: days 0-8 and 10-41 met, day 9 not.
        #expect(html.contains("<path class=\"bar ok\" d=\"M0 5h36M40 5h128\"/><path class=\"bar bad\" d=\"M36 5h4\"/>"))
        #expect(html.contains("<title>2026-W48 (11-23 to 11-29): 99.404 %, downtime 1h, 1 incident; worst day 11-25 95.833 %</title>"))
    }

    @Test func theTilesShowTheChangeWhenCompared() {
        var report = Self.report()
        report.compare(with: Self.report())
        let html = ReportHTML.render(report)
        #expect(html.contains("<div class=\"change\">= 0.000 pp</div>"))
        #expect(html.contains(">vs previous</th>"))
    }
}

@Suite struct ReportMetricsTests {
    @Test func labelValuesAreEscapedAndNoDataHasNoNumbers() {
        let metrics = ReportMetrics.render(ReportHTMLTests.report())
        #expect(metrics.contains("healthctl_integration_has_data{integration=\"int_<a>&\\\"\",provider=\"github\",window=\"2026-11-16..\"} 1"))
        #expect(metrics.contains("healthctl_integration_has_data{integration=\"int_c\",provider=\"google\",window=\"2026-11-16..\"} 0"))
        #expect(!metrics.contains("healthctl_availability_ratio{integration=\"int_c\""))
        #expect(metrics.contains("healthctl_latency_seconds{integration=\"int_b\",provider=\"google\",window=\"2026-11-16..\",quantile=\"0.95\"} 0.25"))
        #expect(metrics.contains("healthctl_burn_rate{integration=\"int_b\",provider=\"google\",window=\"2026-11-16..\",burn_window=\"72h\"} 0"))
        #expect(metrics.contains("healthctl_fleet_integrations{window=\"2026-11-16..\",state=\"no_data\"} 1"))
    }

    @Test func aFailedRunKeepsTheLastSuccess() {
        let failed = JobMetrics(job: "prune", startedAtMs: 2_000_000, finishedAtMs: 2_004_500, exitCode: 75, rows: nil)
        let text = failed.render(lastSuccessMs: 1_000_250)
        #expect(text.contains("healthctl_job_last_success_timestamp_seconds{job=\"prune\"} 1000.25\n"))
        #expect(text.contains("healthctl_job_last_run_timestamp_seconds{job=\"prune\"} 2004.5\n"))
        #expect(text.contains("healthctl_job_duration_seconds{job=\"prune\"} 4.5\n"))
        #expect(text.contains("healthctl_job_exit_code{job=\"prune\"} 75\n"))
        #expect(!text.contains("healthctl_job_rows{"))
        #expect(JobMetrics.lastSuccessMs(in: text) == 1_000_250)
        let succeeded = JobMetrics(job: "prune", startedAtMs: 3_000_000, finishedAtMs: 3_001_000, exitCode: 0, rows: 12)
        #expect(succeeded.render(lastSuccessMs: 1_000_250).contains("healthctl_job_last_success_timestamp_seconds{job=\"prune\"} 3001\n"))
    }

    @Test(.requiresTool("promtool")) func promtoolAcceptsTheMetrics() throws {
        var report = ReportHTMLTests.report()
        report.group(by: .provider)
        let job = JobMetrics(job: "report", startedAtMs: 1_000, finishedAtMs: 2_000, exitCode: 0, rows: 5)
        var text = job
        text.extra = ReportMetrics.render(report)
        let output = try ExternalTool.run("promtool", ["check", "metrics"], stdin: text.render(lastSuccessMs: nil))
        #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
        #expect(output.stdout.isEmpty && output.stderr.isEmpty, "no lint warnings: \(output.stdout)\(output.stderr)")
    }
}
