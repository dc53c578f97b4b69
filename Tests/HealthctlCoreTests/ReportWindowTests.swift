import HealthctlCore
import Testing

@Suite struct ReportWindowTests {
    /// 2026-11-29T04:13:00Z, a Sunday in ISO week 2026-W48.
    let now = ISOTime.parseEpochMilliseconds("2026-11-29T04:13:00Z")!

    func window(_ period: String) throws -> ReportWindow {
        try ReportWindow.resolve(period: period, since: nil, until: nil, nowMs: now)
    }

    func text(_ window: ReportWindow) -> String {
        "\(ISOTime.format(epochMilliseconds: window.sinceMs)) \(ISOTime.format(epochMilliseconds: window.untilMs)) \(window.label)"
    }

    @Test func calendarPeriods() throws {
        #expect(text(try window("2026-W47")) == "2026-11-16T00:00:00Z 2026-11-23T00:00:00Z 2026-W47")
        #expect(text(try window("last-week")) == "2026-11-16T00:00:00Z 2026-11-23T00:00:00Z 2026-W47")
        #expect(text(try window("2026-11")) == "2026-11-01T00:00:00Z 2026-11-29T04:13:00Z 2026-11")
        #expect(text(try window("last-month")) == "2026-10-01T00:00:00Z 2026-11-01T00:00:00Z 2026-10")
        #expect(text(try window("2026-11-28")) == "2026-11-28T00:00:00Z 2026-11-29T00:00:00Z 2026-11-28")
        #expect(text(try window("yesterday")) == "2026-11-28T00:00:00Z 2026-11-29T00:00:00Z 2026-11-28")
        #expect(text(try window("last-24h")) == "2026-11-28T04:13:00Z 2026-11-29T04:13:00Z last-24h")
        #expect(text(try window("last-7d")) == "2026-11-22T04:13:00Z 2026-11-29T04:13:00Z last-7d")
        // ISO week 1 of 2026 starts on Monday 2025-12-29; 2026 has 53 weeks, 2025 has 52.
        #expect(text(try window("2026-W01")) == "2025-12-29T00:00:00Z 2026-01-05T00:00:00Z 2026-W01")
        #expect(CalendarDay.isoWeeks(in: 2026) == 53 && CalendarDay.isoWeeks(in: 2025) == 52)
        #expect(throws: ReportWindowError.self) { try window("2025-W53") }
        #expect(CalendarDay(year: 2021, month: 1, day: 3).isoWeek == ISOWeek(year: 2020, week: 53))
    }

    @Test func quartersAndYears() throws {
        #expect(text(try window("2026-Q3")) == "2026-07-01T00:00:00Z 2026-10-01T00:00:00Z 2026-Q3")
        #expect(text(try window("2025-Q4")) == "2025-10-01T00:00:00Z 2026-01-01T00:00:00Z 2025-Q4")
        #expect(text(try window("last-quarter")) == "2026-07-01T00:00:00Z 2026-10-01T00:00:00Z 2026-Q3")
        #expect(text(try window("this-quarter")) == "2026-10-01T00:00:00Z 2026-11-29T04:13:00Z 2026-Q4")
        #expect(text(try window("2025")) == "2025-01-01T00:00:00Z 2026-01-01T00:00:00Z 2025")
        #expect(text(try window("last-year")) == "2025-01-01T00:00:00Z 2026-01-01T00:00:00Z 2025")
        #expect(text(try window("this-year")) == "2026-01-01T00:00:00Z 2026-11-29T04:13:00Z 2026")
        #expect(text(try window("last-365d")) == "2025-11-29T04:13:00Z 2026-11-29T04:13:00Z last-365d")
        for bad in ["2026-Q0", "2026-Q5", "2026-Q", "26", "2026-Q10"] {
            #expect(throws: ReportWindowError.badPeriod(bad)) { try window(bad) }
        }
        // In January, last-quarter is the previous year's fourth.
        let january = ISOTime.parseEpochMilliseconds("2027-01-15T12:00:00Z")!
        #expect(try ReportPeriod.window(for: "last-quarter", nowMs: january).label == "2026-Q4")
        #expect(CalendarDay(text: "2026-02-29") == nil && CalendarDay(text: "2024-02-29") == CalendarDay(year: 2024, month: 2, day: 29))
        #expect(CalendarDay(text: "2026-1-01") == nil && CalendarDay(text: "x") == nil)
    }

    @Test func windowEndingInTheFutureIsCutAtNow() throws {
        let week = try window("this-week")
        #expect(text(week) == "2026-11-23T00:00:00Z 2026-11-29T04:13:00Z 2026-W48")
        #expect(week.isCutAtNow)
        #expect(week.requestedUntilMs == ISOTime.parseEpochMilliseconds("2026-11-30T00:00:00Z"))
        let today = try window("today")
        #expect(today.isCutAtNow && today.untilMs == now)
        #expect(!(try window("2026-W47")).isCutAtNow)
        #expect(throws: ReportWindowError.startsInFuture(since: "2026-12-01T00:00:00Z")) { try window("2026-12") }
    }

    @Test func explicitRangeIsHalfOpenAndChecked() throws {
        let range = try ReportWindow.resolve(period: nil, since: "2026-11-01", until: "2026-11-08T00:00:00+01:00", nowMs: now)
        #expect(text(range) == "2026-11-01T00:00:00Z 2026-11-07T23:00:00Z 20261101T000000Z..20261107T230000Z")
        #expect(throws: ReportWindowError.self) { try ReportWindow.resolve(period: nil, since: "2026-11-08", until: "2026-11-01", nowMs: now) }
        #expect(throws: ReportWindowError.self) { try ReportWindow.resolve(period: nil, since: "2026-11-08", until: "2026-11-08", nowMs: now) }
        #expect(throws: ReportWindowError.periodWithRange) { try ReportWindow.resolve(period: "last-7d", since: "2026-11-01", until: nil, nowMs: now) }
        #expect(throws: ReportWindowError.badPeriod("2026-13")) { try window("2026-13") }
        #expect(throws: ReportWindowError.badPeriod("last-2d")) { try window("last-2d") }
        let defaultWindow = try ReportWindow.resolve(period: nil, since: nil, until: nil, nowMs: now)
        #expect(defaultWindow.label == "last-7d")
    }

    @Test func closeMatchesSuggestUpToThreeIds() {
        let ids = ["int_0001", "int_0002", "int_0010", "int_1234", "slack_main"]
        #expect(CloseMatches.find("int_0003", among: ids) == ["int_0001", "int_0002", "int_0010"])
        #expect(CloseMatches.find("slack", among: ids) == ["slack_main"])
        #expect(CloseMatches.find("zzzzzzzz", among: ids).isEmpty)
    }
}
