import Foundation
import HealthctlCore
import Testing

/// Hand-computed known answers for the SLA accounting rules: maintenance windows, service hours,
/// the shortest incident, burn rates, groups and the comparison with the previous window.
enum AccountingFixture {
    typealias F = Fixture

    static func info(_ id: String, provider: String, user: String = "u1") -> IntegrationInfo {
        IntegrationInfo(id: id, provider: provider, healthStatus: .healthy, lastHealthCheckMs: nil, userId: user)
    }

    /// Checks every `step` over `[start, end)`, down (ERROR) inside any of `down`, with `latency` ms.
    static func checks(every step: Int64, from start: Int64, to end: Int64, down: [Range<Int64>] = [], latency: Int = 100) -> [Check] {
        stride(from: start, to: end, by: Int(step)).map { time in
            Check(time, down.contains { $0.contains(time) } ? .error : .healthy, responseTimeMs: latency, errorMessage: nil)
        }
    }

    static func report(
        _ items: [(IntegrationInfo, [Check])], since: Int64, until: Int64, settings: ReportSettings, label: String = "test"
    ) -> Report {
        var table = MessageTable()
        let inputs = items.map { IntegrationInput(info: $0.0, series: CheckSeries($0.1, messages: &table)) }
        return ReportBuilder.build(
            inputs: inputs, messages: table, window: ReportWindow(sinceMs: since, untilMs: until, label: label), settings: settings,
            nowMs: until)
    }

    /// Five-minute checks held exactly five minutes each.
    static var fiveMinuteSettings: ReportSettings {
        ReportSettings(maxGap: .fixed(milliseconds: 10 * F.minute))
    }

    static func utc(_ text: String) -> Int64 { ISOTime.parseEpochMilliseconds(text)! }
}

@Suite struct WallClockTests {
    typealias A = AccountingFixture

    static func weekly(_ day: String, _ from: String, _ to: String, zone: String) -> MaintenanceWindow {
        MaintenanceWindow(
            schedule: .recurring(days: [Weekday.number(day)!], from: WallTime(text: from)!, to: WallTime(text: to)!, clock: WallClock(identifier: zone)!),
            reason: "weekly deploy window")
    }

    @Test func aRecurringWindowFollowsItsZoneAcrossBothDSTChanges() {
        let window = Self.weekly("sun", "02:00", "04:00", zone: "Europe/Berlin")
        func occurrence(on day: String) -> [Range<Int64>] {
            window.occurrences(overlapping: A.utc("\(day)T00:00:00Z")..<A.utc("\(day)T00:00:00Z") + Fixture.day)
        }
        // A winter Sunday: 02:00-04:00 CET is 01:00-03:00 UTC.
        #expect(occurrence(on: "2026-11-22") == [A.utc("2026-11-22T01:00:00Z")..<A.utc("2026-11-22T03:00:00Z")])
        // A summer Sunday: 02:00-04:00 CEST is 00:00-02:00 UTC.
        #expect(occurrence(on: "2026-07-05") == [A.utc("2026-07-05T00:00:00Z")..<A.utc("2026-07-05T02:00:00Z")])
        // 2026-03-29: clocks jump from 02:00 to 03:00 CET; 02:00 does not exist and becomes 03:00
        // CEST (01:00 UTC); 04:00 CEST is 02:00 UTC: one hour.
        #expect(occurrence(on: "2026-03-29") == [A.utc("2026-03-29T01:00:00Z")..<A.utc("2026-03-29T02:00:00Z")])
        // 2026-10-25: clocks fall back from 03:00 CEST to 02:00 CET; 02:00 is taken at its first
        // occurrence (CEST, 00:00 UTC); 04:00 CET is 03:00 UTC: three hours.
        #expect(occurrence(on: "2026-10-25") == [A.utc("2026-10-25T00:00:00Z")..<A.utc("2026-10-25T03:00:00Z")])
    }

