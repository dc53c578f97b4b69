import Foundation
import PostgresClient
import TestSupport
import Testing

/// The HTML report in a real browser (headless Chromium: PNG, PDF, the DOM after loading), and
/// the metrics files a job leaves for node_exporter, checked by promtool.
@Suite(.serialized, .requiresDatabase) struct BrowserAndMetricsEndToEndTests {
    let database: TestDatabase
    let directory: URL

    init() throws {
        database = try TestDatabase("e2e_html")
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-html-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try database.applySchema()
        // int_b's error message tries to run a script and to change the page's title.
        try database.connect().execute(script: """
            INSERT INTO "Integration" (id, "userId", provider, "updatedAt") VALUES
              ('int_a', 'u', 'google', now()), ('int_b', 'u', 'github', now()), ('int_c', 'u', 'google', now());
            """)
        try database.insertWeekOfChecks(
            ["int_a", "int_b"], failing: "int_b", errorMessage: #"<script>document.title="pwned"</script><img src=x onerror=alert(1)>"#)
    }

    func healthctl(_ arguments: [String]) throws -> HealthctlProcess.Output {
        try HealthctlProcess.run(arguments + ["--database-url", database.url])
    }

    func chromium(_ arguments: [String]) throws -> ExternalTool.Output {
        let profile = directory.appendingPathComponent("profile-\(UUID().uuidString)").path
        return try ExternalTool.run(
            "chromium",
            ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--user-data-dir=\(profile)"] + arguments,
            timeout: 90)
    }

    @Test(.requiresTool("chromium")) func theHTMLReportRendersInChromiumWithoutRunningAScript() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try healthctl(["report", "--period", "2026-W47", "--format", "html", "--output-dir", directory.path])
        try #require(output.status == 0, "\(output.stderr)")
        let page = directory.appendingPathComponent("2026-W47.html")
        #expect(try FileManager.default.attributesOfItem(atPath: page.path)[.posixPermissions] as? Int == 0o600)

        let dom = try chromium(["--dump-dom", page.absoluteString])
        try #require(dom.status == 0, "\(dom.stderr)")
        #expect(dom.stdout.components(separatedBy: "<tr class=\"integration\">").count - 1 == 3)
        #expect(dom.stdout.components(separatedBy: "<svg class=\"strip\"").count - 1 == 3)
        #expect(dom.stdout.contains("<svg class=\"timeline\""))
        #expect(dom.stdout.contains("<title>Integration health: 2026-W47</title>"), "no script changed the title")
        #expect(!dom.stdout.contains("<script") && !dom.stdout.contains("<img"), "the message stays text")
        #expect(dom.stdout.contains("&lt;script&gt;document.title=\"pwned\"&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"))

        let png = directory.appendingPathComponent("report.png")
        let shot = try chromium(["--window-size=1280,1800", "--screenshot=\(png.path)", page.absoluteString])
        #expect(shot.status == 0, "\(shot.stderr)")
        let image = try Data(contentsOf: png)
        #expect(image.starts(with: [0x89, 0x50, 0x4E, 0x47]) && image.count > 20_000, "a PNG of \(image.count) bytes")

        let pdf = directory.appendingPathComponent("report.pdf")
        let printed = try chromium(["--no-pdf-header-footer", "--print-to-pdf=\(pdf.path)", page.absoluteString])
        #expect(printed.status == 0, "\(printed.stderr)")
        let document = try Data(contentsOf: pdf)
        #expect(document.starts(with: Array("%PDF-".utf8)) && document.count > 10_000, "a PDF of \(document.count) bytes")
    }

    @Test(.requiresTool("promtool")) func jobsLeaveMetricsForTheTextfileCollectorFailedRunsToo() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let metrics = directory.appendingPathComponent("textfile")
        try FileManager.default.createDirectory(at: metrics, withIntermediateDirectories: true)
        let file = metrics.appendingPathComponent("healthctl_report.prom")
        let ok = try healthctl(["report", "--period", "2026-W47", "--format", "csv", "--textfile-dir", metrics.path])
        try #require(ok.status == 0, "\(ok.stderr)")
        let first = try String(contentsOf: file, encoding: .utf8)
        #expect(first.contains("healthctl_job_exit_code{job=\"report\"} 0\n"))
        #expect(first.contains("healthctl_job_rows{job=\"report\"} 4032\n"))
        #expect(first.contains("healthctl_availability_ratio{integration=\"int_b\",provider=\"github\",window=\"2026-W47\"} 0.9940476190476191\n"))
        #expect(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int == 0o644)
        let check = try ExternalTool.run("promtool", ["check", "metrics"], stdin: first)
        #expect(check.status == 0 && check.stdout.isEmpty && check.stderr.isEmpty, "\(check.stdout)\(check.stderr)")
        let success = try #require(first.split(separator: "\n").first { $0.hasPrefix("healthctl_job_last_success_timestamp_seconds") })

        // A breach (exit 3) and a failure (exit 64) update the run and the code, not the success.
        let breach = try healthctl(["report", "--period", "2026-W47", "--format", "csv", "--fail-on-breach", "--textfile-dir", metrics.path])
        #expect(breach.status == 3)
        #expect(try String(contentsOf: file, encoding: .utf8).contains("healthctl_job_exit_code{job=\"report\"} 3\n"))
        let failed = try healthctl(["report", "--period", "2026-W99", "--textfile-dir", metrics.path])
        #expect(failed.status == 64)
        let after = try String(contentsOf: file, encoding: .utf8)
        #expect(after.contains("healthctl_job_exit_code{job=\"report\"} 64\n"))
        #expect(after.split(separator: "\n").contains(success), "the last success is kept")
        #expect(!after.contains("healthctl_availability_ratio"))

        // Other jobs write their own files; the setting works as the flag does.
        let settings = directory.appendingPathComponent("healthctl.toml")
        try "[metrics]\ntextfile_dir = \"\(metrics.path)\"\n".write(to: settings, atomically: true, encoding: .utf8)
        let rollup = try healthctl(["rollup", "--config", settings.path])
        #expect(rollup.status == 0, "\(rollup.stderr)")
        let rolled = try String(contentsOf: metrics.appendingPathComponent("healthctl_rollup.prom"), encoding: .utf8)
        #expect(rolled.contains("healthctl_job_exit_code{job=\"rollup\"} 0\n") && rolled.contains("healthctl_job_rows{job=\"rollup\"} 4032\n"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: metrics.path).sorted() == ["healthctl_report.prom", "healthctl_rollup.prom"], "no temporary file is left")
    }
}
