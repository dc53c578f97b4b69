import Foundation
import HealthctlCore
import Testing

@Suite struct ReportRenderTests {
    typealias F = Fixture

    static let secrets = [
        "ya29.a0AfH6SMBxSecretAccessTokenValue", "1//0gRefreshTokenSecretValue", "4/0AX4XfWhAuthCodeSecret",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "s3cr3t-client-value",
    ]

    /// Two integrations: one with an outage whose errors echo secrets (with a `|` and a newline), one with no checks.
    static func report() -> Report {
        let m = F.minute
        let messages = [
            "invalid_grant: access_token=\(secrets[0]) | refresh_token=\(secrets[1])\nretry later",
            "invalid_grant: access_token=ya29.a0AfH6SMBxOtherTokenValue | refresh_token=1//0gOtherRefreshValue\nretry later",
            "POST /token?code=\(secrets[2])&client_secret=\(secrets[4]) failed: Bearer \(secrets[3])",
        ]
        var checks = F.every(5 * m, from: F.t0, to: F.t0 + 2 * F.day)
        for (offset, message) in messages.enumerated() {
            let index = 100 + offset
            checks[index] = Check(checks[index].timeMs, .error, responseTimeMs: nil, errorMessage: message)
        }
        return F.report([("int_a", checks, nil), ("int_b", [], nil)], until: F.t0 + 2 * F.day)
    }

    @Test func secretsNeverReachAnyFormat() {
        let report = Self.report()
        for text in [ReportJSON.render(report), ReportCSV.render(report), ReportCSV.render(report, rows: .day), ReportMarkdown.render(report)] {
            for secret in Self.secrets {
                #expect(!text.contains(secret))
            }
            #expect(!text.contains("OtherTokenValue"))
        }
        // Messages that differ only in their secrets are one error after redaction.
        let top = report.integrations[0].topErrors
        #expect(top.first?.count == 2)
        #expect(top.first?.message == "invalid_grant: access_token=[REDACTED] | refresh_token=[REDACTED]\nretry later")
        #expect(report.integrations[0].stats.incidents.items.first?.firstError == top.first?.message)
    }