    @Test func wallTimesInTheGapMoveLaterAndTwiceShownTimesTakeTheFirst() throws {
        let newYork = try #require(WallClock(identifier: "America/New_York"))
        let march8 = try #require(CalendarDay(text: "2026-03-08"))
        // 02:30 does not exist on 2026-03-08 (02:00 EST jumps to 03:00 EDT): 03:30 EDT.
        #expect(newYork.instant(march8, WallTime(text: "02:30")!) == A.utc("2026-03-08T07:30:00Z"))
        #expect(newYork.instant(march8, WallTime(text: "01:30")!) == A.utc("2026-03-08T06:30:00Z"))
        let november1 = try #require(CalendarDay(text: "2026-11-01"))
        // 01:30 happens twice on 2026-11-01: the first, EDT (UTC-4).
        #expect(newYork.instant(november1, WallTime(text: "01:30")!) == A.utc("2026-11-01T05:30:00Z"))
        #expect(newYork.instant(november1, WallTime(text: "03:00")!) == A.utc("2026-11-01T08:00:00Z"))
        #expect(newYork.date(containing: A.utc("2026-11-02T03:00:00Z")) == CalendarDay(text: "2026-11-01"))
    }

    @Test func anOvernightWindowEndsTheNextDay() {
        let nightly = MaintenanceWindow(
            schedule: .recurring(days: Set(1...7), from: WallTime(text: "22:00")!, to: WallTime(text: "02:00")!, clock: WallClock(identifier: "UTC")!),
            reason: "backups")
        let day = A.utc("2026-11-18T00:00:00Z")..<A.utc("2026-11-19T00:00:00Z")
        #expect(IntervalSet(nightly.occurrences(overlapping: day)).clipped(to: day).ranges == [
            A.utc("2026-11-18T00:00:00Z")..<A.utc("2026-11-18T02:00:00Z"), A.utc("2026-11-18T22:00:00Z")..<A.utc("2026-11-19T00:00:00Z"),
        ])
    }

    @Test func intervalSetsMergeComplementAndMeasureOverlaps() {
        let set = IntervalSet([5..<10, 0..<2, 9..<12, 12..<13, 20..<20])
        #expect(set.ranges == [0..<2, 5..<13])
        #expect(set.complement(in: 1..<15).ranges == [2..<5, 13..<15])
        #expect(set.overlap(with: 1..<6) == 2)
        #expect(set.overlap(with: 13..<20) == 0)
        #expect(set.clipped(to: 6..<30).ranges == [6..<13])
        #expect(set.union(IntervalSet([2..<5])).ranges == [0..<13])
    }
}

@Suite struct MaintenanceAccountingTests {
    typealias F = Fixture
    typealias A = AccountingFixture

    /// Two days, 2026-11-17 and -18. int_a (github) is down from 22:30 to 01:30 across midnight;
    /// a github window runs 23:00-01:00, and a window for all runs over the report's end
    /// (23:30 to 00:30 the next day). int_b (google) has the same checks.
    static func settings(_ mode: ReportSettings.MaintenanceMode = .honor) -> ReportSettings {
        var settings = A.fiveMinuteSettings
        settings.maintenance = [
            MaintenanceWindow(
                schedule: .once(A.utc("2026-11-17T23:00:00Z")..<A.utc("2026-11-18T01:00:00Z")), providers: ["github"],
                reason: "GitHub API migration"),
            MaintenanceWindow(schedule: .once(A.utc("2026-11-18T23:30:00Z")..<A.utc("2026-11-19T00:30:00Z")), reason: "database upgrade"),
        ]
        settings.maintenanceMode = mode
        return settings
    }

    static func report(_ mode: ReportSettings.MaintenanceMode = .honor) -> Report {
        let down = [A.utc("2026-11-17T22:30:00Z")..<A.utc("2026-11-18T01:30:00Z")]
        let checks = A.checks(every: 5 * F.minute, from: A.utc("2026-11-16T00:00:00Z"), to: A.utc("2026-11-19T00:00:00Z"), down: down)
        return A.report(
            [(A.info("int_a", provider: "github"), checks), (A.info("int_b", provider: "google"), checks)],
            since: A.utc("2026-11-17T00:00:00Z"), until: A.utc("2026-11-19T00:00:00Z"), settings: settings(mode))
    }

