/// A declared maintenance window (`[[maintenance]]` in the settings file): time inside it
/// counts neither as up nor as down for the integrations it applies to.
public struct MaintenanceWindow: Sendable, Equatable {
    public enum Schedule: Sendable, Equatable {
        /// One stretch of time.
        case once(Range<Int64>)
        /// From `from` to `to` on the wall clock of `clock`, starting on each of `days` (ISO
        /// weekdays, all seven for `every = "day"`); a `to` not after `from` ends the next day.
        case recurring(days: Set<Int>, from: WallTime, to: WallTime, clock: WallClock)
    }

    public var schedule: Schedule
    /// Providers whose integrations it applies to; with `integrations` empty too: every integration.
    public var providers: [String]
    public var integrations: [String]
    public var reason: String
    /// Where it is declared, for messages (0 when not from a file).
    public var line: Int

    public init(schedule: Schedule, providers: [String] = [], integrations: [String] = [], reason: String, line: Int = 0) {
        self.schedule = schedule
        self.providers = providers
        self.integrations = integrations
        self.reason = reason
        self.line = line
    }

    public var appliesToAll: Bool { providers.isEmpty && integrations.isEmpty }

    public func applies(to info: IntegrationInfo) -> Bool {
        appliesToAll || integrations.contains(info.id) || info.provider.map(providers.contains) == true
    }

    /// Its occurrences that overlap `range`, whole (not clipped).
    public func occurrences(overlapping range: Range<Int64>) -> [Range<Int64>] {
        switch schedule {
        case let .once(span):
            return span.overlaps(range) ? [span] : []
        case let .recurring(days, from, to, clock):
            return WallClockSpans(days: days, from: from, to: to, clock: clock).occurrences(overlapping: range)
        }
    }

    /// How the schedule reads in a report: `2026-11-18T02:00:00Z to …` or `sun 02:00-04:00 Europe/Berlin`.
    public var scheduleText: String {
        switch schedule {
        case let .once(span):
            return "\(ISOTime.format(epochMilliseconds: span.lowerBound)) to \(ISOTime.format(epochMilliseconds: span.upperBound))"
        case let .recurring(days, from, to, clock):
            let dayText = days.count == 7 ? "every day" : days.sorted().map(Weekday.name).joined(separator: ",")
            return "\(dayText) \(from.text)-\(to.text) \(clock.identifier)"
        }
    }
}

/// The hours a contract counts (`[report.service_hours]`): on the given weekdays, from `from`
/// to `to` on the wall clock of `clock`, except on holidays (dates on that clock).
public struct ServiceHours: Sendable, Equatable {
    public var days: Set<Int>
    public var from: WallTime
    public var to: WallTime
    public var clock: WallClock
    public var holidays: Set<CalendarDay>

    public init(days: Set<Int>, from: WallTime, to: WallTime, clock: WallClock, holidays: Set<CalendarDay> = []) {
        self.days = days
        self.from = from
        self.to = to
        self.clock = clock
        self.holidays = holidays
    }

    /// The service time inside `range`.
    public func serviceTime(in range: Range<Int64>) -> IntervalSet {
        let spans = WallClockSpans(days: days, from: from, to: to, clock: clock).occurrences(overlapping: range, except: holidays)
        return IntervalSet(spans).clipped(to: range)
    }

    /// `mon-fri 09:00-18:00 America/New_York, 2 holidays`.
    public var text: String {
        let sorted = days.sorted()
        let contiguous = sorted.count > 2 && sorted.last! - sorted.first! == sorted.count - 1
        let dayText = contiguous ? "\(Weekday.name(sorted.first!))-\(Weekday.name(sorted.last!))" : sorted.map(Weekday.name).joined(separator: ",")
        var text = "\(dayText) \(from.text)-\(to.text) \(clock.identifier)"
        if !holidays.isEmpty { text += ", \(holidays.count) holiday\(holidays.count == 1 ? "" : "s")" }
        return text
    }
}

/// From `from` to `to` on a wall clock, starting on each of `days` (ISO weekdays); a `to` not
/// after `from` ends the next day. Turned into instants date by date, so DST changes are followed.
struct WallClockSpans {
    var days: Set<Int>
    var from: WallTime
    var to: WallTime
    var clock: WallClock

    /// The spans that overlap `range`, whole, except those starting on `skipped` dates.
    func occurrences(overlapping range: Range<Int64>, except skipped: Set<CalendarDay> = []) -> [Range<Int64>] {
        var result: [Range<Int64>] = []
        // A span starts at most a day before the date of the range's start.
        var date = clock.date(containing: range.lowerBound).adding(days: -1)
        let last = clock.date(containing: range.upperBound)
        while date <= last {
            if days.contains(date.isoWeekday), !skipped.contains(date) {
                let start = clock.instant(date, from)
                let end = to > from ? clock.instant(date, to) : clock.instant(date.adding(days: 1), to)
                if end > start, (start..<end).overlaps(range) { result.append(start..<end) }
            }
            date = date.adding(days: 1)
        }
        return result
    }
}