    @Test func jsonDecodesWithTheDocumentedFields() throws {
        let report = Self.report()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(ReportJSON.render(report).utf8)) as? [String: Any])
        #expect(object["schemaVersion"] as? Int == 2)
        let window = try #require(object["window"] as? [String: Any])
        #expect(window["since"] as? String == "2026-11-16T00:00:00Z")
        #expect(window["until"] as? String == "2026-11-18T00:00:00Z")
        #expect(window["label"] as? String == "test")
        let settings = try #require(object["settings"] as? [String: Any])
        #expect(settings["slo"] as? Double == 0.999)
        #expect(settings["maxGap"] as? String == "auto")
        #expect(settings["warningAs"] as? String == "up" && settings["latencyOf"] as? String == "all")
        #expect(settings["percentileMethod"] as? String != nil)
        let fleet = try #require(object["fleet"] as? [String: Any])
        #expect((fleet["integrations"] as? [String: Any])?["noData"] as? Int == 1)
        let integrations = try #require(object["integrations"] as? [[String: Any]])
        #expect(integrations.map { $0["id"] as? String } == ["int_a", "int_b"])
        let first = integrations[0]
        for key in ["id", "provider", "current", "checks", "availability", "latencyMs", "incidents", "slo", "daily", "topErrors"] {
            #expect(first[key] != nil, "missing \(key)")
        }
        let checks = try #require(first["checks"] as? [String: Int])
        #expect(checks == ["total": 576, "healthy": 573, "warning": 0, "error": 3, "unknown": 0])
        let availability = try #require(first["availability"] as? [String: Any])
        #expect(abs((availability["timeWeighted"] as? Double ?? 0) - report.integrations[0].stats.availability.timeWeighted!) < 1e-15)
        let incidents = try #require(first["incidents"] as? [String: Any])
        #expect(incidents["count"] as? Int == 1)
        let item = try #require((incidents["items"] as? [[String: Any]])?.first)
        #expect(item["durationSeconds"] as? Double == 900)
        #expect(item["start"] as? String == "2026-11-16T08:20:00Z")
        #expect((first["daily"] as? [[String: Any]])?.count == 2)
        // No data is null, never 100 %.
        let empty = try #require(integrations[1]["availability"] as? [String: Any])
        #expect(empty["timeWeighted"] is NSNull && empty["countBased"] is NSNull)
        #expect((integrations[1]["slo"] as? [String: Any])?["met"] is NSNull)
        #expect((integrations[1]["current"] as? [String: Any])?["stale"] as? Bool == true)
    }

    @Test func csvParsesWithTheExactHeader() throws {
        let report = Self.report()
        let rows = try Self.parseCSV(ReportCSV.render(report))
        #expect(rows[0] == [
            "integration_id", "provider", "checks_total", "healthy", "warning", "error", "unknown", "availability_count",
            "availability_time", "coverage", "availability_strict", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms", "mean_ms",
            "incidents", "downtime_seconds", "mttr_seconds", "longest_incident_seconds", "slo_target", "slo_met",
            "error_budget_remaining", "user_id", "excluded_seconds", "burn_alert", "token_state", "token_expires_at",
        ])
        #expect(rows.count == 3)
        #expect(rows[1][0] == "int_a" && rows[1][2] == "576" && rows[1][5] == "3" && rows[1][17] == "1" && rows[1][18] == "900")
        #expect(rows[1][21] == "0.999" && rows[1][22] == "false")
        #expect(Double(rows[1][8]) == report.integrations[0].stats.availability.timeWeighted)
        // No data: empty fields, not zeros or 100 %.
        #expect(rows[2][0] == "int_b" && rows[2][2] == "0" && rows[2][7] == "" && rows[2][8] == "" && rows[2][22] == "")
        let byDay = try Self.parseCSV(ReportCSV.render(report, rows: .day))
        #expect(byDay[0][1] == "date")
        #expect(byDay.count == 1 + 2 * 2)
        #expect(byDay[1][0] == "int_a" && byDay[1][1] == "2026-11-16" && byDay[1][19] == "900")
        #expect(ReportCSV.render(report).hasSuffix("\r\n"))
    }

    @Test func csvQuotesFieldsThatNeedIt() throws {
        var table = MessageTable()
        let info = IntegrationInfo(id: "int,\"x\"", provider: "multi\nline", healthStatus: .healthy, lastHealthCheckMs: nil)
        let report = ReportBuilder.build(
            inputs: [IntegrationInput(info: info, series: CheckSeries([Check(F.t0, .healthy)], messages: &table))], messages: table,
            window: ReportWindow(sinceMs: F.t0, untilMs: F.t0 + F.hour, label: "x"), settings: ReportSettings(), nowMs: F.t0)
        let text = ReportCSV.render(report)
        #expect(text.contains("\"int,\"\"x\"\"\",\"multi\nline\","))
        #expect(try Self.parseCSV(text)[1][0...1] == ["int,\"x\"", "multi\nline"])
    }

    @Test func markdownTablesKeepTheirShape() throws {
        let report = Self.report()
        let markdown = ReportMarkdown.render(report)
        #expect(markdown.hasPrefix("# Integration health: test\n"))
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Every table row has as many cells as its header.
        var headerCells: Int?
        var tables = 0
        for line in lines {
            guard line.hasPrefix("|") else { headerCells = nil; continue }
            let cells = Self.cellCount(line)
            if let expected = headerCells {
                #expect(cells == expected, "row \(line)")
            } else {
                headerCells = cells
                tables += 1
            }
        }
        #expect(tables == 4)
        #expect(markdown.range(of: "## SLO breaches")!.lowerBound < markdown.range(of: "## Integrations, worst first")!.lowerBound)
        #expect(markdown.contains("access_token=[REDACTED] \\| refresh_token=[REDACTED] retry later"))
        let integrationRows = lines.filter { $0.hasPrefix("| int_") && $0.contains("google") && $0.contains("🟩") || $0.hasPrefix("| int_b") }
        #expect(integrationRows.first?.hasPrefix("| int_a |") == true)
        #expect(markdown.contains("| int_a | google | 99.479 % | 100.0 % | 576 | 100 ms | 1 | 15m | **missed** | 🟥🟩 |"))
        #expect(markdown.contains("| int_b | google | no data |"))
    }

    @Test func windowCutAtNowSaysSo() throws {
        var table = MessageTable()
        let window = ReportWindow(sinceMs: F.t0, untilMs: F.t0 + F.hour, label: "2026-W47", requestedUntilMs: F.t0 + 7 * F.day)
        let report = ReportBuilder.build(
            inputs: [IntegrationInput(info: F.info("int_a"), series: CheckSeries([Check(F.t0, .healthy)], messages: &table))],
            messages: table, window: window, settings: ReportSettings(), nowMs: F.t0 + F.hour)
        #expect(ReportMarkdown.render(report).contains("cut at now: the period ends 2026-11-23T00:00:00Z"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(ReportJSON.render(report).utf8)) as? [String: Any])
        let json = try #require(object["window"] as? [String: Any])
        #expect(json["cutAtNow"] as? Bool == true && json["requestedUntil"] as? String == "2026-11-23T00:00:00Z")
    }

    static func cellCount(_ line: String) -> Int {
        var count = 0
        var escaped = false
        for character in line {
            if escaped { escaped = false; continue }
            if character == "\\" { escaped = true } else if character == "|" { count += 1 }
        }
        return count - 1
    }

    /// A strict RFC 4180 reader: CRLF records, quoted fields with doubled quotes.
    static func parseCSV(_ text: String) throws -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                row.append(field); field = ""
            } else if character == "\r\n" {
                row.append(field); field = ""
                rows.append(row); row = []
            } else if character == "\n" || character == "\r" {
                throw CSVError.bareLineBreak
            } else {
                field.append(character)
            }
        }
        guard row.isEmpty, field.isEmpty, !quoted else { throw CSVError.unterminated }
        return rows
    }

    enum CSVError: Error { case bareLineBreak, unterminated }
}