    @Test func maintenanceLeavesTheDenominatorAndAnOverlappingIncidentIsMarked() throws {
        let report = Self.report()
        let github = report.integrations[0]
        let availability = github.stats.availability
        // Excluded: 23:00-01:00 and 23:30-24:00 = 2h30m; down 3h of which 2h excluded.
        #expect(availability.excludedMs == 150 * F.minute)
        #expect(availability.maintenanceMs == 150 * F.minute)
        #expect(availability.downMs == F.hour)
        #expect(availability.upMs == 44 * F.hour + 30 * F.minute)
        #expect(availability.countedMs == 45 * F.hour + 30 * F.minute)
        #expect(availability.timeWeighted == Double(89) / Double(91))
        #expect(availability.coverage == 1)
        let incident = try #require(github.stats.incidents.items.first)
        #expect(github.stats.incidents.items.count == 1)
        #expect(incident.startMs == A.utc("2026-11-17T22:30:00Z") && incident.endMs == A.utc("2026-11-18T01:30:00Z"))
        #expect(incident.excludedMs == 2 * F.hour && incident.countedMs == F.hour)
        #expect(github.stats.incidents.downtimeMs == F.hour)
        // Each day keeps its own part: 22:30-24:00 with 23:00-24:00 excluded, 00:00-01:30 with 00:00-01:00.
        #expect(github.daily.map(\.stats.availability.downMs) == [30 * F.minute, 30 * F.minute])
        #expect(github.daily.map(\.stats.availability.excludedMs) == [F.hour, 90 * F.minute])
        #expect(github.daily.map { $0.stats.incidents.items.map(\.excludedMs) } == [[F.hour], [F.hour]])
        // The SLO sees 1h of downtime in 45h30m: 99.9 % allows 163.8 s.
        #expect(github.slo.met == false)
        #expect(abs(github.slo.allowedDowntimeSeconds - 163.8) < 1e-9)

        let google = report.integrations[1]
        #expect(google.stats.availability.excludedMs == 30 * F.minute)
        #expect(google.stats.availability.downMs == 3 * F.hour)
        #expect(google.stats.incidents.items.first?.excludedMs == 0)

        #expect(report.maintenance.map(\.window.reason) == ["GitHub API migration", "database upgrade"])
        #expect(report.maintenance.map(\.integrations) == [1, 2])
        #expect(report.maintenance[1].occurrences == [A.utc("2026-11-18T23:30:00Z")..<A.utc("2026-11-19T00:00:00Z")])
        #expect(report.fleet.availability.excludedMs == 180 * F.minute)
    }

    @Test func ignoringMaintenanceCountsItLikeAnyTime() {
        let github = Self.report(.ignore).integrations[0]
        #expect(github.stats.availability.excludedMs == 0)
        #expect(github.stats.availability.downMs == 3 * F.hour)
        #expect(github.stats.incidents.items.first?.excludedMs == 0)
    }

    @Test func theRenderingsShowTheExcludedTimeAndTheWindows() throws {
        let report = Self.report()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(ReportJSON.render(report).utf8)) as? [String: Any])
        let settings = try #require(object["settings"] as? [String: Any])
        #expect(settings["maintenance"] as? String == "honor")
        let windows = try #require(object["maintenance"] as? [[String: Any]])
        #expect(windows.map { $0["reason"] as? String } == ["GitHub API migration", "database upgrade"])
        let integrations = try #require(object["integrations"] as? [[String: Any]])
        let availability = try #require(integrations[0]["availability"] as? [String: Any])
        #expect(availability["excludedSeconds"] as? Double == 9000)
        let incidents = try #require((integrations[0]["incidents"] as? [String: Any])?["items"] as? [[String: Any]])
        #expect(incidents[0]["excludedSeconds"] as? Double == 7200)
        #expect(incidents[0]["countedSeconds"] as? Double == 3600)

        let markdown = ReportMarkdown.render(report)
        #expect(markdown.contains("## Maintenance"))
        #expect(markdown.contains("| GitHub API migration | 2026-11-17T23:00:00Z to 2026-11-18T01:00:00Z | provider github (1) | 1 | 2h |"))
        #expect(markdown.contains("2 maintenance windows honored"))
        #expect(markdown.contains("| Excluded |"))
        let csv = ReportCSV.render(report)
        #expect(csv.components(separatedBy: "\r\n")[1].contains(",9000,"))
    }
}

@Suite struct ServiceHoursTests {
    typealias F = Fixture
    typealias A = AccountingFixture

    /// 2026-W48 (Monday 2026-11-23 to Monday 11-30), service hours Monday to Friday 09:00-18:00
    /// New York time (EST: 14:00-23:00 UTC), Thanksgiving (Thursday 11-26) a holiday: 4 days x 9h.
    @Test func onlyServiceHoursCountAndAHolidayIsOff() throws {
        var settings = A.fiveMinuteSettings
        settings.serviceHours = ServiceHours(
            days: Set(1...5), from: WallTime(text: "09:00")!, to: WallTime(text: "18:00")!, clock: WallClock(identifier: "America/New_York")!,
            holidays: [CalendarDay(text: "2026-11-26")!])
        let down = [
            A.utc("2026-11-24T13:00:00Z")..<A.utc("2026-11-24T15:00:00Z"),  // 08:00-10:00 EST: one hour inside
            A.utc("2026-11-26T15:00:00Z")..<A.utc("2026-11-26T16:00:00Z"),  // on the holiday
        ]
        let checks = A.checks(every: 5 * F.minute, from: A.utc("2026-11-22T00:00:00Z"), to: A.utc("2026-11-30T00:00:00Z"), down: down)
        let report = A.report(
            [(A.info("int_a", provider: "github"), checks)], since: A.utc("2026-11-23T00:00:00Z"), until: A.utc("2026-11-30T00:00:00Z"),
            settings: settings)
        let item = report.integrations[0]
        let availability = item.stats.availability
        #expect(availability.countedMs == 36 * F.hour)
        #expect(availability.outsideServiceMs == 132 * F.hour)
        #expect(availability.maintenanceMs == 0)
        #expect(availability.downMs == F.hour)
        #expect(availability.upMs == 35 * F.hour)
        #expect(availability.timeWeighted == Double(35) / Double(36))
        #expect(availability.coverage == 1)
        #expect(item.stats.incidents.items.map(\.excludedMs) == [F.hour, F.hour])
        #expect(item.stats.incidents.count == 1)
        #expect(item.stats.incidents.downtimeMs == F.hour)
        #expect(item.daily.map { $0.stats.availability.countedMs } == [9, 9, 9, 0, 9, 0, 0].map { $0 * F.hour })
        // A day without service hours has no covered time: no data, not 100 %.
        #expect(item.daily[3].slo.met == nil)
        #expect(ReportMarkdown.render(report).contains("Counted: service hours only (mon-fri 09:00-18:00 America/New_York, 1 holiday)"))
    }
}

@Suite struct ShortIncidentTests {
    typealias F = Fixture
    typealias A = AccountingFixture

    static func report(minimum: Int64, down: [Range<Int64>], days: Int64 = 1) -> IntegrationReport {
        var settings = ReportSettings(maxGap: .fixed(milliseconds: F.minute))
        settings.minIncidentMs = minimum
        let checks = A.checks(every: 30_000, from: F.t0 - F.hour, to: F.t0 + days * F.day, down: down)
        return A.report([(A.info("int_a", provider: "github"), checks)], since: F.t0, until: F.t0 + days * F.day, settings: settings)
            .integrations[0]
    }

    @Test func aDownRunShorterThanTheMinimumCountsAsUp() {
        let short = (F.t0 + 10 * F.hour)..<(F.t0 + 10 * F.hour + 90_000)
        let long = (F.t0 + 12 * F.hour)..<(F.t0 + 12 * F.hour + 3 * F.minute)
        let item = Self.report(minimum: 2 * F.minute, down: [short, long])
        #expect(item.stats.incidents.count == 1)
        #expect(item.stats.incidents.items.first?.startMs == long.lowerBound)
        #expect(item.stats.availability.downMs == 3 * F.minute)
        #expect(item.stats.availability.upMs == F.day - 3 * F.minute)
        let every = Self.report(minimum: 0, down: [short, long])
        #expect(every.stats.incidents.count == 2)
        #expect(every.stats.availability.downMs == 3 * F.minute + 90_000)
    }

    @Test func aRunAcrossMidnightIsJudgedWhole() {
        let across = (F.t0 + F.day - F.minute)..<(F.t0 + F.day + F.minute)
        let kept = Self.report(minimum: 2 * F.minute, down: [across], days: 2)
        #expect(kept.stats.incidents.count == 1)
        #expect(kept.daily.map(\.stats.incidents.count) == [1, 1])
        let dropped = Self.report(minimum: 150_000, down: [across], days: 2)
        #expect(dropped.stats.incidents.count == 0)
        #expect(dropped.daily.map(\.stats.availability.downMs) == [0, 0])
    }
}

@Suite struct BurnRateTests {
    typealias F = Fixture
    typealias A = AccountingFixture

    static func item(down: [Range<Int64>], since: Int64, until: Int64) -> IntegrationReport {
        let checks = A.checks(every: F.minute, from: until - 4 * F.day, to: until, down: down)
        return A.report([(A.info("int_a", provider: "github"), checks)], since: since, until: until, settings: ReportSettings(maxGap: .fixed(milliseconds: 2 * F.minute)))
            .integrations[0]
    }

    static func rate(_ item: IntegrationReport, _ label: String) -> Double? {
        item.slo.burnRates.first { $0.label == label }?.rate ?? nil
    }

    @Test func tenMinutesDownAtTheEndPages() {
        let end = F.t0 + 4 * F.day
        let item = Self.item(down: [(end - 10 * F.minute)..<end], since: F.t0, until: end)
        // 99.9 %: 5m fully down is 1000x, 1h with 10 minutes down is 166.7x: both above 14.4x.
        #expect(abs(Self.rate(item, "5m")! - 1000) < 1e-6)
        #expect(abs(Self.rate(item, "1h")! - 1000.0 / 6) < 1e-6)
        #expect(abs(Self.rate(item, "72h")! - 1000.0 / 432) < 1e-6)
        #expect(item.slo.alert == .page)
        #expect(item.slo.alertRule?.text == "1h and 5m above 14.4x")
        #expect(item.slo.burnRates.map(\.label) == ["5m", "30m", "1h", "2h", "6h", "24h", "72h"])
    }

    @Test func anOutageThatEndedAnHourAgoTickets() {
        let end = F.t0 + 4 * F.day
        let item = Self.item(down: [(end - 4 * F.hour)..<(end - F.hour)], since: F.t0, until: end)
        // 6h: 500x but 30m: 0 (no page); 24h: 125x and 2h: 500x, above 3x: a ticket.
        #expect(Self.rate(item, "30m") == 0)
        #expect(abs(Self.rate(item, "6h")! - 500) < 1e-6)
        #expect(abs(Self.rate(item, "2h")! - 500) < 1e-6)
        #expect(item.slo.alert == .ticket)
        #expect(item.slo.alertRule?.text == "24h and 2h above 3x")
    }

    @Test func aShortWindowStillLooksBackSeventyTwoHours() {
        let end = F.t0 + 4 * F.day
        // A one-hour report; the outage was 10 to 8 hours before its end, outside the window.
        let item = Self.item(down: [(end - 10 * F.hour)..<(end - 8 * F.hour)], since: end - F.hour, until: end)
        #expect(item.stats.availability.downMs == 0)
        #expect(abs(Self.rate(item, "72h")! - 1000.0 / 36) < 1e-6)
        #expect(abs(Self.rate(item, "24h")! - 1000.0 / 12) < 1e-6)
        #expect(Self.rate(item, "6h") == 0)
        #expect(item.slo.alert == .none)
    }
}

@Suite struct GroupAndComparisonTests {
    typealias F = Fixture
    typealias A = AccountingFixture

    /// int_a (github, u1) down 1h with 100 ms; int_b (github, u2) up with 200 ms; int_c (google,
    /// u1) up with 300 ms; one day of five-minute checks (288 each).
    static func report() -> Report {
        let day = F.t0..<(F.t0 + F.day)
        let from = F.t0 - F.hour
        return A.report(
            [
                (A.info("int_a", provider: "github", user: "u1"),
                 A.checks(every: 5 * F.minute, from: from, to: day.upperBound, down: [(F.t0 + F.hour)..<(F.t0 + 2 * F.hour)], latency: 100)),
                (A.info("int_b", provider: "github", user: "u2"), A.checks(every: 5 * F.minute, from: from, to: day.upperBound, latency: 200)),
                (A.info("int_c", provider: "google", user: "u1"), A.checks(every: 5 * F.minute, from: from, to: day.upperBound, latency: 300)),
            ], since: day.lowerBound, until: day.upperBound, settings: A.fiveMinuteSettings, label: "2026-11-16")
    }

    @Test func groupSummariesAreTimeWeightedSumsWithMergedPercentiles() throws {
        var report = Self.report()
        report.group(by: .provider)
        #expect(report.groups.map(\.key) == ["github", "google"])
        let github = report.groups[0].summary
        #expect(github.integrations == 2)
        #expect(github.availability.upMs == 47 * F.hour && github.availability.downMs == F.hour)
        #expect(github.availability.timeWeighted == Double(47) / Double(48))
        // 288 x 100 ms and 288 x 200 ms: p50 is rank 288 (100), p95 rank 548 (200).
        #expect(github.latency.p50 == 100 && github.latency.p95 == 200)
        #expect(github.incidents == 1 && github.breachingSLO == 1)
        #expect(report.groups[1].summary.availability.timeWeighted == 1)

        report.group(by: .user)
        #expect(report.groups.map(\.key) == ["u1", "u2"])
        let customer = report.groups[0].summary
        #expect(customer.availability.timeWeighted == Double(47) / Double(48))
        // 288 x 100 and 288 x 300: p90 is rank 519 (300).
        #expect(customer.latency.p50 == 100 && customer.latency.p90 == 300)
        let markdown = ReportMarkdown.render(report)
        #expect(markdown.contains("## By customer"))
        #expect(markdown.contains("| u1 | 2 | 97.916 % | 1h | 1 | 300 ms | 1 |"))
    }

    @Test func splittingGivesEachCustomerTheirOwnReport() {
        var report = Self.report()
        report.group(by: .provider)
        let parts = report.split(by: .user)
        #expect(parts.map(\.user) == ["u1", "u2"])
        #expect(parts[0].integrations.map(\.info.id) == ["int_a", "int_c"])
        #expect(parts[0].fleet.integrations == 2)
        #expect(parts[0].fleet.availability.timeWeighted == Double(47) / Double(48))
        #expect(parts[0].groups.map(\.key) == ["github", "google"])
        #expect(parts[1].fleet.availability.timeWeighted == 1)
        // A customer with one integration gets that integration's page.
        #expect(ReportMarkdown.render(parts[1]).hasPrefix("# int_b: 2026-11-16\n\nProvider github, customer u2.\n"))
        #expect(ReportMarkdown.render(parts[0]).contains("Customer: u1 (2 integrations)."))
        #expect(!ReportJSON.render(parts[1]).contains("int_a"))
    }

    @Test func aPreviousWindowWithoutDataSaysSo() throws {
        var report = Self.report()
        let before = report.window.previous
        #expect(before.sinceMs == F.t0 - F.day && before.untilMs == F.t0)
        let previous = A.report(
            [(A.info("int_a", provider: "github"), []), (A.info("int_b", provider: "github"), []), (A.info("int_c", provider: "google"), [])],
            since: before.sinceMs, until: before.untilMs, settings: A.fiveMinuteSettings, label: before.label)
        report.compare(with: previous)
        #expect(report.integrations.allSatisfy { $0.previous?.hasData == false })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(ReportJSON.render(report).utf8)) as? [String: Any])
        let first = try #require((object["integrations"] as? [[String: Any]])?.first?["previous"] as? [String: Any])
        #expect(first["hasData"] as? Bool == false)
        #expect((first["change"] as? [String: Any])?["availability"] is NSNull)
        #expect(((object["fleet"] as? [String: Any])?["previous"] as? [String: Any])?["hasData"] as? Bool == false)
        let markdown = ReportMarkdown.render(report)
        #expect(markdown.contains("Previous window 2026-11-15 (2026-11-15T00:00:00Z to 2026-11-16T00:00:00Z): no data."))
        #expect(markdown.contains("| no data before |"))
        let csv = ReportCSV.render(report).components(separatedBy: "\r\n")
        #expect(csv[0].hasSuffix("change_incidents,change_p95_ms"))
        #expect(csv[1].hasSuffix(",,,,,,,,"))
    }

    @Test func theComparisonShowsTheChange() throws {
        var report = Self.report()
        let before = report.window.previous
        // The day before: int_a down 2h, int_b and int_c up.
        let previous = A.report(
            [
                (A.info("int_a", provider: "github"),
                 A.checks(every: 5 * F.minute, from: before.sinceMs - F.hour, to: before.untilMs, down: [(before.sinceMs + F.hour)..<(before.sinceMs + 3 * F.hour)], latency: 150)),
                (A.info("int_b", provider: "github"), A.checks(every: 5 * F.minute, from: before.sinceMs - F.hour, to: before.untilMs, latency: 200)),
            ], since: before.sinceMs, until: before.untilMs, settings: A.fiveMinuteSettings, label: before.label)
        report.compare(with: previous)
        let first = try #require(report.integrations[0].previous)
        #expect(first.stats.availability.downMs == 2 * F.hour)
        #expect(report.integrations[2].previous == nil)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(ReportJSON.render(report).utf8)) as? [String: Any])
        let change = try #require(((object["integrations"] as? [[String: Any]])?.first?["previous"] as? [String: Any])?["change"] as? [String: Any])
        #expect(change["downtimeSeconds"] as? Double == -3600)
        #expect(change["incidents"] as? Int == 0)
        #expect(change["p95Ms"] as? Double == -50)
        let availability = try #require(change["availability"] as? Double)
        #expect(abs(availability - (Double(23) / 24 - Double(22) / 24)) < 1e-12)
        let markdown = ReportMarkdown.render(report)
        #expect(markdown.contains("| int_a | github | 95.833 % | ▲ +4.167 pp |"))
        #expect(markdown.contains("downtime 2h ▼ -1h"))
    }

    @Test func previousWindowsAreCalendarPeriodsOrTheSameLength() throws {
        func previous(_ period: String) throws -> ReportWindow {
            try ReportPeriod.window(for: period, nowMs: F.t0 + 400 * F.day).previous
        }
        #expect(try previous("2026-W47").label == "2026-W46")
        #expect(try previous("2026-W01").label == "2025-W52")
        #expect(try previous("2026-03").label == "2026-02")
        #expect(try previous("2026-01").label == "2025-12")
        #expect(try previous("2026-Q1").label == "2025-Q4")
        #expect(try previous("2026").label == "2025")
        #expect(try previous("2026-03-01").label == "2026-02-28")
        let range = ReportWindow(sinceMs: F.t0, untilMs: F.t0 + 3 * F.day, label: "range")
        #expect(range.previous.sinceMs == F.t0 - 3 * F.day && range.previous.untilMs == F.t0)
    }
}

@Suite struct AccountingSettingsTests {
    static func parse(_ text: String) throws -> Settings {
        try SettingsFile.parse(text, path: "healthctl.toml")
    }

    static func failure(_ text: String) -> String {
        do {
            _ = try parse(text)
            return "parsed"
        } catch {
            return String(describing: error)
        }
    }

    @Test func maintenanceWindowsAndServiceHoursAreRead() throws {
        let settings = try Self.parse("""
            [report]
            min_incident = "2m"

            [report.service_hours]
            days = ["mon", "tue", "wed", "thu", "fri"]
            from = "09:00"
            to = "18:00"
            timezone = "America/New_York"
            holidays = ["2026-11-26", "2026-12-25"]

            [[maintenance]]
            start = "2026-11-18T02:00:00Z"
            end = "2026-11-18T03:30:00Z"
            providers = ["github"]
            reason = "GitHub API migration"

            [[maintenance]]
            every = "week"
            days = ["sun"]
            from = "02:00"
            to = "04:00"
            timezone = "Europe/Berlin"
            reason = "weekly deploy window"
            """)
        #expect(settings.maintenance.value.count == 2)
        #expect(settings.maintenance.value[0].schedule == .once(AccountingFixture.utc("2026-11-18T02:00:00Z")..<AccountingFixture.utc("2026-11-18T03:30:00Z")))
        #expect(settings.maintenance.value[0].providers == ["github"])
        #expect(settings.maintenance.value[1].scheduleText == "sun 02:00-04:00 Europe/Berlin")
        #expect(settings.maintenance.value[1].line == 17)
        #expect(settings.report.serviceHours.value?.text == "mon-fri 09:00-18:00 America/New_York, 2 holidays")
        #expect(settings.report.minIncident.value.milliseconds == 120_000)
        var flags = ReportFlags()
        flags.serviceHours = true
        let request = try settings.reportRequest(flags, nowMs: Fixture.t0)
        #expect(request.settings.serviceHours?.holidays.count == 2)
        #expect(request.settings.minIncidentMs == 120_000)
        #expect(request.settings.maintenance.count == 2)
    }

    @Test func aBadWindowNamesItsEntryAndLine() {
        #expect(Self.failure("""
            [[maintenance]]
            start = "2026-11-18T02:00:00Z"
            end = "2026-11-18T03:00:00Z"

            [[maintenance]]
            start = "2026-11-18T04:00:00Z"
            end = "2026-11-18T03:00:00Z"
            reason = "backwards"
            """) == "healthctl.toml line 5: maintenance entry 2 (\"backwards\"): end 2026-11-18T03:00:00Z is not after start 2026-11-18T04:00:00Z")
        #expect(Self.failure("""
            [[maintenance]]
            every = "week"
            days = ["sunday"]
            from = "02:00"
            to = "04:00"
            """) == "healthctl.toml line 1: maintenance entry 1: unknown day \"sunday\" (days are mon, tue, wed, thu, fri, sat, sun)")
        #expect(Self.failure("""
            [[maintenance]]
            every = "day"
            from = "02:00"
            to = "04:00"
            timezone = "Mars/Olympus_Mons"
            """).hasPrefix("healthctl.toml line 1: maintenance entry 1: unknown time zone \"Mars/Olympus_Mons\""))
        #expect(Self.failure("""
            [report.service_hours]
            from = "25:00"
            to = "18:00"
            """).hasPrefix("healthctl.toml line 1: report.service_hours: from \"25:00\" is not a time of day"))
        #expect(Self.failure("""
            [[maintenance]]
            start = "2026-11-18T02:00:00Z"
            finish = "2026-11-18T03:00:00Z"
            """).hasPrefix("healthctl.toml line 1: maintenance entry 1: unknown key \"finish\""))
    }

    @Test func serviceHoursNeedTheirTable() {
        var flags = ReportFlags()
        flags.serviceHours = true
        #expect(throws: UsageError.self) { try Settings().reportRequest(flags, nowMs: Fixture.t0) }
        var split = ReportFlags()
        split.splitBy = .user
        #expect(throws: UsageError.self) { try Settings().reportRequest(split, nowMs: Fixture.t0) }
    }
}
